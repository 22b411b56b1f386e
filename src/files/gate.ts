// How far a file being received has been written, for serving it onwards while it arrives
// (a push's intermediate forwards chunks as they come, instead of after the whole file): reads
// wait until their bytes are there; the end waits for the file's own verification.
import { codedError } from './chunk-protocol.js';

export class Gate {
  private available = 0;
  private failure: Error | null = null;
  private waiters: { upTo: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private settle!: [() => void, (e: Error) => void];
  /** Resolves once the file is complete and verified; rejects when receiving it failed. */
  readonly done: Promise<void> = new Promise<void>((resolve, reject) => (this.settle = [resolve, reject]));

  constructor() {
    // Nobody may be waiting for the end when it fails.
    this.done.catch(() => undefined);
  }

  /** `bytes` from the start are written. */
  advance(bytes: number): void {
    this.available = bytes;
    this.waiters = this.waiters.filter((w) => (w.upTo <= bytes ? (w.resolve(), false) : true));
  }

  finish(): void {
    this.settle[0]();
  }

  fail(e: unknown): void {
    const err = e instanceof Error ? e : codedError('EIO', String(e));
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.settle[1](err);
  }

  /** Resolves once the first `upTo` bytes are written. */
  wait(upTo: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (upTo <= this.available) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
  }
}
