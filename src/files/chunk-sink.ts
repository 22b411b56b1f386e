// The receiving side of a pull (chunk-protocol.ts), in the target: keeps at most `window`
// chunk requests in flight, writes each chunk at its offset as it arrives (in order: the
// source answers in order on one route), hashes it, and at the end checks size and sha256
// against what the source says it served. Memory: window * chunk, whatever the size.
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
    let writing: Promise<void> = Promise.resolve();
    let finished = false;
    const end = (err: Error | null, v?: Served): void => {
      if (finished) return;
      finished = true;
      router.delHandler(handle);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(v!);
    };
    const onAbort = (): void => end(codedError('ECANCELED', `transfer cancelled: ${String(o.signal?.reason ?? 'aborted')}`));
    const ask = (req: ChunkRequest): void => router.sendValue(o.sourceId, o.sourceHandle, req, handle);
    const more = (): void => {
      while (!finished && requested < o.size && offsets.length < o.window) {
        const len = Math.min(o.chunk, o.size - requested);
        offsets.push(requested);
        ask([READ, requested, len]);
        requested += len;
      }
      if (!finished && offsets.length === 0 && written === o.size) ask([DONE, 0, 0]);
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
      hash.update(buf);
      writing = writing.then(async () => {
        if (finished) return;
        let done = 0;
        while (done < buf.byteLength) {
          const { bytesWritten } = await file.write(buf, done, buf.byteLength - done, offset + done);
          done += bytesWritten;
        }
        written += buf.byteLength;
        o.onProgress?.(written);
        more();
      }).catch((e: unknown) => end(e as Error));
    };
    const handle = router.addHandler(onReply, { persist: true, respondent: { id: o.sourceId } });
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    more();
  });
}
