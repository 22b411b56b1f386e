// The dispatcher: runs user functions on a worker thread of a child, so the broker (main
// thread) keeps routing and can always shut the process down, whatever user code does.
import { isThenable } from '../calls/thenable.js';
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { CallTuple } from '../calls/call-message.js';
import type { ChildConfig } from './child-config.js';
import { runInCall, setProcessRouter } from '../calls/current.js';
import { RunningCall, RunningCalls, cancelReason } from '../calls/running-call.js';
import { setDefaultCallTimeout } from '../calls/call-options.js';
import { CallError } from '../errors.js';
import type { Message } from '../messaging/message.js';
import { ModuleFetcher } from '../modules/module-fetch.js';
import { loadModule, loadedModule, provideModule, setModuleRegistry } from '../modules/module-loader.js';
import { installStreamProducer } from '../calls/stream-producer.js';
import * as shellRunner from '../calls/shell-runner.js';
import { ModuleRegistry } from '../modules/module-registry.js';
import { installStackMapper } from '../modules/stack-mapper.js';
import { synchronousStdio } from './sync-stdio.js';
import { describeUncaught, writeLastWords } from './last-words.js';
import { FIRST_DISPATCHER_HANDLE, LAST_HANDLE, NO_REPLY, frameHandle } from '../wire/protocol.js';
import { onDispatcherThread } from '../handles/threads.js';
import { installHandle } from '../handles/install.js';
import { MalformedPayload, payloadOrDrop, readPayload } from '../handles/payload.js';
import { callFunctionHandle } from '../handles/call-function.js';
import { callServiceHandle } from '../handles/call-service.js';
import { hasParentAuthority } from '../routing/policies.js';
import { forgetChainHandle } from '../handles/forget-chain.js';
import { cancelHandle } from '../handles/cancel.js';
import { CoreRouter } from '../routing/router.js';
import { Logger } from '../logging/logger.js';
import { forwardSink } from '../logging/forward-sink.js';
import { PortLink } from '../links/port-link.js';
import { prefault, type PrefaultRequest } from '../links/prefault.js';
import { DirectParentLink } from './direct-parent-link.js';
import { ContextLifecycles } from '../lifecycle/context-lifecycles.js';
import { listenToBroker } from '../lifecycle/notices.js';

/** What the broker hands the dispatcher thread. */
export interface DispatcherData {
  tendrilConfig: ChildConfig;
  /** Module requests go to the broker on this port; replies wake us through moduleSignal. */
  modulePort: MessagePort;
  moduleSignal: Int32Array;
  /** Where this thread writes why it dies of an uncaught error (src/core/child/last-words.ts). */
  lastWords?: SharedArrayBuffer;
  /** The channel to the parent, shared with the broker (src/core/links/channel-lock.ts): its fd and lock. */
  channel?: { fd: number; lock: SharedArrayBuffer };
}

