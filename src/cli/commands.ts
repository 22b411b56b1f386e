// The work of sh, run, facts and tree on one host, through the library's calls only
// (exec/spawn, call); cp is in copy.ts.
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import type { ContextTreeNode, Router } from '../index.js';
import type { Work } from './fleet.js';
import { firstLine } from './live-reporter.js';
import type { Facts } from './remote-facts.js';

/** `tendril sh`: the command under /bin/sh -c; streamed line by line with --stream. */
export function shWork(script: string, stream: boolean): Work {
  return async (view, _ctx, _host, ui) => {
    let code: number | null;
    let signal: string | null;
    let stdout: string;
    let stderr: string;
    if (stream) {
      const p = view.spawn(script);
      const out: string[] = [];
      const err: string[] = [];
      p.lines$.subscribe({
        next: ({ stream: s, line }) => {
          (s === 'stdout' ? out : err).push(line);
          ui.line(s, line);
        },
        error: () => undefined, // done rejects with the same reason
      });
      await p.end();
      ({ code, signal } = await p.done);
      [stdout, stderr] = [out, err].map((l) => (l.length ? `${l.join('\n')}\n` : '')) as [string, string];
    } else {
      const r = await view.exec(script);
      ({ code, signal } = r);
      [stdout, stderr] = [String(r.stdout), String(r.stderr)];
    }
    const ok = code === 0;
    const why = signal ? `killed by ${signal}` : `exit code ${code}`;
    const error = ok ? undefined : firstLine(stderr) ? `${why}: ${firstLine(stderr)}` : why;
    return { ok, fields: { code, signal, stdout, stderr }, ...(error === undefined ? {} : { error }), display: stdout + stderr };
  };
}

/** `tendril run`: a function of a file on this machine, called in the host. */
export function runWork(file: string, fn: string, args: unknown[]): Work {
  const module = pathToFileURL(file);
  return async (view) => {
    const value = await view.call(module, fn, ...args);
    return { ok: true, fields: { value }, display: inspect(value, { depth: 6, colors: process.stdout.hasColors?.() ?? false }) };
  };
}

const FACTS = new URL('./remote-facts.js', import.meta.url);

/** `tendril facts`: remote-facts.ts, run in the host. */
export function factsWork(): Work {
  return async (view) => {
    const facts = (await view.call(FACTS, 'facts')) as Facts;
    return { ok: true, fields: { facts } };
  };
}

/** The names from the master down to the context `id`, or null. */
export function pathTo(node: ContextTreeNode, id: number): ContextTreeNode[] | null {
  if (node.id === id) return [node];
  for (const c of node.children) {
    const p = pathTo(c, id);
    if (p) return [node, ...p];
  }
  return null;
}

/** `tendril tree`: where each host's context sits in the live tree (the tree itself comes at the end). */
export function treeWork(router: Router): Work {
  return async (_view, ctx) => {
    const path = (pathTo(router.contextTree(), ctx.id) ?? []).map((n) => ({ id: n.id, name: n.name, state: n.state }));
    return { ok: true, fields: { context: { id: ctx.id, name: ctx.name, state: ctx.state }, path } };
  };
}

const GiB = 1024 ** 3;

/** The facts of every host as text lines (the terminal view's closing table is made from them). */
export function factsRows(records: { host: string; facts?: unknown }[]): string[][] {
  return records.flatMap((r) => {
    const f = r.facts as Facts | undefined;
    if (!f) return [];
    const up = f.uptimeSeconds >= 86400 ? `${(f.uptimeSeconds / 86400).toFixed(1)} d` : `${(f.uptimeSeconds / 3600).toFixed(1)} h`;
    const disk = f.disk ? `${(f.disk.availableBytes / GiB).toFixed(0)}/${(f.disk.totalBytes / GiB).toFixed(0)} GiB free` : '?';
    return [[r.host, f.hostname, f.os, f.node, up, f.load.map((l) => l.toFixed(1)).join(' '), disk]];
  });
}
