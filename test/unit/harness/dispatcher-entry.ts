// Runs the real dispatcher (src/core/child/dispatcher.ts) on this worker thread, with the
// DispatcherData the test's in-process broker handed over (see harness/in-process-child.ts).
import { workerData } from 'node:worker_threads';
import { runDispatcher, type DispatcherData } from '../../../src/core/child/dispatcher.js';

runDispatcher((workerData as { dispatcher: DispatcherData }).dispatcher);
