// Entry point of the core bundle sent to every child. The first stage evaluates it with the
// bundle's own source (to start the dispatcher thread from it); in that thread it dispatches.
import { readSync, writeSync } from 'node:fs';
import type { Script } from 'node:vm';
import { isMainThread, type Worker } from 'node:worker_threads';
import { runBroker } from './broker.js';
import type { ChildConfig } from './child-config.js';
import { runDispatcher, type DispatcherData } from './dispatcher.js';
import { silenceVmModulesWarning } from './warnings.js';

declare const __tendrilSource: string | null;
/** The compressed bundle as received: a child that becomes a parent sends it on unchanged. */
declare const __tendrilPayload: Uint8Array | null;
/** The dispatcher thread the first stage started early (main thread only). */
declare const __tendrilWorker: Worker | null;
/** In that thread: the setup the broker posted (source, config, module port). */
declare const __tendrilInit: DispatcherData | null;
/** The script the first stage compiled the core as (main thread only): the dispatcher thread gets its code cache. */
declare const __tendrilScript: Script | null;

export const READY_MARKER = 'TENDRIL-READY\n';

/** Reads exactly n bytes from a possibly non-blocking fd, synchronously. */
function readExactly(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let at = 0;
  while (at < n) {
    let got: number;
    try {
      got = readSync(fd, buf, at, n - at, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
      continue;
    }
    if (got === 0) throw new Error(`tendril: the parent closed the channel after ${at} of ${n} config bytes`);
    at += got;
  }
  return buf;
}

function main(): void {
  silenceVmModulesWarning();
  if (!isMainThread) {
    if (__tendrilInit === null) throw new Error('tendril: the dispatcher thread got no setup from the broker');
    runDispatcher(__tendrilInit);
    return;
  }
  const length = readExactly(3, 4).readUInt32BE(0);
  if (length > 1 << 20) throw new Error(`tendril: config record of ${length} bytes is implausible`);
  const config = JSON.parse(readExactly(3, length).toString('utf8')) as ChildConfig;
  if (typeof __tendrilSource !== 'string' || __tendrilWorker === null) throw new Error('tendril: the first stage did not pass the core source and its dispatcher thread');
  writeSync(4, READY_MARKER);
  runBroker(config, __tendrilSource, __tendrilPayload ?? new Uint8Array(0), __tendrilWorker, __tendrilScript);
}

main();
