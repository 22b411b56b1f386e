// The serving side of a pull (chunk-protocol.ts): one handler on a router answering chunk
// requests for one open file, for the contexts it allows. Used by the master (put, push) and
// by intermediates of a push (re-serving the copy they received). Reads run one at a time, in
// arrival order, so that each requester is hashed in order and memory stays one chunk deep.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { CoreRouter } from '../core/routing/router.js';
import type { Message } from '../core/messaging/message.js';
import { DONE, READ, type Failure, type Served } from './chunk-protocol.js';
import type { Gate } from './gate.js';

interface Reader {
  next: number;
  hash: Hash;
}

export interface ChunkSourceOptions {
  /** Whether this context may read (the targets of the transfer). */
  allows(contextId: number): boolean;
  /** Bytes served so far to a context (for progress). */
  onServed?(contextId: number, bytes: number): void;
  /** A file still arriving: reads wait for their bytes, the end for its verification. */
  gate?: Gate;
}

export class ChunkSource {
  readonly handle: number;
  private readonly readers = new Map<number, Reader>();
  private chain: Promise<void> = Promise.resolve();
  private failure: Failure | null = null;
  /** Bytes served, to every requester together (what crossed this side's links). */
  served = 0;

  constructor(
    private readonly router: CoreRouter,
    private readonly file: FileHandle,
    private readonly size: number,
    private readonly opts: ChunkSourceOptions,
  ) {
    this.handle = router.addHandler((msg) => this.onRequest(msg), { persist: true });
  }

  /** From now on every request is answered with this failure (cancel, shutdown). */
  fail(code: string, message: string): void {
    this.failure ??= { e: code, m: message };
  }

  close(): void {
    this.router.delHandler(this.handle);
  }

  private onRequest(msg: Message): void {
    if (msg.isDead) return;
    const src = msg.srcId;
    const replyTo = msg.replyTo;
    let req: unknown;
    try {
      req = msg.decode();
    } catch {
      return;
    }
    this.chain = this.chain.then(() => this.answer(src, req)).then(
      (v) => this.reply(src, replyTo, v),
      (e: unknown) => this.reply(src, replyTo, { e: String((e as { code?: unknown }).code ?? 'EIO'), m: String((e as Error).message ?? e) }),
    );
  }

  private reply(dst: number, replyTo: number, value: unknown): void {
    try {
      this.router.sendValue(dst, replyTo, value);
    } catch {
      // The requester is gone (its route died): nothing waits for this.
    }
  }

  private async answer(src: number, req: unknown): Promise<unknown> {
    if (this.failure) return this.failure;
    if (!this.opts.allows(src)) return { e: 'EACCES', m: `context #${src} may not read this transfer` };
    if (!Array.isArray(req) || req.length !== 3 || !req.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      return { e: 'EPROTO', m: 'malformed chunk request' };
    }
    const [kind, offset, length] = req as [number, number, number];
    let reader = this.readers.get(src);
    if (reader === undefined) {
      reader = { next: 0, hash: createHash('sha256') };
      this.readers.set(src, reader);
    }
    if (kind === DONE) {
      if (this.opts.gate) await this.opts.gate.done;
      const done: Served = { bytes: reader.next, sha256: reader.hash.digest('hex') };
      this.readers.delete(src);
      return done;
    }
    if (kind !== READ || offset !== reader.next || length > 16 * 1024 * 1024) {
      return { e: 'EPROTO', m: `chunk request out of order (offset ${offset}, expected ${reader.next})` };
    }
    const want = Math.min(length, this.size - offset);
    if (this.opts.gate) await this.opts.gate.wait(offset + want);
    const buf = Buffer.allocUnsafe(Math.max(want, 0));
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.file.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== want) return { e: 'ESTALE', m: `source file shrank while being sent (read ${offset + got} of ${this.size} bytes)` };
    reader.hash.update(buf);
    reader.next += got;
    this.served += got;
    this.opts.onServed?.(src, reader.next);
    return buf;
  }
}
