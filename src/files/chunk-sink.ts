// The receiving side of a pull (chunk-protocol.ts), in the target: keeps at most `window`
// chunk requests in flight, hashes each chunk as it arrives (in order: the source answers in
// order on one route) and writes it at its offset (chunk-writer.ts: the pool writes while this
// thread hashes the next), and at the end checks size and sha256 against what the source says
// it served. Memory: window * chunk, whatever the size: chunks asked for, arrived, and being
// written all count against the window.
import type { FileHandle } from 'node:fs/promises';
import type { CoreRouter } from '../core/routing/router.js';
import type { Message } from '../core/messaging/message.js';
import { DONE, READ, codedError, isFailure, type ChunkRequest, type Served } from './chunk-protocol.js';
import { ChunkWriter } from './chunk-writer.js';
import { recycleFrame } from '../core/wire/frame-pool.js';

/**
 * The pull failed because its source's context died (or its route did): the death fails the
 * source's own call in the same sweep (routing/handler-table.ts takeAwaiting), whose
 * ChannelError says more, and which a getter may wait for without a timer.
 */
export class SourceGone extends Error {
  override name = 'SourceGone';
  readonly code = 'ECONNRESET';
}

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
    // A chunk hashed and written is nobody's: its frame's buffer takes a later frame (on the
    // thread whose parser assembled it; elsewhere recycleFrame ignores it). Not once the pull
    // ended (a failure with writes still running): nothing would take them soon.
    const onFree = (buf: Uint8Array): void => {
      if (!finished) recycleFrame(buf);
    };
    const writer = new ChunkWriter(file, { onWritten: (bytes) => o.onProgress?.(bytes), onWriteEnd: () => written(), onFree });
    const offsets: number[] = [];
    let requested = 0;
    // Chunks arrived and not yet hashed: they count against the window with those asked for and
    // those being written, so a disk slower than the link holds the sender back instead of
    // piling chunks up here.
    const queue: { buf: Uint8Array; offset: number }[] = [];
    let turn: NodeJS.Immediate | null = null;
    let finished = false;
    let doneAsked = false;
    const end = (err: Error | null, v?: Served): void => {
      if (finished) return;
      finished = true;
      queue.length = 0;
      if (turn !== null) clearImmediate(turn);
      router.delHandler(handle);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(v!);
    };
    const onAbort = (): void => end(codedError('ECANCELED', `transfer cancelled: ${String(o.signal?.reason ?? 'aborted')}`));
    const ask = (req: ChunkRequest): void => router.sendValue(o.sourceId, o.sourceHandle, req, handle);
    const held = (): number => offsets.length + queue.length + writer.inFlight;
    const more = (): void => {
      while (!finished && requested < o.size && held() < o.window) {
        const len = Math.min(o.chunk, o.size - requested);
        offsets.push(requested);
        ask([READ, requested, len, writer.written]);
        requested += len;
      }
      if (!finished && !doneAsked && requested === o.size && held() === 0) {
        doneAsked = true;
        ask([DONE, 0, 0]);
      }
    };
    // One chunk hashed per turn of the event loop, in order, not every chunk of a batch as it
    // arrives: a call arriving during a transfer waits for one chunk's hash at most.
    const step = (): void => {
      turn = null;
      if (finished) return;
      if (writer.error) return end(writer.error);
      if (queue.length === 0 || !writer.hasRoom) return;
      const { buf, offset } = queue.shift()!;
      writer.write(buf, offset);
      schedule();
    };
    const schedule = (): void => {
      if (turn === null && !finished && queue.length > 0 && writer.hasRoom) turn = setImmediate(step);
    };
    // A write ended: room for the next chunk, and for another request.
    const written = (): void => {
      if (finished) return;
      if (writer.error) return end(writer.error);
      more();
      schedule();
    };
    const onReply = (msg: Message): void => {
      if (finished) return;
      if (msg.isDead) return end(new SourceGone(`the source of the transfer went away: ${msg.deadReason}`));
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
        const sha256 = writer.digest();
        const got = writer.written;
        if (served.bytes !== got || served.sha256 !== sha256) {
          return end(codedError('EINTEGRITY', `verification failed: received ${got} bytes sha256 ${sha256}, the source sent ${served.bytes} bytes sha256 ${served.sha256}`));
        }
        return end(null, { bytes: got, sha256 });
      }
      const offset = offsets.shift()!;
      const buf = v instanceof Uint8Array ? v : null;
      if (buf === null || buf.byteLength !== Math.min(o.chunk, o.size - offset)) {
        return end(codedError('EPROTO', `bad chunk at offset ${offset}`));
      }
      queue.push({ buf, offset });
      schedule();
    };
    const handle = router.addHandler(onReply, { persist: true, respondent: { id: o.sourceId } });
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    more();
  });
}
