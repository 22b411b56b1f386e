// The core modules of this thread, by name, for the on-demand bundles: the parent bundle
// (shipped when a child becomes a parent) and the dispatcher's extras (child/on-demand.ts): they must
// share the live runtime (classes, routes), not bring copies.
// Keys are paths under src/core without extension (scripts/build.mjs, share-core). Pure modules
// the payload itself does not run (the first stage) are not here: each bundle brings its copy.
import { GRACE_EXPIRED } from '../routing/deaths.js';
import * as codec from '../wire/codec.js';
import * as descendants from './descendants.js';
import * as errors from '../errors.js';
import * as heartbeat from '../links/heartbeat.js';
import * as idAllocator from '../routing/id-allocator.js';
import * as protocol from '../wire/protocol.js';
import * as routeControl from '../routing/route-control.js';
import * as stream from '../links/stream.js';
import { printedLine, toWire } from '../logging/log-record.js';
import * as lineSplitter from '../logging/line-splitter.js';
import * as handlePayload from '../handles/payload.js';
import { createChildHandle } from '../handles/create-child.js';
import * as handleInstall from '../handles/install.js';
import { lastWordsHandle } from '../handles/last-words.js';
// What the dispatcher's on-demand extras bundle takes from the live core (src/core/child/on-demand.ts).
import * as callOptions from '../calls/call-options.js';
import * as current from '../calls/current.js';
import * as moduleSpec from '../calls/module-spec.js';
import * as runningCall from '../calls/running-call.js';
import * as thenable from '../calls/thenable.js';
import { SERVICE_ENTRY } from '../handles/call-service.js';
import { cancelHandle } from '../handles/cancel.js';
import { streamCallHandle } from '../handles/stream-call.js';
import * as message from '../messaging/message.js';
import * as receiver from '../messaging/receiver.js';
import * as untilClosed from '../messaging/until-closed.js';
import * as moduleLoader from '../modules/module-loader.js';

export const coreModules: Record<string, unknown> = {
  'wire/codec': codec,
  'child/descendants': descendants,
  errors,
  'links/heartbeat': heartbeat,
  'routing/id-allocator': idAllocator,
  'wire/protocol': protocol,
  'routing/route-control': routeControl,
  'links/stream': stream,
  'logging/log-record': { printedLine, toWire },
  // The broker splits full-PTY prints with it (child/fifo-prints.ts); parents split their children's.
  'logging/line-splitter': lineSplitter,
  'handles/payload': handlePayload,
  // Not the namespace: that would keep the handle's docs prose in the child payload.
  'handles/create-child': { createChildHandle },
  'handles/install': handleInstall,
  'handles/last-words': { lastWordsHandle },
  'routing/deaths': { GRACE_EXPIRED },
  'calls/call-options': callOptions,
  'calls/current': current,
  'calls/module-spec': moduleSpec,
  'calls/running-call': runningCall,
  'calls/thenable': thenable,
  'handles/call-service': { SERVICE_ENTRY },
  'handles/cancel': { cancelHandle },
  'handles/stream-call': { streamCallHandle },
  'messaging/message': message,
  'messaging/receiver': receiver,
  'messaging/until-closed': untilClosed,
  'modules/module-loader': moduleLoader,
};
