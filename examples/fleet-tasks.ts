// What the fleet agent (examples/fleet.ts) runs on every host: served to each context on its
// first call, from this file on the master.
import { freemem, hostname, loadavg, uptime } from 'node:os';

export interface Sample {
  host: string;
  pid: number;
  load: number;
  freeMiB: number;
  uptime: number;
}

/** One health sample of the machine this context runs on. */
export function sample(): Sample {
  return { host: hostname(), pid: process.pid, load: loadavg()[0]!, freeMiB: Math.round(freemem() / 2 ** 20), uptime: Math.round(uptime()) };
}
