// What `import ... from 'tendril'` gives code running in a child: the runtime already there
// (its own classes, the current router), never a second copy served from the master, so that
// callerContext(), currentRouter() and instanceof checks see the live runtime.
import { CallChain } from '../calls/call-chain.js';
import { Context } from '../calls/context.js';
import { callerContext, currentCall, currentRouter } from '../calls/current.js';
import { CallView } from '../calls/call-view.js';
import {
  CallError,
  ChannelError,
  HostKeyError,
  PasswordError,
  StreamError,
  TendrilError,
  TimeoutError,
} from '../errors.js';
import { Message } from '../messaging/message.js';
import { hasParentAuthority, isImmediateChild } from '../routing/policies.js';
import { Receiver } from '../messaging/receiver.js';
import { Select } from '../messaging/select.js';
import { Sender } from '../messaging/sender.js';
import { Channel } from '../messaging/channel.js';
import { Service, expose } from '../calls/service.js';

/** The module id under which served modules reach the built-in API. */
export const TENDRIL_MODULE_ID = 'tendril';

class Router {
  constructor() {
    throw new TendrilError('a Router can only be created in the master; in a child, use currentRouter()');
  }
}

export const childApi: Record<string, unknown> = {
  Router,
  Context,
  CallChain,
  Receiver,
  Sender,
  Select,
  Channel,
  Message,
  currentRouter,
  callerContext,
  currentCall,
  CallView,
  hasParentAuthority,
  isImmediateChild,
  Service,
  expose,
  // The master's entry module never runs as such in a child.
  isMain: () => false,
  TendrilError,
  CallError,
  ChannelError,
  TimeoutError,
  StreamError,
  PasswordError,
  HostKeyError,
};
