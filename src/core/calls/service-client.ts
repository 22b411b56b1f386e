// The caller's side of services: `ctx.callService(module, 'Class', 'method', ...args)` and the
// typed proxy `ctx.service<typeof Class>(module, 'Class')`. A service call is a CALL_SERVICE
// of `Class.__tendrilService` in the service's module (service.ts); the words of the two
// refusals that happen before the service runs are made to name the service and method.
import type { Context } from './context.js';
import { CallError, ChannelError } from '../errors.js';
import { callWith, type CallOptions } from './call-options.js';
import { SERVICE_ENTRY } from './service.js';
import { CALL_SERVICE } from '../wire/protocol.js';
import type { Wire } from './wire-type.js';

/** The exposed surface of a service class `S` (`typeof MyService`): each method returns a Promise. */
export type ServiceProxy<S> = S extends abstract new (...args: never[]) => infer I
  ? { readonly [K in keyof I as I[K] extends (...args: never[]) => unknown ? K : never]: I[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Wire<Awaited<R>>> : never }
  : never;

/** Calls `className.method(...args)` of the service in `module`, in `ctx`. */
export async function callServiceWith(
  ctx: Context,
  opts: Readonly<CallOptions>,
  module: string | URL,
  className: string,
  method: string,
  args: unknown[],
): Promise<unknown> {
  if (typeof className !== 'string' || className === '' || typeof method !== 'string' || method === '') {
    throw new TypeError('callService(module, className, method, ...args): className and method must be non-empty strings');
  }
  try {
    return await callWith(ctx, null, module, `${className}.${SERVICE_ENTRY}`, [method, args], opts, CALL_SERVICE);
  } catch (e) {
    throw serviceError(e, ctx, String(module), className, method);
  }
}

function serviceError(e: unknown, ctx: Context, module: string, className: string, method: string): unknown {
  const where = { id: ctx.id, name: ctx.name };
  if (e instanceof CallError && e.remoteType === 'TypeError' && e.remoteMessage.includes(`'${className}.${SERVICE_ENTRY}'`)) {
    return new CallError('ServiceError', `no service ${className} in ${module} (method ${method} not called)`, '', where);
  }
  if (e instanceof ChannelError && e.message.includes('refused by policy')) {
    return new CallError('ServiceError', `${className}.${method} refused: ${e.message} (service ${className}, method ${method})`, '', where);
  }
  return e;
}

/** A proxy whose every property calls that method of the service. */
export function serviceProxy<S>(ctx: Context, opts: Readonly<CallOptions>, module: string | URL, className: string): ServiceProxy<S> {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      // Not thenable: `await proxy` must give the proxy back.
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        fn = (...args: unknown[]) => callServiceWith(ctx, opts, module, className, prop, args);
        cache.set(prop, fn);
      }
      return fn;
    },
  }) as ServiceProxy<S>;
}
