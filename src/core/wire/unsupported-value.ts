// How the writer reports a value that cannot be sent: thrown where it is found, each
// container on the way out prepends its part of the path (`.a[2].get("k")`), and the writer
// turns it into one TypeError naming the whole path.

export class Unsupported {
  constructor(
    readonly what: string,
    public path: string,
  ) {}

  /** Prefixes the path of a failure raised while writing a container's part. */
  static prefix(e: unknown, part: string): unknown {
    if (e instanceof Unsupported) e.path = part + e.path;
    return e;
  }
}

const isIdent = /^[A-Za-z_$][\w$]*$/;

/** The path step of an object key: `.name`, or `["odd key"]`. */
export const keyPath = (key: string): string => (isIdent.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

/** What a refused value is, for the message: its class name, or its typeof. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  const t = typeof v;
  if (t !== 'object') return t;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null;
  const name = proto?.constructor?.name;
  if (typeof name === 'string' && name !== '' && name !== 'Object') return name;
  // Generators, iterators and other objects whose prototype names no class: their built-in tag.
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  return tag === 'Object' ? 'object' : tag;
}
