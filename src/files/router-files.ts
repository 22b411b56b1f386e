// router.files: push a file down the tree (push-plan.ts, FileService.relay) and the paths a
// get may read (allow). Registers ctx.files for the master's contexts (core's files hook).
import { Observable, Subject } from 'rxjs';
import type { Context } from '../core/calls/context.js';
import { setFilesHook, type PutOptions, type Transfer, type TransferResult } from '../core/calls/files-hook.js';
import { callServiceWith } from '../core/calls/service-client.js';
import { CallError } from '../core/errors.js';
import { Sender } from '../core/messaging/sender.js';
import type { Message } from '../core/messaging/message.js';
import type { CoreRouter } from '../core/routing/router.js';
import { ChunkSource } from './chunk-source.js';
import { FILE_SERVICE, MasterContextFiles, TRANSFER_CALL, openSource, receiveRequest } from './context-files.js';
import { planPush, targetIds } from './push-plan.js';
import type { RelayReport, RelayRequest } from './file-service.js';
import { FileTransfer } from './transfer.js';

/** Progress of one target of a push. */
export interface PushProgress {
  /** The target. */
  context: Context;
  /** Bytes of its copy written so far. */
  bytes: number;
  /** The file's size. */
  total: number;
}

/** A push: a {@link Transfer} whose bytes are those that crossed the master's links, with each target's progress. */
export interface PushTransfer extends Transfer {
  /** Each target's progress as its copy grows (completes when the push ends). */
  readonly targets$: Observable<PushProgress>;
}

const byRouter = new WeakMap<CoreRouter, RouterFiles>();

/** File transfer from the master's Router (`router.files`). */
export class RouterFiles {
  private allowed: string[] | null = null;

  /** @internal Made by the Router. */
  constructor(private readonly router: CoreRouter) {
    byRouter.set(router, this);
  }

  /**
   * Allows get() to read `pathOrPrefix` (an absolute file, or a directory and everything
   * below it). Until the first call everything may be read; after it, only what was allowed,
   * checked as given and as resolved in the context (a link in an allowed directory does not
   * lead out); a refused get is a CallError with code EPERM. An opt-in guard (for paths a user
   * typed): the master can run any code in its contexts anyway. What protects the master's
   * and intermediates' files from children is that nothing is served by path upwards: a
   * context serves only the file of a transfer it started, to that transfer's targets.
   */
  allow(pathOrPrefix: string): void {
    if (typeof pathOrPrefix !== 'string' || !pathOrPrefix.startsWith('/')) throw new TypeError(`files.allow(): an absolute path, not ${String(pathOrPrefix)}`);
    (this.allowed ??= []).push(pathOrPrefix);
  }

  /** @internal What get() sends along (null: everything). */
  allowList(): string[] | null {
    return this.allowed === null ? null : [...this.allowed];
  }

  /**
   * Copies the master's `localPath` to `remotePath` in every one of `contexts`, down the tree:
   * the file crosses each link once (a context on the way keeps a copy while it serves the
   * contexts it started). Rejects with the first target's failure once all ended.
   */
  push(contexts: readonly Context[], localPath: string, remotePath: string, opts: PutOptions = {}): PushTransfer {
    const targets = new Subject<PushProgress>();
    const router = this.router;
    const transfer = new FileTransfer(async (control): Promise<TransferResult> => {
      const plan = planPush(router, contexts, remotePath);
      const src = await openSource(localPath);
      const ids = new Set(plan.map((n) => n.ctx.id));
      const source = new ChunkSource(router, src.file, src.size, { allows: (id) => ids.has(id) });
      const progressHandle = router.addHandler((msg: Message) => {
        if (msg.isDead) return;
        const v = msg.decode() as [number, number];
        const ctx = router.contextById(v[0]);
        if (ctx) targets.next({ context: ctx, bytes: v[1], total: src.size });
        control.progress(source.served, src.size * ids.size);
      }, { persist: true });
      const onAbort = (): void => source.fail('ECANCELED', `push cancelled: ${String(control.signal.reason)}`);
      control.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const progress = new Sender(router.myself(), progressHandle);
        const sender = new Sender(router.myself(), source.handle);
        const reports = (
          await Promise.all(
            plan.map((node) => {
              const req: RelayRequest = { ...receiveRequest(router, src, node.dest, opts, sender, progress), children: node.children, fsUrl: FILE_SERVICE };
              return callServiceWith(node.ctx, TRANSFER_CALL(control.signal), FILE_SERVICE, 'FileService', 'relay', [req]).then(
                (r) => r as RelayReport[],
                (e: unknown) => targetIds([node]).map((id): RelayReport => ({ id, error: { code: String((e as CallError).code ?? 'ECONNRESET'), message: String((e as Error).message ?? e) } })),
              );
            }),
          )
        ).flat();
        const failed = reports.find((r) => 'error' in r);
        if (failed && 'error' in failed) {
          const ctx = router.contextById(failed.id);
          throw new CallError('PushError', `push to ${ctx?.name ?? `#${failed.id}`} failed: ${failed.error.message}`, '', ctx ? { id: ctx.id, name: ctx.name } : null, { code: failed.error.code });
        }
        const ok = reports.find((r) => !('error' in r)) as { sha256: string } | undefined;
        return { bytes: source.served, sha256: ok?.sha256 ?? '' };
      } finally {
        control.signal.removeEventListener('abort', onAbort);
        router.delHandler(progressHandle);
        source.close();
        await src.file.close();
        targets.complete();
      }
    });
    return Object.assign(transfer, { targets$: targets.asObservable() }) as FileTransfer & PushTransfer;
  }
}

setFilesHook((ctx) => {
  const files = byRouter.get(ctx.router);
  if (files === undefined) throw new TypeError(`${ctx.name}.files: file transfer is available from the master's Router only`);
  return new MasterContextFiles(ctx, () => files.allowList());
});
