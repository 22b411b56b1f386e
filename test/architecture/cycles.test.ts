// No value-level import cycle in src/: every file can be evaluated after what it imports.
import { describe, expect, it } from 'vitest';
import { exampleLoop, importCycles } from './cycles.js';
import { type ImportEdge, importGraph, sourceFiles } from './imports.js';

describe('import cycles', () => {
  it('src/ has none (type-only imports and dynamic import() excluded)', () => {
    const graph = importGraph(sourceFiles('src'));
    // An empty graph has no cycle either: make sure the parser read the sources.
    expect([...graph.values()].flat().length).toBeGreaterThan(100);
    expect(importCycles(graph).map((scc) => exampleLoop(graph, scc).join(' -> '))).toEqual([]);
  });

  it('finds a cycle, and ignores one closed only by a type import', () => {
    const edge = (from: string, target: string, typeOnly = false): ImportEdge => ({
      from, line: 1, specifier: target, kind: 'import', typeOnly, target, targetKind: 'file',
    });
    const graph = new Map<string, ImportEdge[]>([
      ['a', [edge('a', 'b')]],
      ['b', [edge('b', 'c')]],
      ['c', [edge('c', 'a'), edge('c', 'd')]],
      ['d', [edge('d', 'e')]],
      ['e', [edge('e', 'd', true)]],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c']]);
    expect(exampleLoop(graph, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a']);
  });
});
