// router.listen(): a Unix socket on which other local processes of the same user attach to
// this router's tree. Each accepted process is a context of the tree (its id is allocated
// here), linked by a framed Stream over the socket; its messages carry this router's
// authority (its authId is rewritten to this router's id, as the original does), so it can
// reach every context of the tree, within the policies that apply to this router's own
// messages, and nothing more.
import { chmodSync, lstatSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamError } from '../../core/errors.js';
import { startHeartbeat } from '../../core/links/heartbeat.js';
import { Stream } from '../../core/links/stream.js';
import type { CoreRouter } from '../../core/routing/router.js';
import { NO_REPLY, OFF_AUTH, encodeFrame, frameSrc } from '../../core/wire/protocol.js';
import { encode } from '../../core/wire/codec.js';
import type { ContextTreeNode } from '../actor-tree.js';
import { watchRouter } from './router-hooks.js';
import { HANDSHAKE_VERSION, type Welcome, newKey, newNonce, proofMatches, readRecord, sendRecord } from './handshake.js';

/** Options of `router.listen()`. */
export interface ListenOptions {
  /**
   * Where the socket goes (its directory is yours to choose; an existing socket nobody listens
   * on is replaced). Default: `sock` in a new private directory (mode 0700) under the temp dir.
   */
  path?: string;
  /** How long a connecting process has to prove its uid (default 10000 ms). */
  handshakeTimeout?: number;
}

/** What a listener needs from the router it serves. */
export interface ListenerHost {
  router: CoreRouter;
  /** A new context id for an attaching process. */
  takeId(): number;
  /** The live contexts of the tree: [id, name, parentId]. */
  contexts(): [number, string, number][];
  heartbeatInterval: number;
  heartbeatMisses: number;
  /** Runs `fn` when the router shuts down; returns the removal. */
  onShutdown(fn: () => Promise<unknown>): () => void;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** How long a detached process's socket may take to end before it is closed anyway. */
const DETACH_WAIT_MS = 1000;

/** An attached process: its socket and stream, its handle for notices, why it is being detached. */
interface Attached {
  socket: Socket;
  stream: Stream;
  notices: number | null;
  detachReason: string | null;
}

/**
 * A Unix socket accepting processes of this user into the tree (`router.listen()`). It keeps
 * the process alive until {@link Listener.close} or the router's shutdown.
 */
export class Listener {
  private readonly attached = new Map<number, Attached>();
  private readonly pending = new Set<Socket>();
  private closing: Promise<void> | null = null;
  private readonly forgetShutdown: () => void;
  private readonly forgetRouter: () => void;

  /** @internal */
  constructor(
    /** The socket's path: give it to `connectUnix()`. */
    readonly path: string,
    private readonly server: Server,
    private readonly key: Buffer,
    private readonly keyPath: string,
    private readonly ownDir: string | null,
    private readonly keyDir: string,
    private readonly host: ListenerHost,
    private readonly handshakeTimeout: number,
  ) {
    server.on('connection', (socket) => void this.accept(socket));
    // Even if the process exits without closing it (not when a signal kills it).
    process.once('exit', this.removeFiles);
    this.forgetShutdown = host.onShutdown(() => this.closeFor("the listener's router shut down"));
    // An attached context declared dead here (disconnect(), a heartbeat) loses its socket;
    // contexts coming up later are told to every attached process (it knows the tree).
    this.forgetRouter = watchRouter(host.router, {
      contextDied: (id, reason) => {
        const a = this.attached.get(id);
        if (a) void this.detach(id, a, reason);
      },
      lifecycleStep: (s) => {
        if (s.event !== 'BOOTSTRAPPED' || this.attached.size === 0) return;
        for (const [id, { notices }] of this.attached) {
          if (notices !== null && id !== s.id) host.router.sendValue(id, notices, [s.id, s.name, s.parentId]);
        }
      },
    });
  }

  private readonly removeFiles = (): void => {
    rmSync(this.keyDir, { recursive: true, force: true });
    if (this.ownDir) rmSync(this.ownDir, { recursive: true, force: true });
    else rmSync(this.path, { force: true });
  };

  /** How many processes are attached now. */
  get attachedCount(): number {
    return this.attached.size;
  }

  private async accept(socket: Socket): Promise<void> {
    const { router } = this.host;
    this.pending.add(socket);
    socket.on('error', () => undefined);
    try {
      const nonce = newNonce();
      sendRecord(socket, { tendril: 'listener', version: HANDSHAKE_VERSION, uid: process.getuid?.() ?? -1, key: this.keyPath, nonce });
      const { record: hello, rest } = await readRecord(socket, this.handshakeTimeout, 'hello');
      const uid = process.getuid?.() ?? -1;
      let refusal: string | null = null;
      if (this.closing) refusal = 'the listener is closing';
      else if (hello.uid !== uid) refusal = `this listener accepts only processes of uid ${uid} (the peer says it is uid ${String(hello.uid)})`;
      else if (!proofMatches(this.key, nonce, hello.proof)) refusal = `this listener accepts only processes of uid ${uid}: the peer did not prove it can read ${this.keyPath}`;
      if (refusal !== null) {
        router.log('warn', `listener ${this.path}: refused pid ${String(hello.pid)}: ${refusal}`);
        sendRecord(socket, { refused: refusal });
        socket.end();
        return;
      }
      this.attach(socket, hello, rest);
    } catch (e) {
      router.log('warn', `listener ${this.path}: a connection failed its handshake: ${(e as Error).message}`);
      socket.destroy();
    } finally {
      this.pending.delete(socket);
    }
  }

