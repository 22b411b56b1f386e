// A LOAD_MODULE reply read without decoding its modules (src/core/modules/module-reply-index.ts):
// the index finds every module's id and exact bytes, and a reply reassembled from those bytes
// is byte for byte what encoding the reply would give.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/core/wire/codec.js';
import { assembleReply, indexReply } from '../../src/core/modules/module-reply-index.js';
import type { LoadModuleReply, WireModule } from '../../src/core/modules/module-protocol.js';
import { assertProperty } from '../support/fc.js';

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constant('x'.repeat(70_000)));
const wireModule: fc.Arbitrary<WireModule> = fc.tuple(
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.constantFrom('esm' as const, 'cjs' as const, 'json' as const),
  fc.oneof(text, fc.uint8Array({ maxLength: 300 })),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 }), { maxKeys: 20 }),
);
const reply: fc.Arbitrary<LoadModuleReply> = fc
  .record({
    root: fc.option(fc.string({ maxLength: 60 })),
    error: fc.option(fc.string({ maxLength: 60 })),
    modules: fc.uniqueArray(wireModule, { selector: (m) => m[0], maxLength: 20 }),
    graph: fc.option(fc.array(fc.string({ maxLength: 30 }), { maxLength: 20 }), { nil: undefined }),
  })
  .map((r) => (r.graph === undefined ? { root: r.root, error: r.error, modules: r.modules } : r));

describe('LOAD_MODULE reply index', () => {
  it('finds each module and its exact bytes; reassembling gives the encoded reply, byte for byte', () => {
    assertProperty(
      fc.property(reply, (r) => {
        const bytes = encode(r);
        const index = indexReply(bytes);
        expect(index.root).toBe(r.root);
        expect(index.error).toBe(r.error);
        expect(index.graph).toEqual(r.graph ?? null);
        expect(index.modules.map((m) => m.id)).toEqual(r.modules.map((m) => m[0]));
        index.modules.forEach((m, i) => expect(decode(m.bytes)).toEqual(decode(encode(r.modules[i]))));
        const again = assembleReply(index.root, index.error, index.modules.map((m) => m.bytes), index.graph);
        expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a subset of the modules reassembles into the reply that lists only them', () => {
    assertProperty(
      fc.property(reply, fc.func(fc.boolean()), (r, keep) => {
        const index = indexReply(encode(r));
        const kept = index.modules.filter((m) => keep(m.id));
        const assembled = decode(assembleReply(index.root, null, kept.map((m) => m.bytes), index.graph)) as LoadModuleReply;
        const expected: LoadModuleReply = { root: r.root, error: null, modules: r.modules.filter((m) => keep(m[0])) };
        if (r.graph !== undefined) expected.graph = r.graph;
        expect(assembled).toEqual(decode(encode(expected)));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses what is not a reply, and truncated replies', () => {
    expect(() => indexReply(encode([1, 2]))).toThrow(/malformed LOAD_MODULE reply: not a map/);
    expect(() => indexReply(encode({ root: 'a', error: null, modules: [['id', 'esm']] }))).toThrow(/\[id, format, source, imports\]/);
    const whole = encode({ root: 'a', error: null, modules: [['a', 'esm', 'export {}', {}]], graph: ['a'] });
    for (let cut = 1; cut < whole.byteLength; cut++) expect(() => indexReply(whole.subarray(0, cut))).toThrow(/malformed/);
  });
});
