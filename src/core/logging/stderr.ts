// This process's stderr as the runtime's last-resort log output. A stderr whose reader went
// away (a closed pipe: `master 2>&- | ...`, a parent that died) fails every write with EPIPE,
// an 'error' event on process.stderr that nobody handles: it ended the master and every context
// with it (issue 15.5). Here the first failure is noticed once (onStderrClosed listeners:
// the master turns it into one warn record on logs$) and every later write is dropped.

let guarded = false;
let closedBy: string | null = null;
const listeners = new Set<(why: string) => void>();

function broken(e: NodeJS.ErrnoException): void {
  if (closedBy !== null) return;
  closedBy = e.code ?? e.message;
  for (const fn of listeners) fn(closedBy);
}

/** Writes `text` on stderr unless it failed before; never throws, never lets an EPIPE end the process. */
export function writeStderr(text: string): void {
  if (closedBy !== null) return;
  if (!guarded) {
    guarded = true;
    process.stderr.on('error', broken);
  }
  try {
    process.stderr.write(text);
  } catch (e) {
    broken(e as NodeJS.ErrnoException);
  }
}

/** Why stderr stopped taking writes (`EPIPE`...), or null while it works. */
export function stderrClosed(): string | null {
  return closedBy;
}

/** Called once, with the error code, when stderr first fails; returns the unsubscriber. */
export function onStderrClosed(fn: (why: string) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
