// The children a context started itself: launching them (connection method + bootstrap),
// their streams and processes, asking them to shut down, and killing what outlives the grace
// period. Used by the master's Router and, shipped on demand, by any child that becomes a
// parent (via=, currentRouter().local()).
import type { LifecycleStep } from '../core/lifecycle/bus.js';
import { GRACE_EXPIRED } from '../core/routing/deaths.js';
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { Socket } from 'node:net';
import type { ChildConfig } from '../core/child/child-config.js';
import { StreamError } from '../core/errors.js';
import { NO_REPLY, SHUTDOWN } from '../core/wire/protocol.js';
import type { CoreRouter, LogLevel } from '../core/routing/router.js';
import { Stream } from '../core/links/stream.js';
import { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_MISSES, startHeartbeat } from '../core/links/heartbeat.js';
import type { ConnectionMethod, MethodOptions } from '../core/routing/connection-options.js';
import { defaultContextName, type MethodResolver } from './method-table.js';
import type { CommonOptions } from '../core/routing/connection-options.js';
import { LOCAL_BOOTS_PER_CORE, LaunchGate, killTree, launch, newToken, nodeCommand } from './connection.js';
import { cpus } from 'node:os';
import { SHUTDOWN_REQUESTED, deathReason, type EndSeen } from './death-reason.js';
import { installHandle } from '../core/handles/install.js';
import { lastWordsHandle } from '../core/handles/last-words.js';
import { payloadOrDrop } from '../core/handles/payload.js';
import type { DebugSetting } from '../core/logging/logger.js';

export interface ChildRecord {
  id: number;
  name: string;
  proc: ChildProcess;
  stream: Stream;
  exited: boolean;
  /** Asked to shut down: the end of its stream is expected, not worth a warning. */
  ending?: boolean;
  /** What was seen of its end so far, for its death reason (src/parent/death-reason.ts). */
  end: EndSeen;
}

export interface ChildSetOptions {
  /** The compressed core bundle children are bootstrapped with. */
  payload(): Uint8Array;
  shutdownTimeout: number;
  /** Read at each start: enableDebug() applies to children started afterwards. */
  debug(): DebugSetting;
  unidirectional: boolean;
  profiling?: boolean;
  /** Passed on to children: the timeout of their calls that give none. */
  callTimeout?: number;
  /** Heartbeats on every child's stream (default 5000 ms, 0: off), and intervals missed before it is dead (default 3). */
  heartbeatInterval?: number;
  heartbeatMisses?: number;
  /** Finds a connection method's builder (the master has them all; an intermediate fetches them). */
  resolveMethod: MethodResolver;
}

export interface ChildSetHooks {
  /** A line the child printed on stdout/stderr. */
  onLine(id: number, name: string, source: 'stdout' | 'stderr', line: string): void;
  /** The child is ready and routed. */
  onUp?(record: ChildRecord): void;
}

const DEFAULT_CONNECT_TIMEOUT = 30_000;
/**
 * The longest a local start holds its place in the boot gate: a node boot takes ~0.1 s, over
 * a second on a loaded machine; one waiting on something else (a prompt) must not hold it.
 */
const LOCAL_BOOT_HOLD_MS = 5000;
/**
 * How long the end of a child's stream waits for its process's exit (code, signal), which
 * usually follows within milliseconds: well below the 1 s in which pending calls must settle.
 */
const EXIT_WAIT_MS = 250;

export class ChildSet {
  readonly records = new Map<number, ChildRecord>();
  private readonly connecting = new Set<Promise<unknown>>();
  private readonly stopConnecting = new AbortController();
  private stopping = false;
  private refOn = false;
  /** Local targets boot on this machine: a few at a time (connection.ts, LOCAL_BOOTS_PER_CORE). */
  private readonly localBoots = new LaunchGate(Math.max(4, LOCAL_BOOTS_PER_CORE * cpus().length));

  constructor(
    private readonly router: CoreRouter,
    private readonly opts: ChildSetOptions,
    private readonly hooks: ChildSetHooks,
  ) {
    router.addDeathListener((id, reason) => this.forget(id, reason));
    // A child says why it is about to die: it is dead now, for that reason (its own children,
    // which it shuts down as it goes, die of it). After the frames that came with the words.
    installHandle(router, lastWordsHandle, (msg) => {
      const words = payloadOrDrop(router, lastWordsHandle, msg);
      const record = this.records.get(msg.srcId);
      if (!record || !words) return;
      record.end.lastWords ??= words;
      if (!record.ending && !this.stopping) router.log('warn', `lost context '${record.name}' (#${record.id}): ${words}`);
      setImmediate(() => router.contextDied(record.id, words));
    });
    // One abort listener per connection in flight: many at once is normal here.
    setMaxListeners(0, this.stopConnecting.signal);
  }

