// How a connection method plugs into the parent side: a builder turns the method's options
// into a launch (argv, stdio, prompts). The methods live in src/methods and register
// themselves; a ChildSet only sees a resolver, so the parent side names no method.
import type { ConnectionMethod, MethodOptions } from '../core/routing/connection-options.js';
import type { LaunchSpec } from './connection.js';

/** What a method gets to build its command: the local node argv (first stage inline) and the token. */
export interface NodeLaunch {
  command: string;
  args: string[];
  /** The start marker's token (the first stage's first argument). */
  token: string;
}

export type MethodBuilder<O> = (opts: O, node: NodeLaunch) => LaunchSpec;

export type MethodTable = { [M in ConnectionMethod]?: MethodBuilder<MethodOptions[M]> };

/** Finds the builder of a method, fetching it first where it is not there yet (an intermediate). */
export type MethodResolver = <M extends ConnectionMethod>(
  method: M,
) => MethodBuilder<MethodOptions[M]> | undefined | Promise<MethodBuilder<MethodOptions[M]> | undefined>;
