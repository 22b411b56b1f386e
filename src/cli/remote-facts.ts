// Runs in each target (tendril facts): what the host is, from node's own view of it. Loaded
// by the target through the module responder, so it must work on Node 16 (no fs.statfs).
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface Facts {
  hostname: string;
  os: string;
  node: string;
  uptimeSeconds: number;
  load: number[];
  cpus: number;
  memory: { totalBytes: number; freeBytes: number };
  /** The root filesystem, from `df -Pk /` (null when df is missing). */
  disk: { totalBytes: number; usedBytes: number; availableBytes: number; usePercent: number } | null;
}

export function facts(): Facts {
  let disk: Facts['disk'] = null;
  try {
    const fields = execFileSync('df', ['-Pk', '/'], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n').pop()!.split(/\s+/);
    const [total, used, avail] = fields.slice(1, 4).map((n) => Number(n) * 1024);
    disk = { totalBytes: total!, usedBytes: used!, availableBytes: avail!, usePercent: Number(fields[4]!.replace('%', '')) };
  } catch {
    // no df: leave it out
  }
  return {
    hostname: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    uptimeSeconds: Math.round(os.uptime()),
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    cpus: os.cpus().length,
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    disk,
  };
}
