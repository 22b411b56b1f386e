// The core modules of this thread, by name, for the on-demand bundles: the parent bundle
// (shipped when a child becomes a parent) and the dispatcher's extras (child/on-demand.ts): they must
// share the live runtime (classes, routes), not bring copies.
// Keys are paths under src/core without extension (scripts/build.mjs, share-core). Pure modules
// the payload itself does not run (the first stage) are not here: each bundle brings its copy.
// Each entry lists only the exports the bundles use, never a whole namespace: a namespace keeps
// every export of its module in the child payload. scripts/build.mjs fails when a bundle uses a
// name that is not listed here.
import { GRACE_EXPIRED } from '../routing/deaths.js';
import { decode, encode, encodeFrameGathered } from '../wire/codec.js';
import { descendants } from './descendants.js';
import { CallError, ChannelError, HostKeyError, PasswordError, StreamError, TendrilError, TimeoutError } from '../errors.js';
import { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_MISSES, startHeartbeat } from '../links/heartbeat.js';
import { IdAllocator } from '../routing/id-allocator.js';
import { CALL_SERVICE, FORGET_CHAIN, FORWARD_LOG, NO_REPLY, SHUTDOWN } from '../wire/protocol.js';
import { announceChild } from '../routing/route-control.js';
import { Stream } from '../links/stream.js';
import { printedLine, toWire } from '../logging/log-record.js';
import { LineSplitter } from '../logging/line-splitter.js';
import { payloadOrDrop, readPayload } from '../handles/payload.js';
import { createChildHandle } from '../handles/create-child.js';
import { installHandle } from '../handles/install.js';
import { lastWordsHandle } from '../handles/last-words.js';
// What the dispatcher's on-demand extras bundle takes from the live core (src/core/child/on-demand.ts).
import { MAX_TIMER_MS, NO_OPTIONS, callAsyncWith, callNoReplyWith, callWith, describeReason, limitOf, mergeCallOptions, timeoutOf } from '../calls/call-options.js';
import { callerContext, callerHasParentAuthority, currentCall, runInCall } from '../calls/current.js';
import { normalizeModuleSpec } from '../calls/module-spec.js';
import { RunningCall } from '../calls/running-call.js';
import { isThenable } from '../calls/thenable.js';
import { SERVICE_ENTRY } from '../handles/call-service.js';
import { cancelHandle } from '../handles/cancel.js';
import { streamCallHandle } from '../handles/stream-call.js';
import { SENDER_CLOSED } from '../messaging/message.js';
import { deadMessageOf, pollReceiver, selectOwner, setSelectOwner } from '../messaging/receiver.js';
import { untilClosed } from '../messaging/until-closed.js';
import { loadModule, loadedModule } from '../modules/module-loader.js';

export const coreModules: Record<string, unknown> = {
  'wire/codec': { decode, encode, encodeFrameGathered },
  'child/descendants': { descendants },
  errors: { CallError, ChannelError, HostKeyError, PasswordError, StreamError, TendrilError, TimeoutError },
  'links/heartbeat': { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_MISSES, startHeartbeat },
  'routing/id-allocator': { IdAllocator },
  'wire/protocol': { CALL_SERVICE, FORGET_CHAIN, FORWARD_LOG, NO_REPLY, SHUTDOWN },
  'routing/route-control': { announceChild },
  'links/stream': { Stream },
  'logging/log-record': { printedLine, toWire },
  // The broker splits full-PTY prints with it (child/fifo-prints.ts); parents split their children's.
  'logging/line-splitter': { LineSplitter },
  'handles/payload': { payloadOrDrop, readPayload },
  // Not the namespaces: those would keep the handles' docs prose in the child payload.
  'handles/create-child': { createChildHandle },
  'handles/install': { installHandle },
  'handles/last-words': { lastWordsHandle },
  'routing/deaths': { GRACE_EXPIRED },
  'calls/call-options': { MAX_TIMER_MS, NO_OPTIONS, callAsyncWith, callNoReplyWith, callWith, describeReason, limitOf, mergeCallOptions, timeoutOf },
  'calls/current': { callerContext, callerHasParentAuthority, currentCall, runInCall },
  'calls/module-spec': { normalizeModuleSpec },
  'calls/running-call': { RunningCall },
  'calls/thenable': { isThenable },
  'handles/call-service': { SERVICE_ENTRY },
  'handles/cancel': { cancelHandle },
  'handles/stream-call': { streamCallHandle },
  'messaging/message': { SENDER_CLOSED },
  'messaging/receiver': { deadMessageOf, pollReceiver, selectOwner, setSelectOwner },
  'messaging/until-closed': { untilClosed },
  'modules/module-loader': { loadModule, loadedModule },
};
