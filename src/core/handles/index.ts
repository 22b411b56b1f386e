// The table of reserved handles: every module of this folder, by number. Runtime code reads
// RESERVED_HANDLES and reservedHandle(); HANDLE_DOCS is for docs/protocol.md only, and as
// nothing in the child references it, the bundler leaves its prose out of the child payload.
import { addRouteHandle, addRoutePurpose } from './add-route.js';
import { allocateIdHandle, allocateIdPurpose, allocateIdReply } from './allocate-id.js';
import { callFunctionHandle, callFunctionPurpose, callFunctionReply } from './call-function.js';
import { callServiceHandle, callServicePurpose, callServiceReply } from './call-service.js';
import { createChildHandle, createChildPurpose, createChildReply } from './create-child.js';
import { delRouteHandle, delRoutePurpose } from './del-route.js';
import { detachingHandle, detachingPurpose } from './detaching.js';
import { forgetChainHandle, forgetChainPurpose } from './forget-chain.js';
import { forwardLogHandle, forwardLogPurpose } from './forward-log.js';
import { forwardModuleHandle, forwardModulePurpose, forwardModuleReply } from './forward-module.js';
import { heartbeatHandle, heartbeatPurpose } from './heartbeat.js';
import { loadModuleHandle, loadModulePurpose, loadModuleReply } from './load-module.js';
import { shutdownHandle, shutdownPurpose } from './shutdown.js';
import { lastWordsHandle, lastWordsPurpose } from './last-words.js';
import { lifecycleHandle, lifecyclePurpose } from './lifecycle.js';
import { contextStateHandle, contextStatePurpose } from './context-state.js';
import { cancelHandle, cancelPurpose } from './cancel.js';
import { streamCallHandle, streamCallPurpose, streamCallReply } from './stream-call.js';
import type { ReservedHandle } from './reserved-handle.js';

/** A handle, its purpose and its reply as docs/protocol.md states them (null: no reply). */
export type HandleDoc = readonly [ReservedHandle, string, string | null];

/** Every reserved handle, in number order. */
export const RESERVED_HANDLES: readonly ReservedHandle[] = [
  callFunctionHandle,
  forwardLogHandle,
  addRouteHandle,
  delRouteHandle,
  allocateIdHandle,
  shutdownHandle,
  loadModuleHandle,
  forwardModuleHandle,
  detachingHandle,
  callServiceHandle,
  heartbeatHandle,
  forgetChainHandle,
  createChildHandle,
  lastWordsHandle,
  lifecycleHandle,
  contextStateHandle,
  cancelHandle,
  streamCallHandle,
];

/** Each handle with docs/protocol.md's description of it and of its reply (null: none); docs and tests only. */
export const HANDLE_DOCS: readonly HandleDoc[] = [
  [callFunctionHandle, callFunctionPurpose, callFunctionReply],
  [forwardLogHandle, forwardLogPurpose, null],
  [addRouteHandle, addRoutePurpose, null],
  [delRouteHandle, delRoutePurpose, null],
  [allocateIdHandle, allocateIdPurpose, allocateIdReply],
  [shutdownHandle, shutdownPurpose, null],
  [loadModuleHandle, loadModulePurpose, loadModuleReply],
  [forwardModuleHandle, forwardModulePurpose, forwardModuleReply],
  [detachingHandle, detachingPurpose, null],
  [callServiceHandle, callServicePurpose, callServiceReply],
  [heartbeatHandle, heartbeatPurpose, null],
  [forgetChainHandle, forgetChainPurpose, null],
  [createChildHandle, createChildPurpose, createChildReply],
  [lastWordsHandle, lastWordsPurpose, null],
  [lifecycleHandle, lifecyclePurpose, null],
  [contextStateHandle, contextStatePurpose, null],
  [cancelHandle, cancelPurpose, null],
  [streamCallHandle, streamCallPurpose, streamCallReply],
];

const byNumber: (ReservedHandle | undefined)[] = [];
for (const h of RESERVED_HANDLES) byNumber[h.id] = h;

/** The reserved handle with this number, if there is one. */
export function reservedHandle(id: number): ReservedHandle | undefined {
  return byNumber[id];
}
