// The broker: a child's main thread. It owns the stream to the parent, routes, and starts the
// dispatcher thread that runs user code. It never runs user code itself, so it can always
// route and always shut the process down.
import { Socket } from 'node:net';
import { ReadStream, WriteStream, isatty } from 'node:tty';
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { Script } from 'node:vm';
import type { ChildConfig } from './child-config.js';
import { setProcessRouter } from '../calls/current.js';
import { killDescendants } from './descendants.js';
import { forwardFifoPrints } from './fifo-prints.js';
import { CallError } from '../errors.js';
import { loadParentSide, type ParentSide } from './parent-side-loader.js';
import { installRouteControl } from '../routing/route-control.js';
import { parentDiedReason } from '../../../machines/reasons.js';
import { ContextLifecycles } from '../lifecycle/context-lifecycles.js';
import { installLifecycleNotices, reportDraining, tellDispatcher } from '../lifecycle/notices.js';
import { ModuleCache } from '../modules/module-cache.js';
import { startModuleForwarder } from '../modules/module-forwarder.js';
import { frameHandle } from '../wire/protocol.js';
import { onDispatcherThread } from '../handles/threads.js';
import { installHandle } from '../handles/install.js';
import { shutdownHandle } from '../handles/shutdown.js';
import { createChildHandle } from '../handles/create-child.js';
import { lastWordsHandle } from '../handles/last-words.js';
import { describeUncaught, lastWordsSlot, readLastWords } from './last-words.js';
import { PortLink } from '../links/port-link.js';
import { PREFAULT_MIN, sharedFrameBuffer } from '../links/prefault.js';
import { takeFrame } from '../wire/frame-pool.js';
import { CoreRouter } from '../routing/router.js';
import { Logger } from '../logging/logger.js';
import { forwardSink } from '../logging/forward-sink.js';
import { Stream } from '../links/stream.js';
import { BrokerChannelLock, channelLockSlot } from '../links/channel-lock.js';
import { SharedChannelStream, SharedOutput } from './shared-output.js';
import { DEFAULT_HEARTBEAT_MISSES, startHeartbeat } from '../links/heartbeat.js';

/** The reason of a shutdown the parent asked for (any other takes our children down as a death). */
const ASKED_BY_PARENT = 'asked to by the parent';

/** fds of the channel: the parent writes to 3 and reads from 4 (1 and 2 carry logs). */
const CHANNEL_IN = 3;
const CHANNEL_OUT = 4;

