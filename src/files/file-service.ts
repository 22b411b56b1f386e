// FileService: the target's side of file transfer, served to children like any user module
// (it imports tendril only through '../index.js', which the module finder leaves to the
// runtime built into the child). receive() pulls a file from a ChunkSource into a temporary
// file renamed into place once verified; relay() does the same and then serves the copy to
// the next contexts of a push, so each byte crosses each link once; serve() is the source of a
// get() (the master pulls from it as receive() pulls from the master). Concurrent: transfers
// overlap.
import { mkdir, open, realpath, rename, stat, utimes, chmod, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { Sender, Service, currentCall, currentRouter, expose, type Context } from '../index.js';
import { CHUNK_SIZE, codedError, type Served } from './chunk-protocol.js';
import { pullInto } from './chunk-sink.js';
import { ChunkSource } from './chunk-source.js';
import { Gate } from './gate.js';
import { isAllowed } from './allow-list.js';
import { noteTemp, removeTemp, sweepStale, tempPathFor } from './temp-files.js';

/** What receive() is asked to do. */
export interface ReceiveRequest {
  /** Absolute destination path; null: a cache file only (an intermediate of a push). */
  dest: string | null;
  size: number;
  /** Mode to set (null: as created, 0o666 less the umask). */
  mode: number | null;
  /** Modification time to set, ms since the epoch (null: now). */
  mtime: number | null;
  mkdirs: boolean;
  source: Sender;
  chunk: number;
  window: number;
  /** Where to report [contextId, bytes] as the copy grows (push progress), or null. */
  progress: Sender | null;
}

/** One node of a push plan below the master. */
export interface RelayNode {
  ctx: Context;
  dest: string | null;
  children: RelayNode[];
}

export interface RelayRequest extends ReceiveRequest {
  children: RelayNode[];
  /** This module's URL on the master (for the calls to the next contexts). */
  fsUrl: string;
}

/** The outcome for one target of a push. */
export type RelayReport = { id: number; bytes: number; sha256: string } | { id: number; error: { code: string; message: string } };

const PROGRESS_EVERY_MS = 100;

export class FileService extends Service {
  static override concurrency = 'concurrent' as const;

  constructor() {
    super();
    // Temporary files of processes that died mid-transfer (temp-files.ts).
    sweepStale();
  }

  /** Pulls a file from `req.source` into `req.dest`, atomically; resolves once verified. */
  @expose() async receive(req: ReceiveRequest): Promise<{ bytes: number; sha256: string }> {
    const { path, result } = await receiveFile(req, currentCall().signal);
    if (req.dest === null) removeTemp(path);
    return result;
  }

  /** The serving side of get() (serveFile). */
  @expose() async serve(path: string, allowed: string[] | null, to: Sender): Promise<Served> {
    return serveFile(path, allowed, to, currentCall().signal);
  }

  /**
   * receive(), serving the copy to `req.children` (each a relay itself) as it arrives: each
   * chunk is read here from what was written, after its bytes are, and a child's end waits
   * for this copy's verification. One report per target of this subtree.
   */
  @expose() async relay(req: RelayRequest): Promise<RelayReport[]> {
    const router = currentRouter();
    const signal = currentCall().signal;
    const gate = new Gate();
    const ids = new Set(req.children.map((c) => c.ctx.id));
    let forwarding: Promise<{ below: RelayReport[][]; close(): Promise<void> }> | null = null;
    const forward = async (temp: string): Promise<{ below: RelayReport[][]; close(): Promise<void> }> => {
      const file = await open(temp, 'r');
      const source = new ChunkSource(router, file, req.size, { allows: (id) => ids.has(id), gate });
      signal.addEventListener('abort', () => source.fail('ECANCELED', 'push cancelled'), { once: true });
      const close = async (): Promise<void> => {
        source.close();
        await file.close();
      };
      const below = await Promise.all(
        req.children.map((c) =>
          // No timeout (the router's callTimeout is inherited by children): a death or
          // the master's cancel ends it. The service entry directly, as callService does.
          c.ctx
            .with({ timeout: 0, signal })
            .call(req.fsUrl, 'FileService.__tendrilService', 'relay', [{
              ...req,
              dest: c.dest,
              children: c.children,
              source: new Sender(router.myself(), source.handle),
            } satisfies RelayRequest])
            .then((r) => r as RelayReport[], (e: unknown) => failAll({ ...req, dest: c.dest, children: c.children, ctx: c.ctx }, e)),
        ),
      );
      return { below, close };
    };
    const hooks: ReceiveHooks = {
      opened: (temp) => {
        if (req.children.length === 0) return;
        // The copy may fail (and its file go) before it is opened here: the children fail too.
        forwarding = forward(temp).catch((e: unknown) => ({
          below: req.children.map((c) => failAll({ ...c }, e)),
          close: async () => undefined,
        }));
      },
      written: (bytes) => gate.advance(bytes),
    };
    let got: { path: string; result: { bytes: number; sha256: string } } | null = null;
    let failed: unknown = null;
    try {
      got = await receiveFile(req, signal, hooks);
      gate.finish();
    } catch (e) {
      failed = e;
      gate.fail(e);
    }
    try {
      const done = forwarding === null ? null : await (forwarding as Promise<{ below: RelayReport[][]; close(): Promise<void> }>);
      await done?.close();
      if (failed !== null || got === null) return failAll(req, failed);
      const own: RelayReport[] = req.dest === null ? [] : [{ id: router.myId, ...got.result }];
      return own.concat(...(done?.below ?? []));
    } finally {
      if (req.dest === null && got !== null) removeTemp(got.path);
    }
  }
}

/** What serve() tells the getter before the first chunk: where to ask, and the file's size, mode and mtime. */
export interface ServeHead {
  handle: number;
  size: number;
  mode: number;
  mtime: number;
}

/**
 * The serving side of get(): opens `path` (checked against `allowed`, the prefixes the master
 * allows to be read; null: any path), sends its ServeHead to `to`, and serves its chunks to
 * `to`'s context only (chunk-protocol.ts); resolves with what was served once that context's
 * DONE is answered. Cancelling the call ends it (the getter cancels it when it fails itself).
 */
async function serveFile(path: string, allowed: string[] | null, to: Sender, signal: AbortSignal): Promise<Served> {
  if (typeof path !== 'string' || !isAbsolute(path)) throw codedError('EINVAL', `source must be an absolute path (got ${String(path)})`);
  if (!(await allowedHere(path, allowed))) throw codedError('EPERM', `${path} is not allowed (router.files.allow())`);
  const file = await open(path, 'r');
  let source: ChunkSource | null = null;
  let onAbort = (): void => undefined;
  try {
    const st = await file.stat();
    if (!st.isFile()) throw codedError('EISDIR', `${path} is not a regular file`);
    const reader = to.context.id;
    return await new Promise<Served>((resolve, reject) => {
      source = new ChunkSource(currentRouter(), file, st.size, { allows: (id) => id === reader, onDone: (_id, served) => resolve(served) });
      onAbort = () => {
        source?.fail('ECANCELED', `transfer cancelled: ${String(signal.reason)}`);
        reject(codedError('ECANCELED', `transfer cancelled: ${String(signal.reason)}`));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      to.send({ handle: source.handle, size: st.size, mode: st.mode & 0o7777, mtime: st.mtimeMs } satisfies ServeHead);
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
    (source as ChunkSource | null)?.close();
    await file.close();
  }
}

function failAll(node: { dest: string | null; children: RelayNode[]; ctx?: Context }, e: unknown): RelayReport[] {
  const error = { code: String((e as { code?: unknown }).code ?? 'EIO'), message: String((e as Error).message ?? e) };
  const out: RelayReport[] = [];
  if (node.dest !== null) out.push({ id: node.ctx?.id ?? currentRouter().myId, error });
  for (const c of node.children) out.push(...failAll(c, e));
  return out;
}

/** What relay() learns while a copy arrives: its temporary file, and how much is written. */
interface ReceiveHooks {
  opened(temp: string): void;
  written(bytes: number): void;
}

async function receiveFile(req: ReceiveRequest, signal: AbortSignal, hooks?: ReceiveHooks): Promise<{ path: string; result: { bytes: number; sha256: string } }> {
  if (req.dest !== null && (typeof req.dest !== 'string' || !isAbsolute(req.dest))) {
    throw codedError('EINVAL', `destination must be an absolute path (got ${String(req.dest)})`);
  }
  const dest = req.dest ?? join(tmpdir(), 'tendril-push-cache');
  if (req.mkdirs && req.dest !== null) await mkdir(dirname(dest), { recursive: true });
  else {
    const dir = await stat(dirname(dest));
    if (!dir.isDirectory()) throw codedError('ENOTDIR', `${dirname(dest)} is not a directory`);
  }
  const temp = tempPathFor(dest);
  noteTemp(temp);
  let file: FileHandle | null = null;
  try {
    file = await open(temp, 'wx', 0o666);
    hooks?.opened(temp);
    const router = currentRouter();
    let last = 0;
    const report = req.progress;
    const result = await pullInto(router, file, {
      sourceId: req.source.context.id,
      sourceHandle: req.source.handle,
      size: req.size,
      chunk: Math.min(req.chunk || CHUNK_SIZE, 16 * 1024 * 1024),
      window: Math.max(1, Math.min(req.window || 1, 64)),
      signal,
      onProgress: (bytes) => {
        hooks?.written(bytes);
        if (report === null || req.dest === null) return;
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS && bytes !== req.size) return;
        last = now;
        report.send([router.myId, bytes]);
      },
    });
    if (req.mode !== null) await chmod(temp, req.mode);
    if (req.mtime !== null) await utimes(temp, new Date(), new Date(req.mtime));
    await file.close();
    file = null;
    if (req.dest !== null) await rename(temp, dest);
    return { path: req.dest ?? temp, result };
  } catch (e) {
    removeTemp(temp);
    throw e;
  } finally {
    await file?.close().catch(() => undefined);
  }
}

/**
 * Whether `path` is allowed, checked as given and as the file it resolves to (a symbolic link
 * in an allowed directory does not lead outside it); allowed prefixes are resolved too.
 */
async function allowedHere(path: string, allowed: string[] | null): Promise<boolean> {
  if (allowed === null) return true;
  if (!isAllowed(path, allowed)) return false;
  const resolved = await Promise.all(allowed.map((p) => realpath(p).catch(() => p)));
  const real = await realpath(path).catch(() => null);
  return real === null || isAllowed(real, resolved);
}
