// The receiving side of a pull (chunk-protocol.ts), in the target: keeps at most `window`
// chunk requests in flight, writes each chunk at its offset as it arrives (in order: the
// source answers in order on one route), hashes it, and at the end checks size and sha256
// against what the source says it served. Memory: window * chunk, whatever the size: chunks
// asked for, arriving and waiting to be written all count against the window.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { CoreRouter } from '../core/routing/router.js';
import type { Message } from '../core/messaging/message.js';
import { DONE, READ, codedError, isFailure, type ChunkRequest, type Served } from './chunk-protocol.js';

export interface PullOptions {
  /** Where the source's handler is. */
  sourceId: number;
  sourceHandle: number;
  size: number;
  chunk: number;
  window: number;
  signal?: AbortSignal;
  onProgress?(bytes: number): void;
}

/** Pulls the whole file into `file`; resolves with its sha256 once verified against the source. */
export function pullInto(router: CoreRouter, file: FileHandle, o: PullOptions): Promise<Served> {
  return new Promise<Served>((resolve, reject) => {
    const hash = createHash('sha256');
    const offsets: number[] = [];
    let requested = 0;
    let written = 0;
    // Chunks arrived and not yet written: they count against the window with those asked for,
    // so a disk slower than the link holds the sender back instead of piling chunks up here.
    const queue: { buf: Uint8Array; offset: number }[] = [];
    let writing = false;
    let finished = false;
    const end = (err: Error | null, v?: Served): void => {
      if (finished) return;
      finished = true;
      queue.length = 0;
      router.delHandler(handle);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(v!);
    };
    const onAbort = (): void => end(codedError('ECANCELED', `transfer cancelled: ${String(o.signal?.reason ?? 'aborted')}`));
    const ask = (req: ChunkRequest): void => router.sendValue(o.sourceId, o.sourceHandle, req, handle);
    const more = (): void => {
      while (!finished && requested < o.size && offsets.length + queue.length + (writing ? 1 : 0) < o.window) {
        const len = Math.min(o.chunk, o.size - requested);
        offsets.push(requested);
        ask([READ, requested, len]);
        requested += len;
      }
      if (!finished && offsets.length === 0 && !writing && written === o.size) ask([DONE, 0, 0]);
    };
    /** Writes the queued chunks one after the other (positional writes on the open file). */
    const drain = async (): Promise<void> => {
      writing = true;
      try {
        while (!finished && queue.length > 0) {
          const { buf, offset } = queue.shift()!;
          // Hashed here, in write order, one chunk per turn of the event loop (after the previous
          // write's completion), not as chunks arrive: a call arriving during a transfer waits
          // for one chunk's hash at most, not for those of every chunk that came before it.
          hash.update(buf);
          let done = 0;
          while (done < buf.byteLength) {
            const { bytesWritten } = await file.write(buf, done, buf.byteLength - done, offset + done);
            done += bytesWritten;
          }
          written += buf.byteLength;
          o.onProgress?.(written);
          // Asked for before the next write starts, so the link stays busy while the disk works.
          if (queue.length > 0) more();
        }
      } finally {
        writing = false;
      }
      more();
    };
    const onReply = (msg: Message): void => {
      if (finished) return;
      if (msg.isDead) return end(codedError('ECONNRESET', `the source of the transfer went away: ${msg.deadReason}`));
      let v: unknown;
      try {
        v = msg.decode();
      } catch (e) {
        return end(e as Error);
      }
      if (isFailure(v)) return end(codedError(v.e, v.m));
      if (offsets.length === 0) {
        // The DONE answer: what the source served us.
        const served = v as Served;
        const sha256 = hash.digest('hex');
        if (served.bytes !== written || served.sha256 !== sha256) {
          return end(codedError('EINTEGRITY', `verification failed: received ${written} bytes sha256 ${sha256}, the source sent ${served.bytes} bytes sha256 ${served.sha256}`));
        }
        return end(null, { bytes: written, sha256 });
      }
      const offset = offsets.shift()!;
      const buf = v instanceof Uint8Array ? v : null;
      if (buf === null || buf.byteLength !== Math.min(o.chunk, o.size - offset)) {
        return end(codedError('EPROTO', `bad chunk at offset ${offset}`));
      }
      queue.push({ buf, offset });
      if (!writing) drain().catch((e: unknown) => end(e as Error));
    };
    const handle = router.addHandler(onReply, { persist: true, respondent: { id: o.sourceId } });
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    more();
  });
}
