// Entry point of the parent bundle: what a child needs to become a parent. Shipped on demand
// (LOAD_MODULE 'tendril:parent') the first time a child is asked to start a child of its own,
// and run in its broker thread with the broker's own core modules.
import type { ChildConfig } from '../core/child/child-config.js';
import { CallError } from '../core/errors.js';
import { IdAllocator } from '../core/routing/id-allocator.js';
import type { Message } from '../core/messaging/message.js';
import { FORWARD_LOG } from '../core/wire/protocol.js';
import { readPayload } from '../core/handles/payload.js';
import { createChildHandle } from '../core/handles/create-child.js';
import { printedLine, toWire } from '../core/logging/log-record.js';
import { announceChild } from '../core/routing/route-control.js';
import type { CoreRouter } from '../core/routing/router.js';
import type { LoadBundle } from '../core/child/parent-side-loader.js';
import type { MethodTable } from '../parent/method-table.js';
import { METHODS, registerMethods } from './index.js';
import { ChildSet } from '../parent/child-set.js';

export interface ParentSide {
  /** Handles a CREATE_CHILD request: replies `[id, name]` or a CallError. */
  createChild(msg: Message): Promise<void>;
  /** `cascade`: why this context is going down, when nobody asked it to. */
  shutdownAll(cascade?: string): Promise<void>;
}

export function createParentSide(router: CoreRouter, config: ChildConfig, payload: Uint8Array, loadBundle: LoadBundle): ParentSide {
  const ids = new IdAllocator(router);
  const children = new ChildSet(
    router,
    { payload: () => payload, shutdownTimeout: config.shutdownTimeout, debug: () => config.debug, unidirectional: config.unidirectional, profiling: config.profiling,
      callTimeout: config.callTimeout,
      heartbeatInterval: config.heartbeatInterval ?? 0, heartbeatMisses: config.heartbeatMisses,
      // ssh, sudo, containers...: fetched the first time one is asked for.
      resolveMethod: async (method) => {
        if (!METHODS[method]) registerMethods(((await loadBundle('tendril:methods' /* METHODS_BUNDLE_ID */)) as { methods: MethodTable }).methods);
        return METHODS[method];
      } },
    {
      // Prints of our children travel to the master as log records.
      onLine: (id, name, source, line) => {
        try {
          router.sendValue(0, FORWARD_LOG, toWire(printedLine(id, name, source, line)));
        } catch {
          // an oversized line is dropped rather than failing the stream
        }
      },
      onUp: (r) => announceChild(router, r.id, r.name),
    },
  );
  // A child keeps its own children alive while it lives.
  children.setRef(true);
  const self = { id: router.myId, name: router.name };
  return {
    async createChild(msg) {
      try {
        const req = readPayload(createChildHandle, msg.data);
        const id = typeof req.id === 'number' ? req.id : await ids.allocate();
        const record = await children.start(req.method, req.opts ?? {}, id);
        msg.reply([record.id, record.name]);
      } catch (e) {
        if (msg.replyTo) msg.reply(CallError.fromThrown(e, self));
      }
    },
    shutdownAll: (cascade) => children.shutdownAll(cascade),
  };
}
