// connectUnix(path): attaches this process to the tree of a router that listens on a Unix
// socket (router.listen()): the handshake proves this process's uid (handshake.ts), then
// frames flow over the socket like on any stream of the tree.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Context } from '../../core/calls/context.js';
import { StreamError } from '../../core/errors.js';
import { startHeartbeat } from '../../core/links/heartbeat.js';
import { Stream } from '../../core/links/stream.js';
import { FIRST_USER_HANDLE } from '../../core/wire/protocol.js';
import { AttachedRouter } from './attached-router.js';
import { HANDSHAKE_VERSION, type Welcome, proofOf, readRecord, sendRecord } from './handshake.js';

/** Options of {@link connectUnix}. */
export interface ConnectUnixOptions {
  /** This process's context name in the tree (default `unix.<pid>`). */
  name?: string;
  /** Give up when the handshake takes longer (default 10000 ms). */
  connectTimeout?: number;
}

/** What {@link connectUnix} gives: this process's router, and the listener's context. */
export interface UnixConnection {
  /** This process's router, a context of the listener's tree. */
  router: AttachedRouter;
  /** The listener's router as a context: the parent of this one. */
  peer: Context;
}

/** Handle of the news of contexts coming up (chosen before the router exists; never allocated). */
const NOTICES = FIRST_USER_HANDLE;

/**
 * Attaches this process to the tree of the router listening at `path` (`router.listen()`).
 * Only a process of the listener's uid is accepted (it proves it by reading the listener's key
 * file); any other gets a StreamError that says so. Every context of the tree that is running
 * when it attaches is known to `router.contextById()`; later ones arrive as they come up.
 */
export async function connectUnix(path: string, opts: ConnectUnixOptions = {}): Promise<UnixConnection> {
  const timeout = opts.connectTimeout ?? 10_000;
  const socket = await open(path);
  try {
    const { record: challenge } = await readRecord(socket, timeout, 'challenge').catch((e: Error) => {
      throw new StreamError(`${path}: not a tendril listener (${e.message})`);
    });
    if (challenge.tendril !== 'listener' || challenge.version !== HANDSHAKE_VERSION || typeof challenge.key !== 'string' || typeof challenge.nonce !== 'string') {
      throw new StreamError(`${path}: not a tendril listener of handshake version ${HANDSHAKE_VERSION}`);
    }
    const uid = process.getuid?.() ?? -1;
    let key: Buffer;
    try {
      key = readFileSync(challenge.key);
    } catch (e) {
      throw new StreamError(
        `refused by the listener at ${path}: it accepts only processes of uid ${String(challenge.uid)}, and this process is uid ${uid} (cannot read its key ${challenge.key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    sendRecord(socket, { proof: proofOf(key, challenge.nonce), uid, pid: process.pid, name: opts.name ?? `unix.${process.pid}`, notices: NOTICES });
    const { record: answer, rest } = await readRecord(socket, timeout, 'welcome').catch((e: Error) => {
      throw new StreamError(`the listener at ${path} did not accept this process: ${e.message}`);
    });
    if (typeof answer.refused === 'string') throw new StreamError(`refused by the listener at ${path}: ${answer.refused}`);
    const welcome = answer.welcome as Welcome | undefined;
    if (!welcome || typeof welcome.id !== 'number') throw new StreamError(`the listener at ${path} sent no welcome`);
    const router = new AttachedRouter(welcome, path);
    router.addHandler(
      (msg) => {
        const v = msg.decode();
        if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string' && typeof v[2] === 'number') router.learn(v[0], v[1], v[2]);
        else if (Array.isArray(v) && v[0] === 'detached' && typeof v[1] === 'string') router.detached(v[1]);
      },
      { handle: NOTICES, policy: (msg) => msg.srcId === welcome.peer.id },
    );
    if (rest.length > 0) socket.unshift(rest);
    const stream = new Stream('listener', welcome.peer.id, socket, socket, welcome.maxMessageSize, {
      onFrame: (frame, s) => router.route(frame, s),
      onClose: (_s, reason) => router.lost(reason),
    });
    router.attach(stream);
    startHeartbeat(stream, welcome.id, welcome.heartbeatInterval, welcome.heartbeatMisses);
    // The router keeps the process alive only while something is pending.
    stream.setRef(false);
    return { router, peer: router.peer };
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ENOENT' ? 'no such socket (is the listener running?)'
        : e.code === 'ECONNREFUSED' ? 'nothing listens there (a stale socket)'
        : e.code === 'EACCES' ? 'permission denied: the socket belongs to another user (mode 0600), and a listener accepts only processes of its own uid'
        : e.message;
      reject(new StreamError(`cannot connect to the listener at ${path}: ${why}`));
    });
  });
}