  /** Launches a child with `method`, bootstraps it under `id`, and routes it. */
  start<M extends ConnectionMethod>(method: M, options: MethodOptions[M], id: number): Promise<ChildRecord> {
    const p = this.startNow(method, options, id);
    this.connecting.add(p);
    const forget = (): void => void this.connecting.delete(p);
    p.then(forget, forget);
    return p;
  }

  private async startNow<M extends ConnectionMethod>(method: M, options: MethodOptions[M], id: number): Promise<ChildRecord> {
    const build = await Promise.resolve()
      .then(() => this.opts.resolveMethod(method))
      .then((b) => {
        if (!b) throw new TypeError(`unknown connection method '${String(method)}'`);
        if (this.stopping) throw new StreamError('this context is shutting down: no new children');
        return b;
      })
      .catch((e: unknown) => {
        // Its Context may exist already (the master makes it first): it must not stay 'connecting'.
        this.router.contextDied(id, e instanceof Error ? e.message : String(e));
        throw e;
      });
    const common = options as CommonOptions;
    const name = common.name ?? defaultContextName(method, build, options, id);
    const router = this.router;
    router.contextFor(id, name);
    // The child's Logger reads the setting in any form (an empty list is off).
    const debug = common.debug ?? this.opts.debug();
    const config: ChildConfig = {
      id,
      parentIds: [...router.parentIds, router.myId],
      name,
      debug,
      logLevel: debug ? 'debug' : 'info',
      maxMessageSize: router.maxMessageSize,
      shutdownTimeout: this.opts.shutdownTimeout,
      unidirectional: common.unidirectional ?? this.opts.unidirectional,
      profiling: this.opts.profiling ?? false,
      callTimeout: this.opts.callTimeout,
      heartbeatInterval: common.heartbeatInterval ?? this.opts.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL,
      heartbeatMisses: common.heartbeatMisses ?? this.opts.heartbeatMisses ?? DEFAULT_HEARTBEAT_MISSES,
    };
    router.holdOpen();
    try {
      const token = newToken();
      const spec = build({ ...options, name }, { ...nodeCommand(common.nodePath, token), token });
      this.step(id, name, 'STARTED', null);
      // Remote targets (open()) boot elsewhere; a local one holds its place until node runs.
      const booted = spec.open ? (): void => undefined : await this.localBoots.acquire(this.stopConnecting.signal);
      // A target waiting for something else (a password prompt) is not booting: it gives its place up.
      const heldTooLong = setTimeout(booted, LOCAL_BOOT_HOLD_MS);
      const launched = await launch(spec, token, config, common.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT, {
        signal: this.stopConnecting.signal,
        payload: this.opts.payload(),
        onLine: (source, line) => this.hooks.onLine(id, name, source, line),
        onStarted: () => {
          booted();
          this.step(id, name, 'CONNECTED', null);
        },
      }).finally(() => {
        clearTimeout(heldTooLong);
        booted();
      });
      if (launched.leftover.length > 0) launched.fromChild.unshift(launched.leftover);
      const end: EndSeen = { streamReason: '', describeExit: spec.describeExit };
      let exitCame: (() => void) | null = null;
      // The channel ended by itself (EOF, a read or write error: the process is going), as
      // opposed to closed by us for a reason of our own (a corrupt frame, no heartbeat).
      // Registered before the Stream's own listeners, so it is known when the Stream closes.
      let endedByItself = false;
      const ended = (): void => void (endedByItself = true);
      for (const event of ['end', 'error', 'close']) launched.fromChild.once(event, ended);
      launched.toChild.once('error', ended);
      // A pipe (a local child's channel, ssh's stdout) is read by the Stream itself: a big frame
      // lands in its own buffer (bench/big-frame-stages.ts: ~20% less CPU than 'data' events).
      const from = launched.fromChild;
      const input = from instanceof Socket ? { socket: from } : from;
      const stream = new Stream(name, id, input, launched.toChild, router.maxMessageSize, {
        onFrame: (frame, s) => router.route(frame, s),
        // Bounded: a child that does not read gets no more (calls get a ChannelError reply).
        onOverflow: (frame, _s, reason, first) => {
          if (first) router.log('warn', `refusing messages to context '${name}' (#${id}): ${reason}`);
          router.deadReply(frame, reason);
        },
        onClose: (s, reason) => {
          end.streamReason = reason;
          // A socket taken over by the Stream reports its end there.
          if (s.inputEnded) endedByItself = true;
          const settle = (): void => {
            exitCame = null;
            const why = deathReason(end);
            // An unexpected end (the process died, a corrupt frame) is logged with its reason
            // (last words were logged as they came).
            const r = this.records.get(id);
            if (r && !r.ending && !this.stopping && !end.lastWords) router.log('warn', `lost context '${name}' (#${id}): ${why}`);
            router.linkDied(s, why);
          };
          // The exit code or signal says more than the end of the stream, and follows it closely.
          // Not for a child asked to shut down: its reason is known, and calls made meanwhile
          // would read 'no route' for up to EXIT_WAIT_MS (issue 15.8).
          if (!endedByItself || end.asked || end.exit || end.lastWords || !this.records.has(id)) return settle();
          const timer = setTimeout(settle, EXIT_WAIT_MS);
          exitCame = () => {
            clearTimeout(timer);
            settle();
          };
        },
      });
      const record: ChildRecord = { id, name, proc: launched.proc, stream, exited: false, end };
      this.records.set(id, record);
      launched.proc.on('exit', (code, signal) => {
        record.exited = true;
        end.exit = { code, signal };
        if (exitCame) exitCame();
        else stream.close(`process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      });
      router.addRoute(id, stream);
      // A silent child is frozen or unreachable: once its stream is closed, nothing waits for it.
      startHeartbeat(stream, router.myId, config.heartbeatInterval!, config.heartbeatMisses!, () => {
        end.silenced = true;
        killTree(record.proc);
      });
      this.applyRef(record);
      this.hooks.onUp?.(record);
      this.step(id, name, 'BOOTSTRAPPED', null);
      if (this.stopping) this.askToShutDown(record);
      return record;
    } catch (e) {
      router.contextDied(id, e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      router.release();
    }
  }

  /** A child died (or something behind it): close its stream, make sure the process goes. */
  private forget(id: number, reason: string): void {
    const record = this.records.get(id);
    if (!record) return;
    this.records.delete(id);
    record.stream.close(reason);
    if (!record.exited) {
      // It exits by itself on EOF; make sure of it after the grace period.
      const t = setTimeout(() => record.exited || killTree(record.proc), this.opts.shutdownTimeout);
      t.unref();
    }
  }

  /** Kills a child at once. */
  disconnect(id: number, reason: string): void {
    const record = this.records.get(id);
    if (!record) return;
    killTree(record.proc);
    this.router.contextDied(id, reason);
  }

  /**
   * Each step of a child's lifecycle goes on the router's bus (core/lifecycle/bus.ts): the
   * master's actors, a child's lifecycles, its dispatcher and the ancestors all hear it there.
   */
  private step(id: number, name: string, event: LifecycleStep['event'], reason: string | null): void {
    this.router.lifecycle.emit({ id, name, parentId: this.router.myId, event, reason, from: null });
  }

  /**
   * `cascade`: this context is going down for that reason and takes its children with it
   * (`parent context 'x' died: ...`); absent, the shutdown was requested.
   */
  askToShutDown(record: ChildRecord, cascade?: string): void {
    record.ending = true;
    record.end.asked = true;
    record.end.cascade ??= cascade;
    this.step(record.id, record.name, 'DRAINING', cascade ?? SHUTDOWN_REQUESTED);
    try {
      this.router.sendData(record.id, SHUTDOWN, new Uint8Array(0), NO_REPLY);
    } catch {
      // the stream is already gone
    }
  }

  /** Resolves when the child is dead and its process gone; kills it if the grace period passes first. */
  forceAfterGrace(record: ChildRecord): Promise<void> {
    const router = this.router;
    router.holdOpen();
    const timer = setTimeout(() => {
      if (!record.exited) killTree(record.proc);
      router.contextDied(record.id, `${GRACE_EXPIRED}: killed`);
    }, this.opts.shutdownTimeout);
    const exited = new Promise<void>((resolve) => {
      if (record.exited) resolve();
      else record.proc.once('exit', () => resolve());
    });
    return Promise.all([router.contextFor(record.id).whenDead(), exited]).then(() => {
      clearTimeout(timer);
      router.release();
    });
  }

  /** Asks every child to shut down, aborts connections in flight, kills what outlives the grace. */
  async shutdownAll(cascade?: string): Promise<void> {
    this.stopping = true;
    for (const r of this.records.values()) this.askToShutDown(r, cascade);
    this.stopConnecting.abort();
    await Promise.allSettled([...this.connecting]);
    await Promise.all([...this.records.values()].map((r) => this.forceAfterGrace(r)));
  }

  /** Whether children keep this process alive (the master: only while something is pending). */
  setRef(on: boolean): void {
    this.refOn = on;
    for (const r of this.records.values()) this.applyRef(r);
  }

  private applyRef(r: ChildRecord): void {
    const on = this.refOn;
    r.stream.setRef(on);
    for (const s of [r.proc, r.proc.stdout, r.proc.stderr] as ({ ref?(): void; unref?(): void } | null)[]) {
      if (on) s?.ref?.();
      else s?.unref?.();
    }
  }

  pids(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [id, r] of this.records) if (r.proc.pid !== undefined) out.set(id, r.proc.pid);
    return out;
  }
}

export type { LogLevel };
