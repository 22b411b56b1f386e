// The producer's side of a stream (STREAM_CALL, in a child's dispatcher): checks the request
// and starts a StreamProducer (src/core/calls/stream-run.ts) for it.
import { CallError } from '../errors.js';
import { installHandle } from '../handles/install.js';
import { MalformedPayload, readPayload } from '../handles/payload.js';
import { streamCallHandle, type StreamCallTuple } from '../handles/stream-call.js';
import type { CoreRouter } from '../routing/router.js';
import { NO_REPLY } from '../wire/protocol.js';
import type { RunningCalls } from './running-call.js';
import { StreamProducer } from './stream-run.js';

/** Calls `fnPath` of a loaded module with `args` (the dispatcher's own resolution). */
export type Invoke = (mod: unknown, spec: string, fnPath: string, args: unknown[]) => unknown;

/** Installs STREAM_CALL on a dispatcher's router; `running` lets CANCEL and deaths reach streams. */
export function installStreamProducer(router: CoreRouter, running: RunningCalls, invoke: Invoke): void {
  const self = { id: router.myId, name: router.name };
  installHandle(router, streamCallHandle, (msg) => {
    if (msg.replyTo === NO_REPLY) return; // nobody to stream to
    let call: StreamCallTuple;
    try {
      call = readPayload(streamCallHandle, msg.data, router.decodeHooks);
    } catch (e) {
      const err = e instanceof MalformedPayload ? new CallError('TypeError', e.message, '', self) : CallError.fromThrown(e, self);
      router.sendValue(msg.srcId, msg.replyTo, err);
      return;
    }
    try {
      // The first stream of this context loads the producer (an on-demand bundle in a child).
      new StreamProducer(router, running, msg, call, invoke, self).start();
    } catch (e) {
      router.sendValue(msg.srcId, msg.replyTo, CallError.fromThrown(e, self));
    }
  });
}
