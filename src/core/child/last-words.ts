// A child's last words: why it is about to die, in words a person can act on ("uncaught
// TypeError: boom (tasks.ts:12)"). User code runs in the dispatcher thread; when it throws
// uncaught, the dispatcher writes the words into a shared buffer synchronously, before its
// thread even starts to die, so the broker finds them whatever order the worker's events
// arrive in. The broker sends them to the parent (LAST_WORDS) before the process ends.
import { MODULE_SCHEME } from '../modules/module-registry.js';

/** Bytes of the shared buffer: a length, then UTF-8 text (longer words are cut). */
const SLOT_BYTES = 4096;
/** Longest error message quoted (the stack stays in the logs). */
const MAX_MESSAGE = 300;

/** The buffer the broker and the dispatcher share for the last words. */
export function lastWordsSlot(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOT_BYTES);
}

/** Dispatcher side: records `words` (the first record wins). */
export function writeLastWords(slot: SharedArrayBuffer, words: string): void {
  const length = new Int32Array(slot, 0, 1);
  if (Atomics.load(length, 0) !== 0) return;
  const bytes = Buffer.from(words, 'utf8').subarray(0, SLOT_BYTES - 4);
  new Uint8Array(slot, 4).set(bytes);
  Atomics.store(length, 0, bytes.byteLength);
}

/** Broker side: the words the dispatcher recorded, or null. */
export function readLastWords(slot: SharedArrayBuffer): string | null {
  const n = Atomics.load(new Int32Array(slot, 0, 1), 0);
  return n > 0 ? Buffer.from(slot, 4, n).toString('utf8') : null;
}

/**
 * `uncaught TypeError: boom (tasks.ts:12)` or `unhandled rejection RangeError: no (tasks.ts:20)`:
 * the error's type and message, and where it was thrown (the first frame in a served module,
 * else the first frame outside Node and tendril).
 */
export function describeUncaught(thrown: unknown, origin: string): string {
  const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught';
  if (!(thrown instanceof Error) && !isErrorLike(thrown)) return `${what} ${typeof thrown} ${quote(thrown)}`;
  const e = thrown as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  // Node wraps a rejection with a non-Error value; say the value instead of Node's sentence.
  if (e.code === 'ERR_UNHANDLED_REJECTION') {
    const value = /reason "([\s\S]*)"\.$/.exec(String(e.message))?.[1];
    return `unhandled rejection of a non-Error value${value !== undefined ? `: ${cut(value)}` : ''}`;
  }
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const message = cut(String(e.message ?? '').split('\n', 1)[0]!);
  const at = typeof e.stack === 'string' ? throwSite(e.stack) : null;
  return `${what} ${name}${message ? `: ${message}` : ''}${at ? ` (${at})` : ''}`;
}

/** `tasks.ts:12` from a stack: served modules first (mapped to .ts lines by the stack mapper). */
export function throwSite(stack: string): string | null {
  let fallback: string | null = null;
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    // The last `file:line:column` of the frame (an eval frame names its origin first).
    const m = /([^\s()]+):(\d+):\d+\)?$/.exec(line);
    if (!m) continue;
    const file = m[1]!;
    if (file.startsWith(MODULE_SCHEME)) return `${basename(file)}:${m[2]}`;
    if (fallback === null && !isRuntimeFile(file) && !line.includes('eval at ')) fallback = `${basename(file)}:${m[2]}`;
  }
  return fallback;
}

function isRuntimeFile(file: string): boolean {
  return file.startsWith('node:') || file === 'tendril-core.js' || file.startsWith('tendril:') || file.startsWith('evalmachine.') || file === '<anonymous>';
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function isErrorLike(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string' && typeof (v as { stack?: unknown }).stack === 'string';
}

function quote(v: unknown): string {
  let text: string;
  try {
    text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return cut(text);
}

function cut(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}...` : text;
}
