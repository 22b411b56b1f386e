// In the dispatcher thread, process.stdout and process.stderr are asynchronous streams relayed
// through the main thread. A line printed with console.log could then land in the middle of
// output that a program with inherited stdio writes straight to fd 1, or be lost when the
// process exits right after. Writing synchronously to fds 1 and 2 instead, as Node's main
// thread does for pipes on Linux, keeps every line whole and in the order it was printed.
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `data`, waiting while a non-blocking pipe is full. False if the reader is gone. */
function writeAll(fd: number, data: Uint8Array): boolean {
  let at = 0;
  while (at < data.byteLength) {
    try {
      at += writeSync(fd, data, at, data.byteLength - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE' || code === 'EBADF') return false;
      throw e;
    }
  }
  return true;
}

type WriteCallback = (error?: Error | null) => void;

/** Makes process.stdout/stderr of this thread write synchronously to fds 1/2. */
export function synchronousStdio(): void {
  for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
    stream.write = function write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
      if (typeof encoding === 'function') {
        cb = encoding;
        encoding = undefined;
      }
      const bytes =
        typeof chunk === 'string' ? Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8') : (chunk as Uint8Array);
      let error: Error | null = null;
      try {
        writeAll(fd, bytes);
      } catch (e) {
        error = e as Error;
      }
      if (typeof cb === 'function') process.nextTick(cb as WriteCallback, error);
      return error === null;
    } as typeof stream.write;
  }
}
