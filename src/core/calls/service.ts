// Services: classes whose `@expose`d methods other contexts may call (API.md "Services and
// files"). This is core because user modules in a child import `Service` and `expose` from
// 'tendril', which there is the runtime built into the child (modules/child-api.ts).
//
// A call reaches a service as a CALL_SERVICE of the static `Class.__tendrilService(method,
// args)` of the service's module (service-client.ts; the dispatcher runs it like a call), so
// the module is loaded on demand like any other and the call has the usual options,
// cancellation and death handling. CALL_SERVICE is open to any sender: the policy is checked here. The static entry checks exposure and policy, creates the
// one instance of the class in this context, and runs the method (serially unless the class
// says `static concurrency = 'concurrent'`).
import type { Context } from './context.js';
import { callerContext, callerHasParentAuthority } from './current.js';
import { SERVICE_ENTRY } from '../handles/call-service.js';

export { SERVICE_ENTRY };

/** Who may call an exposed method: the parents (default), anyone who can reach it, or a check. */
export type ServicePolicy = 'parent' | 'any' | ((caller: Context) => boolean);

/** Options of {@link expose}. */
export interface ExposeOptions {
  /** Who may call the method (default `'parent'`: the context's parents). */
  policy?: ServicePolicy;
}

// Exposure is recorded on the method function itself: it works with and without
// Symbol.metadata (Node 20 has none, and TypeScript then emits no metadata at all).
const exposed = new WeakMap<Function, ServicePolicy>();
// One instance per class per context (a module is loaded once per context).
const instances = new WeakMap<Function, Service>();
const queues = new WeakMap<Service, Promise<unknown>>();

/** What a refused or impossible service call throws in the callee (the caller sees a CallError). */
class ServiceError extends Error {
  override name = 'ServiceError';
}

/**
 * Marks a method of a {@link Service} as callable from other contexts (TypeScript 5 standard
 * decorators). Only exposed methods can be called; `policy` says by whom.
 */
export function expose(opts: ExposeOptions = {}) {
  const policy: ServicePolicy = opts.policy ?? 'parent';
  if (policy !== 'parent' && policy !== 'any' && typeof policy !== 'function') {
    throw new TypeError(`expose(): policy must be 'parent', 'any' or a function (got ${String(policy)})`);
  }
  return function <F extends Function>(method: F, context: ClassMethodDecoratorContext): void {
    if (context.static) throw new TypeError(`@expose: ${String(context.name)} is static; expose instance methods`);
    exposed.set(method, policy);
  };
}

/**
 * The base class of services: one instance per context, created on the first permitted call;
 * `static concurrency` decides whether its calls may overlap (`'serial'`, the default, runs
 * them one after another in arrival order).
 */
export class Service {
  /** Whether calls of this service may run at the same time (default `'serial'`). */
  static concurrency: 'serial' | 'concurrent' = 'serial';

  /** @internal The entry of every service call (see service-client.ts); not for users. */
  static __tendrilService(this: typeof Service, method: unknown, args: unknown): unknown {
    const cls = this;
    const name = `${cls.name}.${String(method)}`;
    if (typeof method !== 'string' || !Array.isArray(args)) throw new ServiceError(`${name}: malformed service call`);
    if (!(cls.prototype instanceof Service)) throw new ServiceError(`${cls.name} is not a Service`);
    const fn: unknown = (cls.prototype as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function' || method === 'constructor') {
      throw new ServiceError(`service ${cls.name} has no method ${method}`);
    }
    const policy = exposed.get(fn);
    if (policy === undefined) throw new ServiceError(`${name} is not exposed (service ${cls.name}, method ${method}): mark it with @expose()`);
    const caller = callerContext();
    if (typeof policy === 'function' ? !policy(caller) : policy === 'parent' && !callerHasParentAuthority()) {
      const rule = typeof policy === 'function' ? 'its policy' : "its policy 'parent' (the caller is not this context's parent)";
      throw new ServiceError(`${name} refused the call from ${caller.name} (#${caller.id}) by ${rule} (service ${cls.name}, method ${method})`);
    }
    let instance = instances.get(cls);
    if (instance === undefined) {
      instance = new cls();
      instances.set(cls, instance);
    }
    const self = instance;
    const run = (): unknown => (fn as (...a: unknown[]) => unknown).apply(self, args);
    if (cls.concurrency === 'concurrent') return run();
    const previous = queues.get(self) ?? Promise.resolve();
    const result = previous.then(run);
    queues.set(self, result.then(() => undefined, () => undefined));
    return result;
  }
}