  private attach(socket: Socket, hello: Record<string, unknown>, rest: Buffer): void {
    const { router } = this.host;
    const id = this.host.takeId();
    const asked = typeof hello.name === 'string' && /^[\w.:@-]{1,64}$/.test(hello.name) ? hello.name : null;
    const name = asked ?? `unix.${Number(hello.pid) || id}`;
    router.contextFor(id, name);
    const welcome: Welcome = {
      id,
      name,
      parentIds: [...router.parentIds, router.myId],
      peer: { id: router.myId, name: router.name },
      maxMessageSize: router.maxMessageSize,
      heartbeatInterval: this.host.heartbeatInterval,
      heartbeatMisses: this.host.heartbeatMisses,
      contexts: this.host.contexts(),
    };
    sendRecord(socket, { welcome });
    if (rest.length > 0) socket.unshift(rest);
    const record: Attached = { socket, stream: null!, notices: Number.isInteger(hello.notices) ? (hello.notices as number) : null, detachReason: null };
    const stream = new Stream(`unix:${name}`, id, socket, socket, router.maxMessageSize, {
      onFrame: (frame) => {
        // It speaks only for itself, with this router's authority.
        if (frameSrc(frame) !== id) {
          router.log('warn', `listener ${this.path}: dropped a frame from '${name}' claiming src ${frameSrc(frame)}`);
          return;
        }
        new DataView(frame.buffer, frame.byteOffset + OFF_AUTH, 4).setUint32(0, router.myId);
        router.route(frame, null);
      },
      onClose: (s, reason) => {
        this.attached.delete(id);
        router.linkDied(s, record.detachReason ?? reason);
      },
    });
    record.stream = stream;
    this.attached.set(id, record);
    router.addRoute(id, stream);
    router.lifecycle.emit({ id, name, parentId: router.myId, event: 'STARTED', reason: null, from: null });
    router.lifecycle.emit({ id, name, parentId: router.myId, event: 'BOOTSTRAPPED', reason: null, from: null });
    startHeartbeat(stream, router.myId, this.host.heartbeatInterval, this.host.heartbeatMisses);
    // The listening socket keeps the process alive; attached ones never do.
    stream.setRef(false);
  }

  /** Stops listening, removes the socket (and its private directory), and disconnects every attached process. Idempotent. */
  close(): Promise<void> {
    return this.closeFor('the listener closed');
  }

  /** Tells an attached process why it is detached (it reads it before the EOF), then closes its stream. */
  private async detach(id: number, a: Attached, reason: string): Promise<void> {
    if (a.detachReason !== null) return;
    const { router } = this.host;
    a.detachReason = reason;
    this.attached.delete(id);
    // Straight on its stream: the router may already hold it dead (and would not route to it).
    if (a.notices !== null) a.stream.send(encodeFrame(id, router.myId, router.myId, a.notices, NO_REPLY, encode(['detached', reason])));
    a.stream.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DETACH_WAIT_MS);
      a.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    a.stream.close(reason);
  }

  private closeFor(reason: string): Promise<void> {
    this.closing ??= (async () => {
      this.forgetShutdown();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.pending) socket.destroy();
      await Promise.all([...this.attached.entries()].map(([id, a]) => this.detach(id, a, reason)));
      await closed;
      this.forgetRouter();
      this.removeFiles();
      process.off('exit', this.removeFiles);
    })();
    return this.closing;
  }
}

/** Starts a listener for `host.router` (see `Router.listen`). */
export async function startListener(host: ListenerHost, opts: ListenOptions = {}): Promise<Listener> {
  const keyDir = mkdtempSync(join(tmpdir(), 'tendril-listener-'));
  const ownDir = opts.path === undefined ? keyDir : null;
  const path = opts.path ?? join(keyDir, 'sock');
  try {
    chmodSync(keyDir, 0o700);
    const key = newKey();
    const keyPath = join(keyDir, 'key');
    writeFileSync(keyPath, key, { mode: 0o600, flag: 'wx' });
    if (opts.path !== undefined) await removeStaleSocket(path);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new StreamError(`cannot listen on ${path}: ${e.code === 'EADDRINUSE' ? 'it is in use (another listener?)' : e.message}`)),
      );
      server.listen(path, () => resolve());
    });
    // Whoever connected before this was refused by the key anyway.
    chmodSync(path, 0o600);
    return new Listener(path, server, key, keyPath, ownDir, keyDir, host, opts.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
  } catch (e) {
    rmSync(keyDir, { recursive: true, force: true });
    throw e;
  }
}

/** A socket left behind by a listener that died is replaced; a live one or anything else is refused. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) throw new StreamError(`cannot listen on ${path}: it exists and is not a socket`);
  } catch (e) {
    if (e instanceof StreamError) throw e;
    return; // nothing there
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new StreamError(`cannot listen on ${path}: another process listens there`);
  unlinkSync(path);
}

/** The live contexts of a context tree below its root, as [id, name, parentId]. */
export function liveContexts(root: ContextTreeNode): [number, string, number][] {
  const out: [number, string, number][] = [];
  const walk = (node: ContextTreeNode): void => {
    for (const child of node.children) {
      if (child.state !== 'dead') out.push([child.id, child.name, node.id]);
      walk(child);
    }
  };
  walk(root);
  return out;
}
