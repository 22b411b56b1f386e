// The frames between fakessh's `ssh` client and the master, on its Unix socket: a type byte,
// a big-endian u32 length, the data. The client (client-source.ts) speaks the same.

export const T_START = 1; // client -> master: JSON { token, argv }
export const T_STDIN = 2; // client -> master: bytes for the remote command's stdin
export const T_EOF = 3; // client -> master: stdin ended
export const T_STDOUT = 4; // master -> client: the remote command's stdout
export const T_STDERR = 5; // master -> client: its stderr
export const T_EXIT = 6; // master -> client: JSON { code, signal }
export const T_FAIL = 7; // master -> client: why the session failed (utf8); ssh exits 255

/** The largest frame accepted (a start record is small, chunks are at most 64 KiB or so). */
export const MAX_TUNNEL_FRAME = 16 * 1024 * 1024;

export function tunnelFrame(type: number, data: Uint8Array): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  head.writeUInt32BE(data.byteLength, 1);
  return Buffer.concat([head, data]);
}

/** Cuts a byte stream into tunnel frames. */
export class TunnelParser {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (type: number, data: Buffer) => void) {}

  /** Throws on a frame over MAX_TUNNEL_FRAME. */
  push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 5) {
      const len = this.buffered.readUInt32BE(1);
      if (len > MAX_TUNNEL_FRAME) throw new Error(`tunnel frame of ${len} bytes`);
      if (this.buffered.length < 5 + len) return;
      const type = this.buffered[0]!;
      const data = this.buffered.subarray(5, 5 + len);
      this.buffered = this.buffered.subarray(5 + len);
      this.onFrame(type, data);
    }
  }
}