export function runBroker(
  config: ChildConfig,
  coreSource: string,
  payload: Uint8Array,
  /** The dispatcher thread the first stage started, waiting for its code. */
  worker: Worker,
  coreScript: Script | null = null,
): void {
  process.title = `tendril:${config.name}`;
  const router = new CoreRouter({
    id: config.id,
    name: config.name,
    parentIds: config.parentIds,
    maxMessageSize: config.maxMessageSize,
    unidirectional: config.unidirectional,
  });
  // Records go to the master whole (FORWARD_LOG); the config says which debug topics are on.
  router.logger = new Logger(config.id, config.name, forwardSink(router), config.debug, config.logLevel === 'debug' ? 'info' : config.logLevel);
  setProcessRouter(router);
  if (config.printsFifos) forwardFifoPrints(router, config.printsFifos, config.name);

  let shuttingDown = false;
  const parentId = config.parentIds[config.parentIds.length - 1] ?? 0;
  // A full-PTY launch (src/core/child/fifo-prints.ts): the channel is a terminal, which net.Socket refuses.
  const onTty = isatty(CHANNEL_IN);
  // Otherwise the stream reads the fd itself into a reused buffer (big frames land in place).
  const input = onTty ? new ReadStream(CHANNEL_IN) : { fd: CHANNEL_IN };
  const events = {
    onFrame: (frame: Uint8Array, s: Stream) => router.route(frame, s),
    onClose: (_s: Stream, reason: string) => shutdown(`lost the parent: ${reason}`),
    // A big frame: shared memory the dispatcher faults in while we read (links/prefault.ts).
    frameBuffer: (total: number) => (total >= PREFAULT_MIN ? sharedFrameBuffer(total, (r) => worker.postMessage(r)) : takeFrame(total)),
  };
  // On a pipe the dispatcher writes its replies to the parent itself, sharing the channel
  // under a lock (src/core/links/channel-lock.ts): one thread hop less per reply.
  const channelSlot = onTty ? null : channelLockSlot();
  const channelLock = channelSlot ? new BrokerChannelLock(channelSlot) : null;
  let parent: Stream;
  let sharedOutput: SharedOutput | null = null;
  if (onTty) {
    parent = new Stream('parent', parentId, input, new WriteStream(CHANNEL_OUT), config.maxMessageSize, events);
  } else {
    const socket = new Socket({ fd: CHANNEL_OUT, readable: false, writable: true });
    sharedOutput = new SharedOutput(socket, channelLock!);
    parent = new SharedChannelStream('parent', parentId, input, sharedOutput, config.maxMessageSize, events, channelLock!);
  }
  router.parent = parent;
  // A frozen parent (or a dead path to it) is a lost parent.
  startHeartbeat(parent, config.id, config.heartbeatInterval ?? 0, config.heartbeatMisses ?? DEFAULT_HEARTBEAT_MISSES);

  // The worker gets the same bundle; it sees it is not the main thread and dispatches.
  const modules = new MessageChannel();
  const moduleSignal = new Int32Array(new SharedArrayBuffer(4));
  const lastWords = lastWordsSlot();
  const channel = channelSlot ? { fd: CHANNEL_OUT, lock: channelSlot } : undefined;
  const setup = { tendrilConfig: config, modulePort: modules.port2, moduleSignal, lastWords, channel };
  // Started by the first stage (it booted while the payload arrived): hand it its code, with the
  // code cache of our compile (functions run so far included), so that the thread does not parse
  // and compile the same core again; V8 rejects a cache that does not fit and compiles.
  worker.ref();
  worker.postMessage({ source: coreSource, cache: coreScript?.createCachedData(), ...setup }, [modules.port2]);
  const moduleCache = new ModuleCache(router);
  moduleCache.serveChildren();
  startModuleForwarder(moduleCache, modules.port1, moduleSignal);
  const dispatcher = new PortLink('dispatcher', config.id, worker, (frame) => router.route(frame, null), channelLock ? () => channelLock.routed() : undefined);
  // The rest of a reply write the dispatcher began when the pipe filled (direct-parent-link.ts).
  if (sharedOutput) {
    const out = sharedOutput;
    worker.on('message', (m: { channelRest?: Uint8Array }) => {
      if (m !== null && typeof m === 'object' && m.channelRest instanceof Uint8Array) out.writeRest(m.channelRest);
    });
  }
  // User code ended the dispatcher thread: an uncaught error (exit code 1, like node), or
  // process.exit(n) (the process exits with n). The parent hears why first.
  worker.on('error', (e) => {
    channelLock?.dispatcherGone();
    router.log('error', `dispatcher thread failed: ${e.stack ?? e}`);
    dying(readLastWords(lastWords) ?? describeUncaught(e, 'uncaughtException'), 1);
  });
  worker.on('exit', (code) => {
    channelLock?.dispatcherGone();
    if (!shuttingDown) dying(readLastWords(lastWords) ?? `exited with code ${code}`, code);
  });

  // Which thread takes a handle: src/core/handles/ (the dispatcher's range, CALL_FUNCTION...).
  router.localTap = (frame) => {
    if (onDispatcherThread(frameHandle(frame))) {
      dispatcher.send(frame);
      return true;
    }
    return false;
  };

  installHandle(router, shutdownHandle, () => shutdown(ASKED_BY_PARENT));

  // Becoming a parent: routes of descendants, and children started on request.
  installRouteControl(router);
  // Lifecycles of the contexts below this one, reported upward and to the dispatcher.
  new ContextLifecycles(router, config.shutdownTimeout);
  installLifecycleNotices(router, 'child');
  tellDispatcher(router, dispatcher);
  let parentSide: Promise<ParentSide> | null = null;
  installHandle(
    router,
    createChildHandle,
    (msg) => {
      if (shuttingDown) {
        router.sendValue(msg.srcId, msg.replyTo, new CallError('StreamError', `${config.name} is shutting down`, '', null));
        return;
      }
      parentSide ??= loadParentSide(router, moduleCache, config, payload);
      parentSide.then(
        (side) => side.createChild(msg),
        (e: Error) => {
          parentSide = null;
          router.sendValue(msg.srcId, msg.replyTo, CallError.fromThrown(e, { id: config.id, name: config.name }));
        },
      );
    },
  );

  process.on('uncaughtException', (e) => {
    router.log('error', `uncaught exception in the broker: ${e.stack ?? e}`);
  });

  /** Tells the parent why this context ends (LAST_WORDS, sent at once), then shuts down. */
  function dying(words: string, exitCode: number): void {
    if (shuttingDown) return;
    try {
      router.sendValue(parentId, lastWordsHandle.id, words);
      parent.flush();
    } catch {
      // the parent is gone: nobody to tell
    }
    shutdown(words, exitCode);
  }

  /**
   * Ends the process within the grace period whatever user code does: stop the dispatcher
   * (terminate() handles busy loops), kill descendants (a worker in execSync waits for its
   * program), flush what is queued for the parent, exit; SIGKILL ourselves as a last resort.
   */
  function shutdown(reason: string, exitCode = 0): void {
    if (shuttingDown) return;
    shuttingDown = true;
    router.logger.debug('lifecycle', `shutting down: ${reason}`);
    // Asked to: every ancestor sees this context drain, whoever asked (lifecycle/notices.ts).
    if (reason === ASKED_BY_PARENT) reportDraining(router, config.id, config.name, 'shutdown requested');
    const deadline = Date.now() + config.shutdownTimeout;
    const hardStop = setTimeout(() => process.kill(process.pid, 'SIGKILL'), config.shutdownTimeout + 500);
    hardStop.unref();
    dispatcher.close();
    // Our own children go first (they get SHUTDOWN and the same grace), then we end.
    const children = parentSide
      ? parentSide.then((side) => side.shutdownAll(reason === ASKED_BY_PARENT ? undefined : parentDiedReason(config.name, reason))).catch(() => undefined)
      : Promise.resolve();
    const terminated = Promise.all([children, worker.terminate().catch(() => undefined)]);
    const killTimer = setTimeout(() => killDescendants(), 200);
    // What is queued for the parent (the last log records, last words) leaves before we do:
    // process.exit() drops what the socket has not handed to the OS yet, and a parent slow to
    // read (a loaded machine) leaves it there. Within the grace period only.
    const leave = (): void => {
      if (parent.alive && parent.backlog > 0 && Date.now() < deadline) setTimeout(leave, 2);
      else process.exit(exitCode);
    };
    const exit = (): void => {
      clearTimeout(killTimer);
      killDescendants();
      parent.flush();
      leave();
    };
    void Promise.race([terminated, new Promise((r) => setTimeout(r, config.shutdownTimeout))]).then(exit);
  }
}
