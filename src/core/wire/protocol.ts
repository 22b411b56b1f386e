// The wire format shared by every context. docs/protocol.md is the prose version.
//
// Frame = 26-byte header (big-endian) + `length` bytes of data.
//   u16 magic/version | u32 dstId | u32 srcId | u32 authId | u32 handle | u32 replyTo | u32 length
import { reservedHandle } from '../handles/index.js';
import { addRouteHandle } from '../handles/add-route.js';
import { allocateIdHandle } from '../handles/allocate-id.js';
import { callFunctionHandle } from '../handles/call-function.js';
import { callServiceHandle } from '../handles/call-service.js';
import { createChildHandle } from '../handles/create-child.js';
import { delRouteHandle } from '../handles/del-route.js';
import { detachingHandle } from '../handles/detaching.js';
import { forgetChainHandle } from '../handles/forget-chain.js';
import { forwardLogHandle } from '../handles/forward-log.js';
import { forwardModuleHandle } from '../handles/forward-module.js';
import { heartbeatHandle } from '../handles/heartbeat.js';
import { loadModuleHandle } from '../handles/load-module.js';
import { shutdownHandle } from '../handles/shutdown.js';

export const MAGIC = 0x7e01; // high byte: marker, low byte: protocol version
export const HEADER_SIZE = 26;

export const OFF_DST = 2;
export const OFF_SRC = 6;
export const OFF_AUTH = 10;
export const OFF_HANDLE = 14;
export const OFF_REPLY_TO = 18;
export const OFF_LENGTH = 22;

/** `replyTo` of a frame that expects no reply. */
export const NO_REPLY = 0;
/** `replyTo` of a dead message; its data is the UTF-8 reason. */
export const IS_DEAD = 0xffffffff;

export const DEFAULT_MAX_MESSAGE_SIZE = 128 * 1024 * 1024;

// Reserved handles (numbers below FIRST_USER_HANDLE, never allocated dynamically): one module
// each in src/core/handles/ (number, name, data shape, thread, policy); these are their numbers.
export const CALL_FUNCTION = callFunctionHandle.id;
export const FORWARD_LOG = forwardLogHandle.id;
export const ADD_ROUTE = addRouteHandle.id;
export const DEL_ROUTE = delRouteHandle.id;
export const ALLOCATE_ID = allocateIdHandle.id;
export const SHUTDOWN = shutdownHandle.id;
export const LOAD_MODULE = loadModuleHandle.id;
export const FORWARD_MODULE = forwardModuleHandle.id;
export const DETACHING = detachingHandle.id;
export const CALL_SERVICE = callServiceHandle.id;
export const HEARTBEAT = heartbeatHandle.id;
export const FORGET_CHAIN = forgetChainHandle.id;
/** Ask a context to start a child of its own (via=, currentRouter().local()). */
export const CREATE_CHILD = createChildHandle.id;

export const FIRST_USER_HANDLE = 1000;
/** Handles at or above this belong to a child's dispatcher thread; the broker hands them over. */
export const FIRST_DISPATCHER_HANDLE = 0x80000000;
export const LAST_HANDLE = 0xfffffffe;

/** Writes a header into `buf` at `at`. */
export function writeHeader(
  buf: Uint8Array,
  at: number,
  dstId: number,
  srcId: number,
  authId: number,
  handle: number,
  replyTo: number,
  length: number,
): void {
  // Byte stores, not a DataView: a view per frame was an allocation on every send (issue 12).
  buf[at] = MAGIC >>> 8;
  buf[at + 1] = MAGIC & 0xff;
  putU32(buf, at + OFF_DST, dstId);
  putU32(buf, at + OFF_SRC, srcId);
  putU32(buf, at + OFF_AUTH, authId);
  putU32(buf, at + OFF_HANDLE, handle);
  putU32(buf, at + OFF_REPLY_TO, replyTo);
  putU32(buf, at + OFF_LENGTH, length);
}

/** `v` as an unsigned 32-bit big-endian integer at `at` (a Uint8Array store truncates to the low byte). */
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

const utf8 = new TextEncoder();

/** A dead frame from `srcId` to `dstId`'s `handle`: its data is the UTF-8 reason. */
export function deadFrame(dstId: number, srcId: number, handle: number, reason: string): Uint8Array {
  return encodeFrame(dstId, srcId, srcId, handle, IS_DEAD, utf8.encode(reason));
}

/** Pieces of one frame (total bytes given) joined into one buffer. */
export function joinPieces(pieces: readonly Uint8Array[], total: number): Uint8Array {
  const joined = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.byteLength;
  }
  return joined;
}

/** A whole frame (header + data) in one fresh buffer: the only copy of the data on send. */
export function encodeFrame(
  dstId: number,
  srcId: number,
  authId: number,
  handle: number,
  replyTo: number,
  data: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + data.byteLength);
  writeHeader(frame, 0, dstId, srcId, authId, handle, replyTo, data.byteLength);
  frame.set(data, HEADER_SIZE);
  return frame;
}

const u32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

export const frameDst = (f: Uint8Array): number => u32(f, OFF_DST);
export const frameSrc = (f: Uint8Array): number => u32(f, OFF_SRC);
export const frameAuth = (f: Uint8Array): number => u32(f, OFF_AUTH);
export const frameHandle = (f: Uint8Array): number => u32(f, OFF_HANDLE);
export const frameReplyTo = (f: Uint8Array): number => u32(f, OFF_REPLY_TO);
export const frameLength = (f: Uint8Array): number => u32(f, OFF_LENGTH);
export const frameMagic = (f: Uint8Array): number => (f[0]! << 8) | f[1]!;

/** A handle as logs and dead-message reasons name it: the reserved name, else the number. */
export function describeHandle(handle: number): string {
  return reservedHandle(handle)?.name ?? String(handle);
}
