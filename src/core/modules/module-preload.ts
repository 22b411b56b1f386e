// FORWARD_MODULE: an ancestor asks this context to hold modules ahead of use
// (`ctx.forwardModules()`). The context pulls each one through its own module cache, so every
// link on the way (intermediates included) receives the graph once and keeps it for its
// subtree; later calls below load nothing more from the master than a check.
import { CallError } from '../errors.js';
import { NO_REPLY } from '../wire/protocol.js';
import { installHandle } from '../handles/install.js';
import { forwardModuleHandle } from '../handles/forward-module.js';
import { readPayload } from '../handles/payload.js';
import type { CoreRouter } from '../routing/router.js';
import type { Message } from '../messaging/message.js';
import type { ModuleCache } from './module-cache.js';

/** The reply of FORWARD_MODULE: how many modules the context's cache holds afterwards. */
export type PreloadReply = [modules: number];

export function installPreload(router: CoreRouter, cache: ModuleCache): void {
  installHandle(router, forwardModuleHandle, (msg) => void preload(router, cache, msg));
}

async function preload(router: CoreRouter, cache: ModuleCache, msg: Message): Promise<void> {
  const self = { id: router.myId, name: router.name };
  let answer: unknown;
  try {
    const specifiers = readPayload(forwardModuleHandle, msg.data);
    const errors = await Promise.all(specifiers.map((s) => cache.hold(s)));
    const failed = errors.find((e) => e !== null);
    answer = failed ? new CallError('ModuleLoadError', failed, '', self) : ([cache.size] satisfies PreloadReply);
  } catch (e) {
    answer = CallError.fromThrown(e, self);
  }
  if (msg.replyTo !== NO_REPLY) router.sendValue(msg.srcId, msg.replyTo, answer);
}
