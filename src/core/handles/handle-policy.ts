// Who may send a reserved handle: a named policy (the name goes into docs/protocol.md) and the
// check the router runs before the handler (src/core/routing/policies.ts).
import type { Message } from '../messaging/message.js';
import type { Link } from '../links/stream.js';
import { hasParentAuthority, isImmediateChild } from '../routing/policies.js';

/** A policy of a reserved handle. */
export interface HandlePolicy {
  /** How docs/protocol.md names it. */
  readonly name: string;
  /** The router's check; undefined: every message is accepted. */
  readonly allows: ((msg: Message, link: Link | null) => boolean) | undefined;
}

/** No check: any context may send it. */
export const ANYONE: HandlePolicy = { name: 'anyone', allows: undefined };

/** The authority is the receiving context or one of its ancestors. */
export const PARENT_AUTHORITY: HandlePolicy = { name: 'parent authority', allows: hasParentAuthority };

/** It came straight from a child of the receiving context, speaking for itself. */
export const IMMEDIATE_CHILD: HandlePolicy = { name: 'immediate child', allows: isImmediateChild };

/** Either of the two above: news of deaths travels up from children and down from parents. */
export const IMMEDIATE_CHILD_OR_PARENT_AUTHORITY: HandlePolicy = {
  name: 'immediate child or parent authority',
  allows: (msg, link) => isImmediateChild(msg, link) || hasParentAuthority(msg),
};
