// The running side of a stream (src/core/calls/stream-producer.ts installs STREAM_CALL):
// runs the called function, pulls its iterable only while it has credit, sends the values in
// batches, and ends the iterable (its `finally` runs) when the consumer stops, gives up or
// dies. Not in the child payload: the on-demand extras bundle brings it (scripts/build.mjs).
// Hot path: per value one `await it.next()` and a push; a promise only when credit runs out,
// one frame and one setImmediate per batch. No observables, no machines.
import { isThenable } from './thenable.js';
import { CallError, ChannelError } from '../errors.js';
import type { StreamCallTuple } from '../handles/stream-call.js';
import { SENDER_CLOSED, type Message } from '../messaging/message.js';
import { loadModule, loadedModule } from '../modules/module-loader.js';
import type { CoreRouter } from '../routing/router.js';
import { decode } from '../wire/codec.js';
import { runInCall } from './current.js';
import { RunningCall, type RunningCalls } from './running-call.js';
import type { Invoke } from './stream-producer.js';

/** Values per frame at most; a large binary or string goes out at once. */
const MAX_BATCH = 512;
const LARGE = 64 * 1024;

export class StreamProducer {
  private readonly consumerId: number;
  private readonly target: number;
  private credit: number;
  private readonly batch: unknown[] = [];
  /** The handle credits come to (and dead replies, if the consumer's handler is gone). */
  private control = 0;
  private it: AsyncIterator<unknown> | Iterator<unknown> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private flushScheduled = false;
  private readonly rc: RunningCall;

  constructor(
    private readonly router: CoreRouter,
    private readonly running: RunningCalls,
    msg: Message,
    private readonly call: StreamCallTuple,
    private readonly invoke: Invoke,
    private readonly self: { id: number; name: string },
  ) {
    this.consumerId = msg.srcId;
    this.target = msg.replyTo;
    this.credit = call[3];
    const limit = call[4];
    this.rc = new RunningCall(router, router.contextFor(msg.srcId), limit === null ? null : Date.now() + limit, running, call[0], call[1]);
  }

  start(): void {
    const rc = this.rc;
    this.running.watch(rc, this.target);
    this.control = this.router.addHandler((m) => this.onControl(m), { respondent: rc.caller });
    // CANCEL, the caller's death and the deadline all abort the call's signal.
    const signal = rc.signal;
    if (signal.aborted) return this.stop();
    signal.addEventListener('abort', () => this.stop(), { once: true });
    runInCall(rc, () => this.run()).catch((e: unknown) => this.fail(e));
  }

  private async run(): Promise<void> {
    const [spec, fnPath, args] = this.call;
    const mod = loadedModule(spec) ?? (await loadModule(spec));
    let source = this.invoke(mod, spec, fnPath, args);
    if (isThenable(source)) source = await source;
    const it = iteratorOf(source, spec, fnPath);
    this.it = it;
    if (this.stopped) return void this.endIterator();
    for (;;) {
      if (this.credit <= 0) {
        this.flush();
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        if (this.stopped) return;
        continue;
      }
      const r = await it.next();
      if (this.stopped) return;
      if (r.done) break;
      this.credit--;
      const v = r.value;
      this.batch.push(v);
      if (this.batch.length >= MAX_BATCH || isLarge(v)) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushSoon);
      }
    }
    this.flush();
    if (this.stopped) return;
    this.finish();
    const r = this.router;
    r.route(r.buildDeadFrame(this.consumerId, r.myId, this.target, SENDER_CLOSED), null);
  }

  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    try {
      this.flush();
    } catch (e) {
      // A value that cannot travel: outside run(), an uncaught throw would kill the child.
      this.fail(e);
    }
  };

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0 || this.stopped) return;
    this.router.sendValue(this.consumerId, this.target, batch, this.control, 'stream value');
    batch.length = 0;
  }

  /** Credits from the consumer; a dead message: its handler is gone or it died. */
  private onControl(m: Message): void {
    if (m.isDead) return this.fail(new ChannelError(`the consumer of ${this.call[0]}#${this.call[1]} is gone: ${m.deadReason}`));
    const n = decode(m.data);
    if (typeof n !== 'number' || !(n > 0)) return;
    this.credit += n;
    this.wake?.();
  }

  /** The producer failed (or the consumer cannot be reached): tell the consumer, end the iterable. */
  private fail(e: unknown): void {
    if (this.stopped) return;
    try {
      this.flush(); // what was yielded before the throw still arrives
    } catch {
      this.batch.length = 0;
    }
    try {
      this.router.sendValue(this.consumerId, this.target, CallError.fromThrown(e, this.self));
    } catch {
      // The consumer is unreachable: nobody to tell.
    }
    this.stop();
  }

  /** The consumer stopped (CANCEL, break, death): send nothing more, end the iterable. */
  private stop(): void {
    if (this.stopped) return;
    this.finish();
    this.wake?.();
    this.endIterator();
  }

  private finish(): void {
    this.stopped = true;
    this.router.delHandler(this.control);
    this.rc.finish();
  }

  private endIterator(): void {
    const it = this.it;
    if (it === null || typeof it.return !== 'function') return;
    try {
      const done = it.return();
      if (isThenable(done)) done.then(undefined, (e: unknown) => this.logEnd(e));
    } catch (e) {
      this.logEnd(e);
    }
  }

  private logEnd(e: unknown): void {
    this.router.log('debug', `ending ${this.call[0]}#${this.call[1]}'s iterable threw: ${(e as Error)?.message ?? e}`, 'calls');
  }
}


function isLarge(v: unknown): boolean {
  return typeof v === 'string' ? v.length >= LARGE : v instanceof Uint8Array && v.byteLength >= LARGE;
}

/** The iterator of an async iterable (an async generator, a Readable) or a sync one (not a string). */
function iteratorOf(source: unknown, spec: string, fn: string): AsyncIterator<unknown> | Iterator<unknown> {
  if (source !== null && typeof source === 'object') {
    const asyncIt = (source as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
    if (typeof asyncIt === 'function') return asyncIt.call(source) as AsyncIterator<unknown>;
    const syncIt = (source as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof syncIt === 'function') return syncIt.call(source) as Iterator<unknown>;
  }
  const what = source === null ? 'null' : typeof source === 'object' ? (source.constructor?.name ?? 'object') : typeof source;
  throw new TypeError(`${spec}#${fn} returned ${what}, not an async iterable: ctx.stream() needs a function returning one (an async generator, a Readable)`);
}
