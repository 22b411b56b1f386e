// ctx.files in the master: put() serves the local file to the target's FileService, which
// pulls it (chunk-source.ts / chunk-sink.ts); get() streams the remote file back under the
// stream's credit flow control and writes it here as receive() does there: temporary file,
// verified (size + sha256), renamed into place.
import { createHash } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import type { Context } from '../core/calls/context.js';
import type { ContextFiles, PutOptions, Transfer, TransferResult } from '../core/calls/files-hook.js';
import { callServiceWith } from '../core/calls/service-client.js';
import { CallError } from '../core/errors.js';
import { Sender } from '../core/messaging/sender.js';
import { CHUNK_SIZE, WINDOW, codedError } from './chunk-protocol.js';
import { ChunkSource } from './chunk-source.js';
import { localError } from './local-errors.js';
import { noteTemp, removeTemp, tempPathFor } from './temp-files.js';
import { FileTransfer, type TransferControl } from './transfer.js';
import type { ReceiveRequest } from './file-service.js';

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

export function receiveRequest(src: LocalSource, remotePath: string | null, opts: PutOptions, source: Sender, progress: Sender | null): ReceiveRequest {
  const mode = opts.mode === 'preserve' ? src.mode : typeof opts.mode === 'number' ? opts.mode : null;
  return {
    dest: remotePath,
    size: src.size,
    mode,
    mtime: opts.mtime ? src.mtimeMs : null,
    mkdirs: opts.mkdirs ?? false,
    source,
    chunk: CHUNK_SIZE,
    window: WINDOW,
    progress,
  };
}

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
      const req = receiveRequest(src, remotePath, opts, new Sender(router.myself(), source.handle), null);
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
    const stream = this.ctx.with({ ...TRANSFER_CALL(control.signal), highWaterMark: WINDOW }).stream<unknown>(FILE_SERVICE, 'readFile', remotePath, CHUNK_SIZE, this.allowed());
    const temp = tempPathFor(dest);
    let file: FileHandle | null = null;
    try {
      noteTemp(temp);
      file = await open(temp, 'wx', 0o666);
      const hash = createHash('sha256');
      let head: { size: number; mode: number; mtime: number } | null = null;
      let bytes = 0;
      let tail: { sha256: string; bytes: number } | null = null;
      for await (const v of stream) {
        if (head === null) {
          head = v as { size: number; mode: number; mtime: number };
          control.progress(0, head.size);
        } else if (v instanceof Uint8Array) {
          hash.update(v);
          let done = 0;
          while (done < v.byteLength) done += (await file.write(v, done, v.byteLength - done, bytes + done)).bytesWritten;
          bytes += v.byteLength;
          control.progress(bytes, head.size);
        } else tail = v as { sha256: string; bytes: number };
      }
      const sha256 = hash.digest('hex');
      if (head === null || tail === null || tail.bytes !== bytes || tail.sha256 !== sha256 || bytes !== head.size) {
        throw codedError('EINTEGRITY', `verification failed: received ${bytes} bytes sha256 ${sha256}, the source sent ${tail?.bytes} bytes sha256 ${tail?.sha256}`);
      }
      const mode = opts.mode === 'preserve' ? head.mode : typeof opts.mode === 'number' ? opts.mode : null;
      if (mode !== null) await chmod(temp, mode);
      if (opts.mtime) await utimes(temp, new Date(), new Date(head.mtime));
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
      await file?.close().catch(() => undefined);
    }
  }
}
