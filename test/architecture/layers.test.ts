// Layers point one way: methods -> parent -> core, master -> everything, machines pure.
// Every import counts, types included (core must not even name a type of parent/methods/master).
import { describe, expect, it } from 'vitest';
import { type ImportEdge, importGraph, sourceFiles, uncheckableLoads } from './imports.js';
import { layerOf, layerViolation } from './layers.js';

const files = sourceFiles('src', 'machines');
const graph = importGraph(files);

describe('layering', () => {
  it('sees the imports of every layer', () => {
    // A parser that found nothing would pass everything: make sure it reads each layer.
    const byLayer = new Map<string, number>();
    for (const [file, edges] of graph) byLayer.set(layerOf(file)!, (byLayer.get(layerOf(file)!) ?? 0) + edges.length);
    for (const layer of ['core', 'parent', 'methods', 'master', 'machines']) expect(byLayer.get(layer), layer).toBeGreaterThan(0);
    expect(files.every((f) => layerOf(f) !== null)).toBe(true);
  });

  it('no file imports across the layers the wrong way (value, type, dynamic, re-export, require)', () => {
    const violations = [...graph.values()].flat().map((e) => layerViolation(e, graph)).filter((v) => v !== null);
    expect(violations).toEqual([]);
  });

  it('every import() has a literal specifier (else it could not be checked)', () => {
    expect(files.flatMap((f) => uncheckableLoads(f).map((u) => `${f}:${u.line} ${u.text}`))).toEqual([]);
  });
});

describe('the layering rule itself', () => {
  // The check must be able to fail: known-bad imports, as the parser reports them.
  const edge = (from: string, target: string, over: Partial<ImportEdge> = {}): ImportEdge => ({
    from, line: 1, specifier: target, kind: 'import', typeOnly: false, target, targetKind: 'file', ...over,
  });
  it.each([
    ['core -> parent (type only)', edge('src/core/errors.ts', 'src/parent/child-set.ts', { typeOnly: true })],
    ['core -> methods', edge('src/core/routing/router.ts', 'src/methods/index.ts')],
    ['core -> master', edge('src/core/child/broker.ts', 'src/master/router.ts', { kind: 'dynamic' })],
    ['core -> index', edge('src/core/child/broker.ts', 'src/index.ts', { kind: 'export' })],
    ['core -> machine that loads xstate', edge('src/core/calls/context.ts', 'machines/context.ts')],
    ['core -> xstate', edge('src/core/calls/context.ts', 'xstate', { targetKind: 'package' })],
    ['core -> esbuild', edge('src/core/calls/context.ts', 'esbuild', { targetKind: 'package' })],
    ['parent -> methods', edge('src/parent/pty.ts', 'src/methods/remote-command.ts')],
    ['parent -> master', edge('src/parent/child-set.ts', 'src/master/methods.ts', { typeOnly: true })],
    ['methods -> master', edge('src/methods/ssh.ts', 'src/master/router.ts')],
    ['methods -> machines', edge('src/methods/ssh.ts', 'machines/stream.ts')],
    ['methods -> node-pty', edge('src/methods/ssh.ts', 'node-pty', { targetKind: 'package', kind: 'require' })],
    ['machines -> core', edge('machines/context.ts', 'src/core/errors.ts', { typeOnly: true })],
    ['machines -> node builtin', edge('machines/context.ts', 'node:fs', { targetKind: 'builtin' })],
    ['machines -> rxjs', edge('machines/context.ts', 'rxjs', { targetKind: 'package' })],
    ['master -> dev dependency', edge('src/master/router.ts', 'fast-check', { targetKind: 'package' })],
    ['src -> test', edge('src/master/router.ts', 'test/support/router.ts')],
    ['unresolved', edge('src/core/errors.ts', './nope.js', { target: null, targetKind: 'unresolved' })],
  ])('flags %s', (_name, bad) => {
    expect(layerViolation(bad, graph)).toMatch(/.+/);
  });
  it.each([
    ['core -> core', edge('src/core/errors.ts', 'src/core/wire/codec.ts')],
    ['core -> machine type', edge('src/core/calls/context.ts', 'machines/context.ts', { typeOnly: true })],
    ['methods -> parent', edge('src/methods/ssh.ts', 'src/parent/pty.ts')],
    ['master -> machines', edge('src/master/router.ts', 'machines/context.ts')],
    ['master -> esbuild', edge('src/master/module-finder.ts', 'esbuild', { targetKind: 'package' })],
  ])('allows %s', (_name, good) => {
    expect(layerViolation(good, graph)).toBeNull();
  });
});