export function runDispatcher(data: DispatcherData): void {
  // This thread runs as an eval worker, whose script globals would be visible to served ES
  // modules (code testing `typeof require` would think it is CommonJS): remove them. The
  // runtime keeps its own reference to require.
  for (const name of ['require', 'module', 'exports', '__filename', '__dirname']) {
    delete (globalThis as Record<string, unknown>)[name];
  }
  synchronousStdio();
  const config = data.tendrilConfig;
  const registry = new ModuleRegistry(new ModuleFetcher(data.modulePort, data.moduleSignal));
  setModuleRegistry(registry);
  installStackMapper((id) => registry.sourceOf(id));
  // Runs before the thread dies of it (the default handling stays): the broker reads the words.
  // User code that handles uncaught exceptions itself keeps the thread alive: no words then.
  const slot = data.lastWords;
  if (slot) {
    process.on('uncaughtExceptionMonitor', (e, origin) => {
      if (process.listenerCount('uncaughtException') === 0) writeLastWords(slot, describeUncaught(e, origin));
    });
  }
  const port = parentPort;
  if (!port) throw new Error('the dispatcher must run on a worker thread');
  const router = new CoreRouter({
    id: config.id,
    name: config.name,
    parentIds: config.parentIds,
    maxMessageSize: config.maxMessageSize,
    handleRange: [FIRST_DISPATCHER_HANDLE, LAST_HANDLE],
  });
  router.logger = new Logger(config.id, config.name, forwardSink(router), config.debug, config.logLevel === 'debug' ? 'info' : config.logLevel);
  setProcessRouter(router);
  setDefaultCallTimeout(router, config.callTimeout);
  // Everything not for this context goes to the broker, which knows the routes.
  const toBroker = new PortLink('broker', config.id, port, (frame) => router.route(frame, null));
  port.on('message', (m: Partial<PrefaultRequest> | null) => m?.prefault instanceof SharedArrayBuffer && prefault(m.prefault));
  // Answers for an ancestor go straight to the channel when they may (direct-parent-link.ts).
  const link = data.channel ? new DirectParentLink(toBroker, data.channel.fd, data.channel.lock, (v, t) => port.postMessage(v, t), config.parentIds) : toBroker;
  // The broker tells this thread every lifecycle step and death it learns.
  new ContextLifecycles(router, config.shutdownTimeout, false);
  listenToBroker(router);
  router.parent = link;
  // Handles of this context the table gives the broker go back to it (CREATE_CHILD...).
  router.localTap = (frame) => {
    if (onDispatcherThread(frameHandle(frame))) return false;
    link.send(frame);
    return true;
  };
  const self = { id: config.id, name: config.name };

  /** Failures recorded per pipelined chain, and the tail of each chain's queue. */
  const chainErrors = new Map<string, CallError>();
  const chainTails = new Map<string, Promise<void>>();
  /** Calls a CANCEL or the caller's death can reach (currentCall().signal). */
  const running = new RunningCalls();
  router.addDeathListener((id, reason) => running.callerDied(router, id, reason));

  /** The callee's record of a call; one its caller may cancel is findable from arrival on. */
  const begin = (msg: Message, call: CallTuple): RunningCall => {
    const caller = router.contextFor(msg.srcId);
    if (call.length === 4) return new RunningCall(router, caller, null, running, call[1], call[2]);
    const limit = call[4];
    const rc = new RunningCall(router, caller, limit === null ? null : Date.now() + limit, running, call[1], call[2]);
    running.watch(rc, msg.replyTo);
    return rc;
  };

  const failChain = (chainId: string, reason: Error): void => {
    if (!chainErrors.has(chainId)) chainErrors.set(chainId, CallError.fromThrown(reason, self));
  };

  /** The caller gave up on a call: no reply (it would be dropped); a pipelined chain fails. */
  const abandoned = (msg: Message, call: CallTuple, reason: Error): void => {
    if (call[0] !== null) failChain(call[0], reason);
    if (router.logger.debugEnabled('calls')) {
      router.log('debug', `no reply to ${call[1]}#${call[2]} from context ${msg.srcId}: ${reason.message}`, 'calls');
    }
  };

  const reply = (msg: Message, value: unknown): void => {
    if (msg.replyTo === NO_REPLY) return;
    try {
      router.sendValue(msg.srcId, msg.replyTo, value, undefined, 'result');
    } catch (e) {
      // An unencodable or oversized result still answers the caller.
      router.sendValue(msg.srcId, msg.replyTo, CallError.fromThrown(e, self));
    }
  };

  /** A call ran: its reply (or the chain's failure), unless its caller gave up meanwhile. */
  const finish = (msg: Message, call: CallTuple, rc: RunningCall, started: number, value: unknown, failed: boolean): void => {
    const chainId = call[0];
    rc.finish();
    const gone = rc.gaveUpReason();
    if (gone !== null) return abandoned(msg, call, gone);
    let outcome = 'ok';
    if (failed) {
      const err = CallError.fromThrown(value, self);
      outcome = err.remoteType;
      if (chainId !== null) chainErrors.set(chainId, err);
      value = err;
    }
    reply(msg, value);
    if (config.profiling) {
      // One record per call, through the usual log path (RouterOptions.profiling).
      router.log('info', `profile ${call[1]}#${call[2]} ${(performance.now() - started).toFixed(3)} ms ${outcome}`, 'calls');
    }
  };

  /**
   * Runs one call. A call into a module already loaded whose function returns a plain value
   * runs and replies synchronously (no promise hops on the common path); anything else
   * continues asynchronously. Resolves when the reply is sent (pipelined chains wait on it).
   */
  const execute = (msg: Message, call: CallTuple, rc: RunningCall): Promise<void> | undefined => {
    // Index reads, not array destructuring (the iterator protocol, on every call).
    const chainId = call[0];
    const spec = call[1];
    const fnPath = call[2];
    const args = call[3];
    const gaveUp = rc.gaveUpReason();
    if (gaveUp !== null) {
      // Cancelled while it waited for its turn in a chain: it never runs.
      rc.finish();
      abandoned(msg, call, gaveUp);
      return undefined;
    }
    const previous = chainId === null ? undefined : chainErrors.get(chainId);
    if (previous !== undefined) {
      rc.finish();
      reply(msg, previous);
      return undefined;
    }
    const started = config.profiling ? performance.now() : 0;
    let result: unknown;
    try {
      const mod = loadedModule(spec);
      result = runInCall(rc, () => {
        if (mod === undefined) return loadModule(spec).then((m) => invoke(m, spec, fnPath, args));
        return invoke(mod, spec, fnPath, args);
      });
    } catch (e) {
      finish(msg, call, rc, started, e, true);
      return undefined;
    }
    if (!isThenable(result)) {
      finish(msg, call, rc, started, result, false);
      return undefined;
    }
    return Promise.resolve(result).then(
      (v) => finish(msg, call, rc, started, v, false),
      (e: unknown) => finish(msg, call, rc, started, e, true),
    );
  };

  /** CALL_FUNCTION and CALL_SERVICE: the same call tuple, run the same way. */
  const onCall = (handle: typeof callFunctionHandle, service: boolean) => (msg: Message): void => {
    let call: CallTuple;
    try {
      call = readPayload(handle, msg.data, router.decodeHooks);
    } catch (e) {
      // A wrong shape is the sender's fault: no stack of ours to show.
      reply(msg, e instanceof MalformedPayload ? new CallError('TypeError', e.message, '', self) : CallError.fromThrown(e, self));
      return;
    }
    const chainId = call[0];
    const rc = begin(msg, call);
    // CALL_SERVICE admits anyone: the service's entry reads this for its 'parent' policy.
    if (service) rc.parentAuthority = hasParentAuthority(msg);
    if (chainId === null) {
      void execute(msg, call, rc);
      return;
    }
    // Calls of one chain run in order, each after the previous settled. One its caller gives
    // up on fails the chain at once, and the next call's turn comes (even if it never ends).
    let givenUp: Promise<void> | null = null;
    if (call.length === 5) givenUp = new Promise((resolve) => rc.onGiveUp((reason) => resolve(failChain(chainId, reason))));
    const turn = (): Promise<void> | undefined => {
      const ran = execute(msg, call, rc);
      return ran === undefined || givenUp === null ? ran : Promise.race([ran, givenUp]);
    };
    const tail = (chainTails.get(chainId) ?? Promise.resolve()).then(turn);
    chainTails.set(chainId, tail);
    void tail.then(() => {
      if (chainTails.get(chainId) === tail) chainTails.delete(chainId);
    });
  };
  installHandle(router, callFunctionHandle, onCall(callFunctionHandle, false));
  installHandle(router, callServiceHandle, onCall(callServiceHandle, true));

  installHandle(router, forgetChainHandle, (msg) => {
    const id = payloadOrDrop(router, forgetChainHandle, msg);
    if (id !== undefined) chainErrors.delete(id);
  });

  installHandle(router, cancelHandle, (msg) => {
    const v = payloadOrDrop(router, cancelHandle, msg);
    // A call that already finished: nothing to do (its reply crossed the CANCEL).
    if (v !== undefined) running.cancel(msg.srcId, v[0], cancelReason(v[1], v[2]));
  });

  // Streams (STREAM_CALL) and the built-in shell module behind ctx.exec()/spawn().
  installStreamProducer(router, running, invoke);
  provideModule(shellRunner.SHELL_MODULE, shellRunner);
}

type AnyFn = (...args: unknown[]) => unknown;


function invoke(mod: unknown, spec: string, fnPath: string, args: unknown[]): unknown {
  // The common case, a top-level function: no split path, no holder object per call.
  if (fnPath.indexOf('.') < 0 && mod !== null && (typeof mod === 'object' || typeof mod === 'function')) {
    const fn = (mod as Record<string, unknown>)[fnPath];
    if (typeof fn === 'function') return (fn as AnyFn).apply(undefined, args);
  }
  const { fn, thisArg } = resolveFunction(mod, spec, fnPath);
  return fn.apply(thisArg, args);
}

/** Finds `a.b.c` in a module namespace; the function is called with its holder as `this`. */
function resolveFunction(mod: unknown, spec: string, path: string): { fn: AnyFn; thisArg: unknown } {
  let holder: unknown = undefined;
  let value: unknown = mod;
  for (const part of path.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      value = undefined;
      break;
    }
    holder = value;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value !== 'function') {
    throw new TypeError(`${spec} has no function '${path}' (found ${value === undefined ? 'nothing' : typeof value})`);
  }
  return { fn: value as AnyFn, thisArg: holder === mod ? undefined : holder };
}
