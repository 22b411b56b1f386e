// The broker's own core modules, by name, for the parent bundle (shipped on demand when a
// child becomes a parent): it must share the live runtime (classes, routes), not bring copies.
// Keys are paths under src/core without extension (scripts/build.mjs, share-core).
import { GRACE_EXPIRED } from '../routing/deaths.js';
import * as codec from '../wire/codec.js';
import * as descendants from './descendants.js';
import * as errors from '../errors.js';
import * as firstStage from './first-stage.js';
import * as heartbeat from '../links/heartbeat.js';
import * as idAllocator from '../routing/id-allocator.js';
import * as protocol from '../wire/protocol.js';
import * as routeControl from '../routing/route-control.js';
import * as stream from '../links/stream.js';
import { printedLine, toWire } from '../logging/log-record.js';
import * as handlePayload from '../handles/payload.js';
import { createChildHandle } from '../handles/create-child.js';
import * as handleInstall from '../handles/install.js';
import { lastWordsHandle } from '../handles/last-words.js';

export const coreModules: Record<string, unknown> = {
  'wire/codec': codec,
  'child/descendants': descendants,
  errors,
  // The first stage: a child that becomes a parent starts its children with it.
  'child/first-stage': firstStage,
  'links/heartbeat': heartbeat,
  'routing/id-allocator': idAllocator,
  'wire/protocol': protocol,
  'routing/route-control': routeControl,
  'links/stream': stream,
  'logging/log-record': { printedLine, toWire },
  'handles/payload': handlePayload,
  // Not the namespace: that would keep the handle's docs prose in the child payload.
  'handles/create-child': { createChildHandle },
  'handles/install': handleInstall,
  'handles/last-words': { lastWordsHandle },
  'routing/deaths': { GRACE_EXPIRED },
};
