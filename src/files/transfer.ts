// The master's Transfer (core/calls/files-hook.ts): a promise of the result, progress as an
// observable that replays the latest value, and cancel() aborting the work.
import { Observable, ReplaySubject } from 'rxjs';
import type { Transfer, TransferProgress, TransferResult } from '../core/calls/files-hook.js';

/** What the work of a transfer gets: its signal, and how to report progress. */
export interface TransferControl {
  readonly signal: AbortSignal;
  progress(bytes: number, total: number): void;
}

export class FileTransfer implements Transfer {
  private readonly subject = new ReplaySubject<TransferProgress>(1);
  private readonly abort = new AbortController();
  private readonly result: Promise<TransferResult>;
  private last = -1;

  constructor(work: (control: TransferControl) => Promise<TransferResult>) {
    const control: TransferControl = {
      signal: this.abort.signal,
      progress: (bytes, total) => {
        if (bytes === this.last) return;
        this.last = bytes;
        this.subject.next({ bytes, total });
      },
    };
    // Started on the next tick, so that a caller subscribing to progress$ at once sees it all.
    this.result = Promise.resolve().then(() => work(control));
    this.result.then(
      (r) => {
        control.progress(r.bytes, r.bytes);
        this.subject.complete();
      },
      // The failure is the promise's: progress$ just ends (a subscriber that only wants
      // progress must not get an unhandled error).
      () => this.subject.complete(),
    );
  }

  get progress$(): Observable<TransferProgress> {
    return this.subject.asObservable();
  }

  cancel(reason?: unknown): void {
    this.abort.abort(reason ?? new Error('transfer cancelled'));
  }

  then<A = TransferResult, B = never>(
    onfulfilled?: ((value: TransferResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }

  catch<T = never>(onrejected: (reason: unknown) => T | PromiseLike<T>): Promise<TransferResult | T> {
    return this.result.catch(onrejected);
  }

  finally(onfinally: () => void): Promise<TransferResult> {
    return this.result.finally(onfinally);
  }
}
