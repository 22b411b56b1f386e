// Node's source-map support ignores code run through vm, so stack traces of served modules
// would point into transpiled JavaScript. This maps frames of `master:` files back to the
// original .ts lines using the inline source maps the master embedded.
import { SourceMap } from 'node:module';
import { posix } from 'node:path';
import { MODULE_SCHEME } from './module-registry.js';

type SourceOf = (id: string) => string | undefined;

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

export function installStackMapper(sourceOf: SourceOf): void {
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (id: string): SourceMap | null => {
    let m = maps.get(id);
    if (m !== undefined) return m;
    const source = sourceOf(id);
    const found = source ? INLINE_MAP.exec(source) : null;
    m = null;
    if (found) {
      try {
        m = new SourceMap(JSON.parse(Buffer.from(found[1]!, 'base64').toString('utf8')));
      } catch {
        m = null;
      }
    }
    maps.set(id, m);
    return m;
  };

  Error.prepareStackTrace = (error: Error, frames: CallSiteLike[]): string => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    const lines = frames.map((frame) => {
      const text = frame.toString();
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (!file || !file.startsWith(MODULE_SCHEME) || line === null || column === null) return `    at ${text}`;
      const map = mapFor(file.slice(MODULE_SCHEME.length));
      if (!map) return `    at ${text}`;
      const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry.originalSource === undefined || entry.originalLine === undefined) return `    at ${text}`;
      const original = `${file}:${line}:${column}`;
      // Map sources are relative to the served file's directory on the master.
      const id = file.slice(MODULE_SCHEME.length);
      const source = `${MODULE_SCHEME}${entry.originalSource.startsWith('/') ? entry.originalSource : posix.join(posix.dirname(id), entry.originalSource)}`;
      const mapped = `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
      return `    at ${text.replace(original, mapped)}`;
    });
    return [header, ...lines].join('\n');
  };
}
