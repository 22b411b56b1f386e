// Generates the plain-data transition tables that src/core/lifecycle/ interprets (children,
// receivers, calls: where XState's runtime is too heavy) from the XState machines in
// machines/, by reading XState's own machine objects (machine.root, StateNode.transitions,
// entry, exit, after). No transition is written by hand anywhere else.
//
//   node scripts/gen-machine-tables.mjs           write src/core/lifecycle/generated/*.ts
//   node scripts/gen-machine-tables.mjs --check   exit 1 when a committed table is stale
//
// scripts/build.mjs runs it before bundling; test/machines/tables.test.ts runs --check.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src/core/lifecycle/generated');

/** Machines that get a table: export name in machines/index.ts -> table file and constant. */
export const MACHINES = [
  { exportName: 'streamMachine', file: 'stream', table: 'streamTable', source: 'machines/stream.ts' },
  { exportName: 'contextMachine', file: 'context', table: 'contextTable', source: 'machines/context.ts' },
  { exportName: 'receiverMachine', file: 'receiver', table: 'receiverTable', source: 'machines/receiver.ts' },
  { exportName: 'callMachine', file: 'call', table: 'callTable', source: 'machines/call.ts' },
];

/** The machine objects, loaded from the TypeScript sources (bundled with xstate into a temp file). */
async function loadMachines() {
  const out = await build({
    stdin: { contents: "export * from './machines/index.ts';", resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const dir = mkdtempSync(join(tmpdir(), 'tendril-machines-'));
  try {
    const file = join(dir, 'machines.mjs');
    writeFileSync(file, out.outputFiles[0].contents);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fail = (machine, what) => {
  throw new Error(`gen-machine-tables: ${machine}: ${what}`);
};

/** The name of an action or guard; inline implementations have none and cannot be tabled. */
function nameOf(machine, where, item) {
  if (typeof item === 'string') return item;
  if (item !== null && typeof item === 'object' && typeof item.type === 'string' && item.params === undefined) return item.type;
  fail(machine, `${where}: an inline or parameterised implementation (${item?.type ?? typeof item}); name it in setup()`);
}

// Delayed (`after`) transitions appear as xstate.raise in entry and xstate.cancel in exit:
// the table lists them as timers (`after`), not as actions.
function actionNames(machine, where, list, afterIds) {
  const names = [];
  for (const a of list) {
    if (typeof a === 'function' && a.type === 'xstate.raise' && afterIds.has(a.id)) continue;
    if (typeof a === 'function' && a.type === 'xstate.cancel' && afterIds.has(a.sendId)) continue;
    names.push(nameOf(machine, where, a));
  }
  return names;
}

/** The table's candidates for one event descriptor of one state. */
function transitionsFor(id, node, event, candidates, exit, top) {
  const list = [];
  for (const t of candidates) {
    const where = `${node.key} on ${event}`;
    if (t.target && t.target.length > 1) fail(id, `${where}: multiple targets`);
    const target = t.target?.[0];
    if (target !== undefined && target.parent !== top) fail(id, `${where}: target ${target.id} is not a top-level state`);
    const own = actionNames(id, where, t.actions, new Set());
    const entry = {};
    // A state's own transition to itself without reenter stays (no exit, no entry), as in XState v5.
    const stays = target === undefined || (target === node && t.source === node && !t.reenter);
    if (!stays) {
      const targetEntry = actionNames(id, `${target.key} entry`, target.entry, new Set(target.after.map((a) => a.eventType)));
      entry.target = target.key;
      entry.actions = [...exit, ...own, ...targetEntry];
    } else {
      entry.actions = own;
    }
    if (t.guard !== undefined) entry.guard = nameOf(id, `${where} guard`, t.guard);
    list.push(entry);
    if (t.guard === undefined) break; // later candidates can never be taken
  }
  return list;
}

/** One state node's table entry. Only the shape tendril's machines use is accepted. */
function tableFor(id, machine) {
  const top = machine.root;
  if (top.type !== 'compound') fail(id, 'the root must be a compound state');
  if (top.entry.length || top.exit.length || top.after.length) fail(id, 'root entry/exit/after are not supported');
  const children = Object.values(top.states);
  const afterIdsOf = (node) => new Set(node.after.map((a) => a.eventType));
  const states = {};
  for (const node of children) {
    if (node.type !== 'atomic' && node.type !== 'final') fail(id, `state ${node.key}: only atomic and final states are supported`);
    if (node.invoke.length) fail(id, `state ${node.key}: invoke is not supported`);
    const afterIds = afterIdsOf(node);
    const exit = actionNames(id, `${node.key} exit`, node.exit, afterIds);
    const on = {};
    let wildcards = null;
    if (node.type !== 'final') {
      // XState's order: the state's exact descriptor, its wildcards (longest first), then the root's.
      const isWild = (d) => d === '*' || d.endsWith('.*');
      const descriptors = [...new Set([...node.transitions.keys(), ...top.transitions.keys()])];
      const exact = descriptors.filter((d) => !isWild(d));
      const wild = descriptors.filter(isWild).sort((a, b) => b.length - a.length);
      const prefixOf = (d) => (d === '*' ? '' : d.slice(0, -2));
      const matches = (type, d) => d === '*' || type === prefixOf(d) || type.startsWith(`${prefixOf(d)}.`);
      for (const d of wild) {
        // Then the exact lists and each wildcard's list stand alone, so the lookup stays one step.
        for (const other of descriptors) {
          if (other !== d && matches(isWild(other) ? prefixOf(other) : other, d)) fail(id, `${node.key}: descriptor ${other} overlaps ${d}`);
        }
      }
      const candidatesOf = (d) => [...(node.transitions.get(d) ?? []), ...(top.transitions.get(d) ?? [])];
      for (const event of exact) on[event] = transitionsFor(id, node, event, candidatesOf(event), exit, top);
      if (wild.length) wildcards = wild.map((d) => [prefixOf(d), transitionsFor(id, node, d, candidatesOf(d), exit, top)]);
    }
    const state = node.type === 'final' ? { final: true, on } : { on };
    if (wildcards) state.wild = wildcards;
    if (node.after.length) {
      state.after = node.after.map((a) => {
        if (typeof a.delay !== 'string' && typeof a.delay !== 'number') fail(id, `${node.key}: inline delay; name it in setup({ delays })`);
        return [a.eventType, a.delay];
      });
    }
    states[node.key] = state;
  }
  const initial = top.initial.target[0];
  if (!initial || top.initial.actions.length) fail(id, 'the initial transition must be a plain target');
  return {
    machine: top.id,
    initial: initial.key,
    entry: actionNames(id, `${initial.key} entry`, initial.entry, afterIdsOf(initial)),
    states,
  };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const quote = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** TypeScript source for plain data: short values on one line, keys unquoted where they can be. */
function format(value, indent) {
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return String(value);
  const inner = indent + '  ';
  const key = (k) => (IDENTIFIER.test(k) ? k : quote(k));
  const items = Array.isArray(value)
    ? value.map((v) => format(v, inner))
    : Object.entries(value).map(([k, v]) => `${key(k)}: ${format(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return `${open}${close}`;
  const flat = Array.isArray(value) ? `[${items.join(', ')}]` : `{ ${items.join(', ')} }`;
  if (!flat.includes('\n') && flat.length + indent.length < 110) return flat;
  return `${open}\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}${close}`;
}

function render({ source, table }, data) {
  return `// Generated by scripts/gen-machine-tables.mjs from ${source}: do not edit (npm run build regenerates it).
import type { LifecycleTable } from '../table.js';

/** The transition table of ${source}, for createLifecycle() (src/core/lifecycle/index.ts). */
export const ${table} = ${format(data, '')} as const satisfies LifecycleTable;
`;
}

/** The generated files: path -> content. */
export async function generateTables() {
  const machines = await loadMachines();
  const files = new Map();
  for (const m of MACHINES) {
    const machine = machines[m.exportName];
    if (!machine) fail(m.exportName, 'not exported by machines/index.ts');
    files.set(join(outDir, `${m.file}.ts`), render(m, tableFor(m.exportName, machine)));
  }
  return files;
}

/** Writes the tables (only those that changed); with `check`, returns the stale paths instead. */
export async function writeTables({ check = false } = {}) {
  const stale = [];
  mkdirSync(outDir, { recursive: true });
  for (const [path, content] of await generateTables()) {
    let current = null;
    try {
      current = readFileSync(path, 'utf8');
    } catch {}
    if (current === content) continue;
    stale.push(path);
    if (!check) {
      writeFileSync(`${path}.${process.pid}.tmp`, content);
      renameSync(`${path}.${process.pid}.tmp`, path);
    }
  }
  return stale;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const stale = await writeTables({ check });
  for (const p of stale) console.log(`${check ? 'stale' : 'wrote'}: ${p.slice(root.length + 1)}`);
  if (check && stale.length) {
    console.error('machine tables are stale: run node scripts/gen-machine-tables.mjs');
    process.exit(1);
  }
}
