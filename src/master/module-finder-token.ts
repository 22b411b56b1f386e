// The freshness token of a served module: a 32-bit FNV-1a hash of what decides the code a
// child runs (the file's stamp: mtime, size, inode; its format; its import map). It travels in
// every LOAD_MODULE reply and every cache below the master keeps it beside the module, so a
// cache tells a current copy from an old one by comparing two numbers, never the source.
import type { ModuleFormat } from './module-finder.js';

/** A token for a module whose file has stamp `stamp`, in `format`, importing through `imports`. */
export function moduleToken(stamp: string, format: ModuleFormat, imports: Record<string, string>): number {
  let h = 0x811c9dc5;
  const mix = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff; // separator: ('ab','c') and ('a','bc') differ
    h = Math.imul(h, 0x01000193);
  };
  mix(stamp);
  mix(format);
  for (const key of Object.keys(imports).sort()) {
    mix(key);
    mix(imports[key]!);
  }
  return h >>> 0;
}
