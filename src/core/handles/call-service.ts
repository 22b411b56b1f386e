// CALL_SERVICE: a call of a service method (src/core/calls/service.ts). The data is a call
// tuple like CALL_FUNCTION's, but the function must be a service's entry (`Class.__tendrilService`):
// only exposed methods run, each checking its own policy. Unlike CALL_FUNCTION, anyone who can
// reach the context may send it, so that `@expose({ policy: 'any' })` (or a policy function)
// can admit a sibling; the entry refuses callers without parent authority for 'parent' methods.
import type { CallTuple } from '../calls/call-message.js';
import { callFunctionHandle } from './call-function.js';
import { ANYONE } from './handle-policy.js';
import { MALFORMED, type ReservedHandle } from './reserved-handle.js';

/** The static method every service call goes through (service.ts defines it on Service). */
export const SERVICE_ENTRY = '__tendrilService';
const ENTRY_SUFFIX = `.${SERVICE_ENTRY}`;

/** CALL_SERVICE (10): `[chainId | nil, module, 'Class.__tendrilService', [method, args], limit?]`. */
export const callServiceHandle: ReservedHandle<CallTuple> = {
  id: 10,
  name: 'CALL_SERVICE',
  thread: 'dispatcher',
  handledIn: ['child'],
  policy: ANYONE,
  data: "[chainId | nil, module, 'Class.__tendrilService', [method, args], limit?]",
  parse: (v) => {
    const call = callFunctionHandle.parse(v);
    return call !== MALFORMED && call[2].endsWith(ENTRY_SUFFIX) && call[2].length > ENTRY_SUFFIX.length ? call : MALFORMED;
  },
};

/** docs/protocol.md's description (docs only: left out of the child payload). */
export const callServicePurpose =
  "call an exposed method of a service class (ctx.callService): open to any sender, the service's entry checks the method's policy (parent authority by default); the master never handles it";

/** docs/protocol.md's reply column (docs only: left out of the child payload). */
export const callServiceReply =
  'the result, or a CallError (extension 0x46)';
