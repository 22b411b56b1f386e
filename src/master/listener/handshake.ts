// The listener's handshake, before any frame: newline-terminated JSON records.
//   listener -> client  challenge { tendril: 'listener', version, uid, key, nonce }
//   client -> listener  hello     { proof, uid, pid, name, notices }
//   listener -> client  welcome   { welcome: Welcome } | { refused: reason }
// The peer's uid is proved with the filesystem, not claimed: `key` names a file of random
// bytes (mode 0600, in a directory of mode 0700) that only the listener's uid can read, and
// `proof` is HMAC-SHA256(key, nonce). Node has no SO_PEERCRED; /proc/net/unix does not show
// which socket is the peer of an accepted one (only the netlink sock_diag interface does,
// which needs native code or `ss`), so a process of another uid is refused because it cannot
// read the key (root can, as it could read any credential).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';

export const HANDSHAKE_VERSION = 1;
/** A handshake record larger than this is refused (nothing legitimate comes close). */
const MAX_LINE = 256 * 1024;

export interface Challenge {
  tendril: 'listener';
  version: number;
  uid: number;
  key: string;
  nonce: string;
}

export interface Hello {
  proof: string;
  uid: number;
  pid: number;
  name: string;
  /** The client's handle for news of contexts coming up in the tree. */
  notices: number;
}

/** What an accepted client is told: who it is and what it can reach. */
export interface Welcome {
  id: number;
  name: string;
  parentIds: number[];
  peer: { id: number; name: string };
  maxMessageSize: number;
  heartbeatInterval: number;
  heartbeatMisses: number;
  /** Live contexts of the tree: [id, name, parentId]. */
  contexts: [number, string, number][];
}

export const newNonce = (): string => randomBytes(32).toString('hex');
export const newKey = (): Buffer => randomBytes(32);

export function proofOf(key: Uint8Array, nonce: string): string {
  return createHmac('sha256', key).update(nonce).digest('hex');
}

export function proofMatches(key: Uint8Array, nonce: string, proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const want = Buffer.from(proofOf(key, nonce));
  const got = Buffer.from(proof);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function sendRecord(socket: Socket, record: object): void {
  socket.write(`${JSON.stringify(record)}\n`);
}

/**
 * Reads one JSON record. Resolves with it and the bytes that came after it (the start of the
 * frames); rejects on EOF, an error, a record over the limit, bad JSON or `timeoutMs`.
 */
export function readRecord(socket: Socket, timeoutMs: number, what: string): Promise<{ record: Record<string, unknown>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (error: Error | null, value?: { record: Record<string, unknown>; rest: Buffer }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.pause();
      if (error) reject(error);
      else resolve(value!);
    };
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const at = buffered.indexOf(10);
      if (at < 0) {
        if (buffered.length > MAX_LINE) finish(new Error(`the ${what} is larger than ${MAX_LINE} bytes`));
        return;
      }
      let record: unknown;
      try {
        record = JSON.parse(buffered.subarray(0, at).toString('utf8'));
      } catch {
        return finish(new Error(`the ${what} is not JSON`));
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) return finish(new Error(`the ${what} is not a record`));
      finish(null, { record: record as Record<string, unknown>, rest: buffered.subarray(at + 1) });
    };
    const onClose = (): void => finish(new Error(`the connection closed before the ${what}`));
    const onError = (e: Error): void => finish(new Error(`${e.message} before the ${what}`));
    const timer = setTimeout(() => finish(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.resume();
  });
}
