// ctx.files in the master: put() serves the local file to the target's FileService, which
// pulls it (chunk-source.ts / chunk-sink.ts); get() is the same pull the other way: the
// target's FileService.serve() serves the remote file, the master pulls it into a temporary
// file, verified (size + sha256) and renamed into place as receive() does there.
import { chmod, mkdir, open, rename, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { Context } from '../core/calls/context.js';
import type { ContextFiles, PutOptions, Transfer, TransferResult } from '../core/calls/files-hook.js';
import { callServiceWith } from '../core/calls/service-client.js';
import { CallError, ChannelError } from '../core/errors.js';
import { Sender } from '../core/messaging/sender.js';
import { chunking, codedError, type Served } from './chunk-protocol.js';
import { SourceGone, pullInto } from './chunk-sink.js';
import { ChunkSource } from './chunk-source.js';
import { localError } from './local-errors.js';
import { noteTemp, removeTemp, tempPathFor } from './temp-files.js';
import { dropFreeFrames } from '../core/wire/frame-pool.js';
import { FileTransfer, type TransferControl } from './transfer.js';
import type { ReceiveRequest, ServeHead } from './file-service.js';
import type { CoreRouter } from '../core/routing/router.js';

/**
 * The FileService module, served to children from the master: next to this file when tendril
 * runs from its sources, dist/files/file-service.js when it runs built (dist/index.js is one
 * bundle; scripts/build.mjs builds that file on top of it).
 */
export const FILE_SERVICE = (
  import.meta.url.endsWith('.ts') ? new URL('./file-service.ts', import.meta.url) : new URL('./files/file-service.js', import.meta.url)
).href;

/**
 * The options of a transfer's call: no timeout (a large file takes what it takes; the
 * router's callTimeout is for calls), ended by cancel() or by a death like any call.
 */
export const TRANSFER_CALL = (signal: AbortSignal): { signal: AbortSignal; timeout: number } => ({ signal, timeout: 0 });

/** What a local source is: an open file, its size, mode and mtime. */
export interface LocalSource {
  file: FileHandle;
  size: number;
  mode: number;
  mtimeMs: number;
}

export async function openSource(localPath: string): Promise<LocalSource> {
  let file: FileHandle;
  try {
    file = await open(localPath, 'r');
  } catch (e) {
    throw localError(e, `cannot read ${localPath}`);
  }
  const st = await file.stat();
  if (!st.isFile()) {
    await file.close();
    throw localError(codedError('EISDIR', `${localPath} is not a regular file`), `cannot send ${localPath}`);
  }
  return { file, size: st.size, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs };
}

export function receiveRequest(router: CoreRouter, src: LocalSource, remotePath: string | null, opts: PutOptions, source: Sender, progress: Sender | null): ReceiveRequest {
  const mode = opts.mode === 'preserve' ? src.mode : typeof opts.mode === 'number' ? opts.mode : null;
  return {
    dest: remotePath,
    size: src.size,
    mode,
    mtime: opts.mtime ? src.mtimeMs : null,
    mkdirs: opts.mkdirs ?? false,
    source,
    ...chunking(router.maxMessageSize),
    progress,
  };
}

/** Gets pulling now: the last one to end drops the chunk frames kept for reuse (frame-pool.ts). */
let pulling = 0;

export class MasterContextFiles implements ContextFiles {
  constructor(
    private readonly ctx: Context,
    private readonly allowed: () => string[] | null,
  ) {}

  put(localPath: string, remotePath: string, opts: PutOptions = {}): Transfer {
    return new FileTransfer((control) => this.runPut(localPath, remotePath, opts, control));
  }

  get(remotePath: string, localPath: string, opts: PutOptions = {}): Transfer {
    return new FileTransfer((control) => this.runGet(remotePath, localPath, opts, control));
  }

  private async runPut(localPath: string, remotePath: string, opts: PutOptions, control: TransferControl): Promise<TransferResult> {
    const ctx = this.ctx;
    const router = ctx.router;
    const src = await openSource(localPath);
    const source = new ChunkSource(router, src.file, src.size, {
      allows: (id) => id === ctx.id,
      onServed: (_id, bytes) => control.progress(bytes, src.size),
    });
    const onAbort = (): void => source.fail('ECANCELED', `transfer cancelled: ${String(control.signal.reason)}`);
    control.signal.addEventListener('abort', onAbort, { once: true });
    control.progress(0, src.size);
    try {
      const req = receiveRequest(router, src, remotePath, opts, new Sender(router.myself(), source.handle), null);
      const r = (await callServiceWith(ctx, TRANSFER_CALL(control.signal), FILE_SERVICE, 'FileService', 'receive', [req])) as TransferResult;
      return { bytes: r.bytes, sha256: r.sha256 };
    } finally {
      control.signal.removeEventListener('abort', onAbort);
      source.close();
      await src.file.close();
    }
  }

  private async runGet(remotePath: string, localPath: string, opts: PutOptions, control: TransferControl): Promise<TransferResult> {
    const dest = resolvePath(localPath);
    if (!isAbsolute(remotePath)) throw localError(codedError('EINVAL', `source must be an absolute path (got ${remotePath})`), 'get');
    try {
      if (opts.mkdirs) await mkdir(dirname(dest), { recursive: true });
      else if (!(await stat(dirname(dest))).isDirectory()) throw codedError('ENOTDIR', `${dirname(dest)} is not a directory`);
    } catch (e) {
      throw localError(e, `cannot write ${dest}`);
    }
    const ctx = this.ctx;
    const router = ctx.router;
    // The serving side (FileService.serve) ends with our DONE, or when this call is cancelled:
    // by the caller's cancel(), or here when this side fails (a full disk).
    const abort = new AbortController();
    const stop = (): void => abort.abort(control.signal.reason);
    control.signal.addEventListener('abort', stop, { once: true });
    let onHead: (h: ServeHead) => void = () => undefined;
    const head = new Promise<ServeHead>((resolve) => (onHead = resolve));
    const headHandle = router.addHandler(
      (msg) => {
        if (!msg.isDead) onHead(msg.decode() as ServeHead);
      },
      { persist: false, respondent: { id: ctx.id } },
    );
    const serving = callServiceWith(ctx, TRANSFER_CALL(abort.signal), FILE_SERVICE, 'FileService', 'serve', [remotePath, this.allowed(), new Sender(router.myself(), headHandle)]) as Promise<Served>;
    serving.catch(() => undefined); // awaited below, or abandoned for an earlier failure
    const temp = tempPathFor(dest);
    let file: FileHandle | null = null;
    try {
      // The serve call fails before the head (a missing or refused file), or sends the head.
      const h = await Promise.race([head, serving.then((): never => { throw codedError('EPROTO', `${remotePath} was served without its size`); })]);
      if (!Number.isSafeInteger(h.handle) || !Number.isSafeInteger(h.size) || h.size < 0) throw codedError('EPROTO', 'malformed answer of FileService.serve');
      control.progress(0, h.size);
      noteTemp(temp);
      file = await open(temp, 'wx', 0o666);
      const { chunk, window } = chunking(router.maxMessageSize);
      let result: Served;
      pulling++;
      try {
        result = await pullInto(router, file, {
          sourceId: ctx.id,
          sourceHandle: h.handle,
          size: h.size,
          chunk,
          window,
          signal: abort.signal,
          onProgress: (bytes) => control.progress(bytes, h.size),
        });
      } catch (e) {
        // The serving side's death fails the pull and the serve call in one sweep: the call's
        // ChannelError says more than ours, and it is settled or about to be. Any other
        // failure of the pull (ours, or one the source answered with) ends the serve.
        if (e instanceof SourceGone) throw await serving.then(() => e, (f: unknown) => (f instanceof ChannelError ? f : e));
        abort.abort(e);
        throw e;
      } finally {
        if (--pulling === 0) dropFreeFrames();
      }
      await serving;
      const bytes = result.bytes;
      const sha256 = result.sha256;
      const mode = opts.mode === 'preserve' ? h.mode : typeof opts.mode === 'number' ? opts.mode : null;
      if (mode !== null) await chmod(temp, mode);
      if (opts.mtime) await utimes(temp, new Date(), new Date(h.mtime));
      await file.close();
      file = null;
      await rename(temp, dest);
      return { bytes, sha256 };
    } catch (e) {
      removeTemp(temp);
      if (control.signal.aborted) throw control.signal.reason;
      const errno = !(e instanceof CallError) && typeof (e as NodeJS.ErrnoException | null)?.code === 'string';
      throw errno ? localError(e, `get ${remotePath} to ${dest}`) : e;
    } finally {
      abort.abort(new Error('get ended')); // nothing more to serve, whatever happened
      router.delHandler(headHandle);
      control.signal.removeEventListener('abort', stop);
      await file?.close().catch(() => undefined);
    }
  }
}
