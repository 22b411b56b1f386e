// The payload's shortened property names (scripts/private-props.mjs, scripts/build.mjs): only
// private members of core classes that nothing else names, and the built payload uses the
// short names for them while public names stay.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without types
import { privateProps } from '../../scripts/private-props.mjs';

const root = join(import.meta.dirname, '..', '..');
const { names, others } = (privateProps as (root: string) => { names: string[]; others: string[] })(root);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
// Without comments: prose may quote a name.
const src = sources(join(root, 'src')).map((f) => ({ file: f, text: readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '') }));

describe('shortened property names of the child payload', () => {
  it('takes private members of core classes, and leaves names other code uses', () => {
    // Private to Stream (links/stream.ts) and used nowhere else.
    expect(names).toEqual(expect.arrayContaining(['closeReason', 'bufferLimit']));
    // Private in core classes, but also a Node property or a public member elsewhere.
    for (const n of ['socket', 'input', 'timer', 'length']) expect(names).not.toContain(n);
    expect(names.filter((n) => others.includes(n))).toEqual([]);
  });

  it('takes only names declared private in src/core and never written as a string in src/', () => {
    const core = src.filter((s) => s.file.startsWith(join(root, 'src/core')));
    for (const n of names) {
      expect(core.some((s) => new RegExp(`private (readonly |static |async |get |set )*${n}\\b`).test(s.text)), n).toBe(true);
      expect(src.filter((s) => s.text.includes(`'${n}'`) || s.text.includes(`"${n}"`)).map((s) => s.file), n).toEqual([]);
    }
  });

  it('the built payload uses short names for them and keeps public ones', () => {
    const payload = readFileSync(join(root, 'dist/core.bundle.js'), 'utf8');
    expect(payload).not.toMatch(/\.closeReason\b/);
    expect(payload).not.toMatch(/\.bufferLimit\b/);
    expect(payload).toMatch(/\.maxMessageSize\b/);
  });
});
