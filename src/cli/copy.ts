// `tendril cp`: the library's file transfer (ctx.files.put / get: temporary file, size and
// sha256 verified, renamed into place), its progress$ shown in the host's live line.
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import type { CallView, Transfer } from '../index.js';
import type { HostUi, Work } from './fleet.js';
import type { Request } from './options.js';

type CopyRequest = Extract<Request, { command: 'cp' }>;

const MiB = 1024 * 1024;

function show(t: Transfer, ui: HostUi): void {
  t.progress$.subscribe({
    next: ({ bytes, total }) => {
      const share = total > 0 ? bytes / total : 1;
      const bar = '#'.repeat(Math.round(share * 20)).padEnd(20, '.');
      ui.progress(`[${bar}] ${(bytes / MiB).toFixed(1)}/${(total / MiB).toFixed(1)} MiB ${Math.floor(share * 100)}%`);
    },
    error: () => undefined, // the transfer's own rejection reports it
  });
}

/** Where a fetched file goes: DEST/<name>, or DEST/<host>/<name> when several hosts send one. */
export function fetchTarget(dest: string, src: string, host: string, hosts: number): string {
  const name = posix.basename(src);
  if (hosts > 1) return join(dest, host.replace(/[^\w.@-]+/g, '_'), name);
  let isDir = dest.endsWith('/');
  try {
    isDir ||= statSync(dest).isDirectory();
  } catch {
    // a new file name
  }
  return isDir ? join(dest, name) : dest;
}

/** A remote path as scp reads it: relative (or `~/...`) means under the account's home. */
async function remotePath(view: CallView, path: string): Promise<string> {
  if (path.startsWith('/')) return path;
  const home = (await view.call('node:os', 'homedir')) as string;
  return posix.join(home, path.replace(/^~(\/|$)/, ''));
}

export function copyWork(req: CopyRequest, hosts: number): Work {
  return async (view, ctx, host, ui) => {
    if (req.direction === 'push') {
      const dest = await remotePath(view, req.dest);
      const remote = dest.endsWith('/') || req.dest === '~' ? posix.join(dest, basename(req.src)) : dest;
      const t = ctx.files.put(req.src, remote);
      show(t, ui);
      const onAbort = (): void => t.cancel(ui.signal.reason);
      ui.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const { bytes, sha256 } = await t;
        return { ok: true, fields: { bytes, sha256, path: remote } };
      } finally {
        ui.signal.removeEventListener('abort', onAbort);
      }
    }
    const src = await remotePath(view, req.src);
    const local = fetchTarget(req.dest, src, host.label, hosts);
    mkdirSync(dirname(local), { recursive: true });
    const t = ctx.files.get(src, local);
    show(t, ui);
    const { bytes, sha256 } = await t;
    return { ok: true, fields: { bytes, sha256, path: local } };
  };
}
