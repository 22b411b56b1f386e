// Handler policies (router.addHandler(fn, { policy })). A refused message gets a dead reply.
import type { Message } from '../messaging/message.js';
import type { Link } from '../links/stream.js';

/** The message's authority is the receiving context itself or one of its parents. */
export function hasParentAuthority(msg: Message): boolean {
  const r = msg.receivedBy;
  return r !== null && r.hasParentAuthority(msg);
}

/** The message came straight from a child of the receiving context. */
export function isImmediateChild(msg: Message, link: Link | null): boolean {
  const r = msg.receivedBy;
  return r !== null && r.isImmediateChild(msg, link);
}
