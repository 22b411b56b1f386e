// What fakeSsh() calls running now leave on the master if it ends under them: their private
// directories (socket, ssh script, client) and their programs. A normal exit removes the
// directories ('exit' hook). SIGTERM, SIGINT and SIGHUP would kill the process without that
// hook, so while a call runs they are handled too: directories removed, programs sent
// SIGTERM, then the signal raised again so the process still dies of it (exit status and
// all). Only when nobody else listens to that signal: an application that handles it
// decides itself, and its exit (or the calls' own ends) cleans up. SIGKILL cannot be
// handled: after one, the directories stay in the temp dir (tendril-fakessh-*).
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const FATAL: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const dirs = new Set<string>();
const programs = new Set<ChildProcess>();
let exitHook = false;
let handling = false;

function removeAll(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Others listen (the application handles it): not our call to end anything.
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  for (const p of programs) p.kill('SIGTERM');
  unhandle();
  process.kill(process.pid, signal);
}

function handle(): void {
  if (handling) return;
  handling = true;
  for (const s of FATAL) process.on(s, onSignal);
}

/** Back to the default actions once no call runs (an idle master's signals are its own). */
function unhandle(): void {
  if (!handling) return;
  handling = false;
  for (const s of FATAL) process.off(s, onSignal);
}

/** A call's private directory: removed on exit or a fatal signal while it exists. */
export function trackDir(dir: string): () => void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', removeAll);
  }
  dirs.add(dir);
  handle();
  return () => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    if (dirs.size === 0) unhandle();
  };
}

/** A running program of a call, sent SIGTERM if the master dies of a signal; returns the removal. */
export function trackProgram(p: ChildProcess): () => void {
  programs.add(p);
  return () => void programs.delete(p);
}
