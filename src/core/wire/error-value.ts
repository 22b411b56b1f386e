// Error values as data (extension 0x45). What travels: the built-in class the error descends
// from, its name, the own properties V8 keeps hidden (message, stack, cause, errors) and its own
// enumerable properties. The reader rebuilds a real instance of that built-in class and
// defines (never assigns) every property on it: no code runs, no prototype is touched. An
// instance of a user's Error subclass arrives as its built-in base with the same name.

const BASES: Record<string, ErrorConstructor | AggregateErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError,
};
const baseOf = new Map<object, string>(Object.entries(BASES).map(([name, ctor]) => [ctor.prototype, name]));

/** Own properties that V8 makes non-enumerable and that travel with an error. */
const HIDDEN_KEYS = new Set(['message', 'stack', 'cause', 'errors']);

/** The built-in error class `e` descends from (by prototype, or by name for another realm's). */
export function errorBase(e: object): string {
  let byName: string | undefined;
  for (let p = Object.getPrototypeOf(e) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    const local = baseOf.get(p);
    if (local !== undefined) return local;
    const name = (Object.getOwnPropertyDescriptor(p, 'constructor')?.value as { name?: unknown } | undefined)?.name;
    if (byName === undefined && typeof name === 'string' && Object.prototype.hasOwnProperty.call(BASES, name)) byName = name;
  }
  return byName ?? 'Error';
}

/** `e.name` as the error reads it, or its base's name when it is not a string. */
export function errorName(e: Error, base: string): string {
  const name: unknown = e.name;
  return typeof name === 'string' ? name : base;
}

/**
 * The hidden own properties of `e` that travel (an inherited non-empty message too: a
 * DOMException's lives on its prototype). One that cannot be read stays behind: V8 formats
 * `stack` on first read, which throws when the message cannot become a string.
 */
export function hiddenEntries(e: Error): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of HIDDEN_KEYS) {
    try {
      const d = Object.getOwnPropertyDescriptor(e, key);
      if (d === undefined) {
        const inherited: unknown = key === 'message' ? e.message : undefined;
        if (typeof inherited === 'string' && inherited !== '') out.push([key, inherited]);
      } else if (!d.enumerable) {
        out.push([key, 'value' in d ? d.value : Reflect.get(e, key)]);
      }
    } catch {
      // unreadable: not sent
    }
  }
  return out;
}

const hidden = { enumerable: false, writable: true, configurable: true };
const shown = { enumerable: true, writable: true, configurable: true };

/**
 * Rebuilds a decoded error: a new instance of `base` (Error when unknown) whose own
 * properties are exactly `hiddenProps` (non-enumerable) and `props` (enumerable), named `name`.
 */
export function makeError(base: string, name: string, hiddenProps: Record<string, unknown>, props: Record<string, unknown>): Error {
  const Ctor = Object.prototype.hasOwnProperty.call(BASES, base) ? BASES[base]! : Error;
  const e = Ctor === AggregateError ? new AggregateError([]) : new (Ctor as ErrorConstructor)();
  delete (e as { stack?: string }).stack;
  delete (e as { errors?: unknown }).errors;
  for (const key of Object.keys(hiddenProps)) {
    if (!HIDDEN_KEYS.has(key)) throw new TypeError(`malformed message: error property ${JSON.stringify(key)} cannot be hidden`);
    Object.defineProperty(e, key, { ...hidden, value: hiddenProps[key] });
  }
  for (const key of Object.keys(props)) Object.defineProperty(e, key, { ...shown, value: props[key] });
  if (e.name !== name && !Object.prototype.hasOwnProperty.call(props, 'name')) {
    Object.defineProperty(e, 'name', { ...hidden, value: name });
  }
  return e;
}
