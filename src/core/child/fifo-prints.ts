// A child started on a full PTY (the channel is the terminal: requiretty-style setups, `ssh
// -tt`) cannot print on fds 1/2 the way other children do, so its launch command points them
// at two FIFOs it already removed from the disk (src/methods/remote-command.ts), kept open on
// fds 5/6; `paths` are those fds' /proc/self/fd names. A worker thread reads them with async
// sockets and the broker forwards each line to the master as a log record. A worker, because
// the broker itself writes to fd 2 synchronously: a thread blocked writing to a full FIFO that
// only it reads would deadlock.
import { Worker } from 'node:worker_threads';
import { FORWARD_LOG } from '../wire/protocol.js';
import type { CoreRouter } from '../routing/router.js';
import { printedLine, toWire } from '../logging/log-record.js';
import { LineSplitter } from '../logging/line-splitter.js';

const READER =
  "const{parentPort:p,workerData:w}=require('worker_threads'),f=require('fs'),n=require('net');" +
  'w.forEach((path,i)=>{const fd=f.openSync(path,f.constants.O_RDONLY|f.constants.O_NONBLOCK);' +
  'new n.Socket({fd,readable:true,writable:false}).on("data",b=>p.postMessage([i,b])).on("end",()=>p.postMessage([i,null])).on("error",()=>{})});';

export function forwardFifoPrints(router: CoreRouter, paths: string[], name: string): void {
  // Linear and capped (issue 15.4): an over-long line arrives in marked pieces.
  const splitters = paths.map((_, i) => new LineSplitter((line) => {
    try {
      router.sendValue(0, FORWARD_LOG, toWire(printedLine(router.myId, name, i ? 'stderr' : 'stdout', line)));
    } catch {
      // no parent (shutting down) or a line over maxMessageSize: dropped
    }
  }));
  const worker = new Worker(READER, { eval: true, workerData: paths });
  worker.unref();
  worker.on('error', () => undefined);
  worker.on('message', ([i, bytes]: [number, Uint8Array | null]) => {
    // null: the FIFO closed; a last unterminated line is printed too.
    if (bytes === null) splitters[i]!.end();
    else splitters[i]!.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
