// A child context without a child process: a broker-side CoreRouter in this thread (module
// cache, module forwarder, the dispatcher's handles sent to the thread the handle table
// names) and the real dispatcher on a worker thread, under an in-memory master that runs the
// real ModuleResponder. What runBroker wires around a stream, minus the stream and the process.
import { MessageChannel, Worker } from 'node:worker_threads';
import type { ChildConfig } from '../../../src/core/child/child-config.js';
import type { DispatcherData } from '../../../src/core/child/dispatcher.js';
import { onDispatcherThread } from '../../../src/core/handles/threads.js';
import { PortLink } from '../../../src/core/links/port-link.js';
import { ModuleCache } from '../../../src/core/modules/module-cache.js';
import { startModuleForwarder } from '../../../src/core/modules/module-forwarder.js';
import { CoreRouter } from '../../../src/core/routing/router.js';
import { frameHandle } from '../../../src/core/wire/protocol.js';
import { ModuleResponder } from '../../../src/master/module-responder.js';
import { linkChild, type MemPair } from './mem-link.js';

export interface InProcessChild {
  master: CoreRouter;
  responder: ModuleResponder;
  broker: CoreRouter;
  cache: ModuleCache;
  link: MemPair;
  /** Resolves once the dispatcher thread has ended. */
  close(): Promise<void>;
}

const CHILD_ID = 1;

export function startInProcessChild(): InProcessChild {
  const master = new CoreRouter({ id: 0, name: 'master', parentIds: [] });
  master.log = () => undefined;
  const responder = new ModuleResponder(master);
  const config: ChildConfig = {
    id: CHILD_ID,
    parentIds: [0],
    name: 'in-process',
    debug: false,
    logLevel: 'warn',
    maxMessageSize: master.maxMessageSize,
    shutdownTimeout: 1000,
    unidirectional: false,
  };
  const broker = new CoreRouter({ id: CHILD_ID, name: config.name, parentIds: [0] });
  broker.log = () => undefined;
  const link = linkChild(master, broker);

  const modules = new MessageChannel();
  const moduleSignal = new Int32Array(new SharedArrayBuffer(4));
  const dispatcher: DispatcherData = { tendrilConfig: config, modulePort: modules.port2, moduleSignal };
  const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    // Served ES modules run as vm.SourceTextModule, as in a real child (src/parent/connection.ts).
    execArgv: ['--experimental-vm-modules'],
    workerData: { entry: new URL('./dispatcher-entry.ts', import.meta.url).href, dispatcher },
    transferList: [modules.port2],
  });
  const cache = new ModuleCache(broker);
  cache.serveChildren();
  startModuleForwarder(cache, modules.port1, moduleSignal);
  const toDispatcher = new PortLink('dispatcher', CHILD_ID, worker, (frame) => broker.route(frame, null));
  broker.localTap = (frame) => {
    if (!onDispatcherThread(frameHandle(frame))) return false;
    toDispatcher.send(frame);
    return true;
  };
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (e) => master.log('error', `dispatcher thread failed: ${e.stack ?? e}`));
  return {
    master,
    responder,
    broker,
    cache,
    link,
    close: async () => {
      toDispatcher.close();
      link.cut('test over');
      await worker.terminate();
      await ended;
    },
  };
}
