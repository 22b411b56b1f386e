// The table of reserved handles: every module of this folder, by number. Runtime code reads
// RESERVED_HANDLES and reservedHandle(); HANDLE_DOCS is for docs/protocol.md only, and as
// nothing in the child references it, the bundler leaves its prose out of the child payload.
import { addRouteHandle, addRoutePurpose } from './add-route.js';
import { allocateIdHandle, allocateIdPurpose } from './allocate-id.js';
import { callFunctionHandle, callFunctionPurpose } from './call-function.js';
import { callServiceHandle, callServicePurpose } from './call-service.js';
import { createChildHandle, createChildPurpose } from './create-child.js';
import { delRouteHandle, delRoutePurpose } from './del-route.js';
import { detachingHandle, detachingPurpose } from './detaching.js';
import { forgetChainHandle, forgetChainPurpose } from './forget-chain.js';
import { forwardLogHandle, forwardLogPurpose } from './forward-log.js';
import { forwardModuleHandle, forwardModulePurpose } from './forward-module.js';
import { heartbeatHandle, heartbeatPurpose } from './heartbeat.js';
import { loadModuleHandle, loadModulePurpose } from './load-module.js';
import { shutdownHandle, shutdownPurpose } from './shutdown.js';
import { lastWordsHandle, lastWordsPurpose } from './last-words.js';
import { lifecycleHandle, lifecyclePurpose } from './lifecycle.js';
import { contextStateHandle, contextStatePurpose } from './context-state.js';
import { cancelHandle, cancelPurpose } from './cancel.js';
import { streamCallHandle, streamCallPurpose } from './stream-call.js';
import type { ReservedHandle } from './reserved-handle.js';

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

/** Each handle with docs/protocol.md's description of it (docs and tests only). */
export const HANDLE_DOCS: readonly (readonly [ReservedHandle, string])[] = [
  [callFunctionHandle, callFunctionPurpose],
  [forwardLogHandle, forwardLogPurpose],
  [addRouteHandle, addRoutePurpose],
  [delRouteHandle, delRoutePurpose],
  [allocateIdHandle, allocateIdPurpose],
  [shutdownHandle, shutdownPurpose],
  [loadModuleHandle, loadModulePurpose],
  [forwardModuleHandle, forwardModulePurpose],
  [detachingHandle, detachingPurpose],
  [callServiceHandle, callServicePurpose],
  [heartbeatHandle, heartbeatPurpose],
  [forgetChainHandle, forgetChainPurpose],
  [createChildHandle, createChildPurpose],
  [lastWordsHandle, lastWordsPurpose],
  [lifecycleHandle, lifecyclePurpose],
  [contextStateHandle, contextStatePurpose],
  [cancelHandle, cancelPurpose],
  [streamCallHandle, streamCallPurpose],
];

const byNumber: (ReservedHandle | undefined)[] = [];
for (const h of RESERVED_HANDLES) byNumber[h.id] = h;

/** The reserved handle with this number, if there is one. */
export function reservedHandle(id: number): ReservedHandle | undefined {
  return byNumber[id];
}
