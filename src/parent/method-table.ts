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

/** Turns a method's options into a launch; may say how to name a context the caller did not name. */
export interface MethodBuilder<O> {
  (opts: O, node: NodeLaunch): LaunchSpec;
  /** The default name of a context, naming its target (`ssh.web1:2222`, `sudo.root`). */
  defaultName?(opts: O, id: number): string;
}

export type MethodTable = { [M in ConnectionMethod]?: MethodBuilder<MethodOptions[M]> };

/** Finds the builder of a method, fetching it first where it is not there yet (an intermediate). */
export type MethodResolver = <M extends ConnectionMethod>(
  method: M,
) => MethodBuilder<MethodOptions[M]> | undefined | Promise<MethodBuilder<MethodOptions[M]> | undefined>;

/** The name a context gets when the caller gave none: the method's, else `<method>.<id>`. */
export function defaultContextName<M extends ConnectionMethod>(
  method: M,
  build: MethodBuilder<MethodOptions[M]> | undefined,
  opts: MethodOptions[M],
  id: number,
): string {
  return build?.defaultName?.(opts, id) ?? `${String(method)}.${id}`;
}
