// The broker's own core modules, by name, for the parent bundle (shipped on demand when a
// child becomes a parent): it must share the live runtime (classes, routes), not bring copies.
import * as codec from './codec.js';
import * as descendants from './descendants.js';
import * as errors from './errors.js';
import * as firstStage from './first-stage.js';
import * as heartbeat from './heartbeat.js';
import * as idAllocator from './id-allocator.js';
import * as protocol from './protocol.js';
import * as routeControl from './route-control.js';
import * as stream from './stream.js';

export const coreModules: Record<string, unknown> = {
  codec,
  descendants,
  errors,
  // The first stage: a child that becomes a parent starts its children with it.
  'first-stage': firstStage,
  heartbeat,
  'id-allocator': idAllocator,
  protocol,
  'route-control': routeControl,
  stream,
};
