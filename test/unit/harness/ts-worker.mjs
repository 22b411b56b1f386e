// Entry of a worker thread that runs TypeScript sources (test/unit): registers tsx in this
// thread, then imports the module named by workerData.entry. Plain JS: nothing loads .ts yet.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
