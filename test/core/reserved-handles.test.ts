// The table of reserved handles (src/core/handles/): what the runtime derives from it (numbers
// and names in protocol.ts, the broker/dispatcher split, policies, payload checks) and
// docs/protocol.md's table, which must be the table rendered from the code.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HANDLE_DOCS, RESERVED_HANDLES, reservedHandle } from '../../src/core/handles/index.js';
import { TABLE_BEGIN, TABLE_END, renderHandleTable, withHandleTable } from '../../src/core/handles/doc-table.js';
import { onDispatcherThread } from '../../src/core/handles/threads.js';
import { installHandle } from '../../src/core/handles/install.js';
import { MalformedPayload, payloadOrDrop, readPayload } from '../../src/core/handles/payload.js';
import { MALFORMED, type ReservedHandle } from '../../src/core/handles/reserved-handle.js';
import { callFunctionHandle } from '../../src/core/handles/call-function.js';
import { addRouteHandle } from '../../src/core/handles/add-route.js';
import { delRouteHandle } from '../../src/core/handles/del-route.js';
import { allocateIdHandle, parseAllocateIdReply } from '../../src/core/handles/allocate-id.js';
import { loadModuleHandle } from '../../src/core/handles/load-module.js';
import { forgetChainHandle } from '../../src/core/handles/forget-chain.js';
import { createChildHandle, parseCreateChildReply } from '../../src/core/handles/create-child.js';
import * as protocol from '../../src/core/wire/protocol.js';
import { encode } from '../../src/core/wire/codec.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { Logger } from '../../src/core/logging/logger.js';
import type { LogRecord } from '../../src/core/logging/log-record.js';
import type { Message } from '../../src/core/messaging/message.js';
import { assertProperty } from '../support/fc.js';

const root = join(import.meta.dirname, '../..');
const handlesDir = join(root, 'src/core/handles');

const isDescriptor = (v: unknown): v is ReservedHandle =>
  typeof v === 'object' && v !== null && typeof (v as ReservedHandle).id === 'number' && typeof (v as ReservedHandle).parse === 'function';

describe('the reserved handle table', () => {
  it('has unique numbers below FIRST_USER_HANDLE and unique names, found by number', () => {
    const ids = RESERVED_HANDLES.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(RESERVED_HANDLES.map((h) => h.name)).size).toBe(ids.length);
    for (const h of RESERVED_HANDLES) {
      expect(h.id).toBeGreaterThan(0);
      expect(h.id).toBeLessThan(protocol.FIRST_USER_HANDLE);
      expect(h.name).toMatch(/^[A-Z][A-Z_]*$/);
      expect(reservedHandle(h.id)).toBe(h);
    }
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(reservedHandle(0)).toBeUndefined();
    expect(reservedHandle(protocol.FIRST_USER_HANDLE)).toBeUndefined();
  });

  it('holds every handle module of src/core/handles/, and the docs list the same handles in the same order', async () => {
    const found: ReservedHandle[] = [];
    for (const file of readdirSync(handlesDir).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(join(handlesDir, file))) as Record<string, unknown>;
      for (const value of Object.values(mod)) if (isDescriptor(value)) found.push(value);
    }
    expect(found.length).toBeGreaterThanOrEqual(13);
    const missing = found.filter((h) => !RESERVED_HANDLES.includes(h)).map((h) => h.name);
    expect(missing, 'handle modules not in src/core/handles/index.ts').toEqual([]);
    expect(new Set(found)).toEqual(new Set(RESERVED_HANDLES));
    expect(HANDLE_DOCS.map(([h]) => h)).toEqual(RESERVED_HANDLES);
    for (const [h, purpose] of HANDLE_DOCS) expect(purpose.length, h.name).toBeGreaterThan(10);
  });

  it("gives protocol.ts its numbers, and logs' handle names", () => {
    const exported = protocol as unknown as Record<string, unknown>;
    for (const h of RESERVED_HANDLES) {
      if (h.name in exported) expect(exported[h.name], h.name).toBe(h.id);
      expect(protocol.describeHandle(h.id)).toBe(h.name);
    }
    expect(protocol.CALL_FUNCTION).toBe(1);
    expect(protocol.CREATE_CHILD).toBe(13);
    expect(protocol.describeHandle(1000)).toBe('1000');
    expect(protocol.describeHandle(0x80000001)).toBe(String(0x80000001));
  });

  it('splits threads: the dispatcher takes its own range and the handles the table gives it, the broker all else', () => {
    const dispatcherReserved = RESERVED_HANDLES.filter((h) => h.thread === 'dispatcher').map((h) => h.name);
    expect(dispatcherReserved).toEqual(expect.arrayContaining(['CALL_FUNCTION', 'FORGET_CHAIN']));
    for (const h of RESERVED_HANDLES) expect(onDispatcherThread(h.id), h.name).toBe(h.thread === 'dispatcher');
    for (const h of [0, 999, protocol.FIRST_USER_HANDLE, protocol.FIRST_DISPATCHER_HANDLE - 1]) expect(onDispatcherThread(h), String(h)).toBe(false);
    for (const h of [protocol.FIRST_DISPATCHER_HANDLE, protocol.LAST_HANDLE]) expect(onDispatcherThread(h), String(h)).toBe(true);
    assertProperty(
      fc.property(fc.integer({ min: 0, max: protocol.LAST_HANDLE }), (h) => {
        const expected = h >= protocol.FIRST_DISPATCHER_HANDLE || reservedHandle(h)?.thread === 'dispatcher';
        expect(onDispatcherThread(h)).toBe(expected);
      }),
    );
  });
});

describe('payload checks', () => {
  const valid: [ReservedHandle, unknown, unknown][] = [
    [callFunctionHandle, [null, 'node:os', 'uptime', []], [null, 'node:os', 'uptime', []]],
    [callFunctionHandle, ['chain-1', '/m.ts', 'a.b', [1, 'x']], ['chain-1', '/m.ts', 'a.b', [1, 'x']]],
    [addRouteHandle, [5, 'web', 2], [5, 'web', 2]],
    [delRouteHandle, [5, 'gone'], [5, 'gone']],
    [delRouteHandle, [5], [5, 'dead']],
    [allocateIdHandle, 64, 64],
    [allocateIdHandle, 5000, 1024],
    [allocateIdHandle, 'many', 1],
    [loadModuleHandle, ['./a.js', '/src/b.ts'], ['./a.js', '/src/b.ts']],
    [loadModuleHandle, ['semver', 7], ['semver', null]],
    [forgetChainHandle, 'chain-1', 'chain-1'],
    [createChildHandle, { method: 'local', opts: { name: 'x' } }, { method: 'local', opts: { name: 'x' } }],
  ];
  it.each(valid.map(([h, v, out]) => [h.name, JSON.stringify(v), h, v, out] as const))('%s accepts %s', (_n, _j, h, v, out) => {
    expect(readPayload(h, encode(v))).toEqual(out);
  });

  const malformed: [ReservedHandle, unknown][] = [
    [callFunctionHandle, [null, 'node:os', 'uptime']],
    [callFunctionHandle, [1, 'node:os', 'uptime', []]],
    [callFunctionHandle, [null, 'node:os', 'uptime', 'args']],
    [addRouteHandle, [5, 6, 2]],
    [delRouteHandle, ['5']],
    [loadModuleHandle, [42]],
    [forgetChainHandle, 12],
    [createChildHandle, null],
    [createChildHandle, { opts: {} }],
  ];
  it.each(malformed.map(([h, v]) => [h.name, JSON.stringify(v), h, v] as const))('%s refuses %s, naming the shape expected', (_n, _j, h, v) => {
    const read = (): unknown => readPayload(h, encode(v));
    expect(read).toThrow(MalformedPayload);
    expect(read).toThrow(TypeError);
    expect(read).toThrow(`malformed ${h.name} message: expected ${h.data}`);
  });

  it('undecodable bytes fail with the codec error, not as a wrong shape', () => {
    let thrown: unknown;
    try {
      readPayload(callFunctionHandle, new Uint8Array([0xc1]));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown).not.toBeInstanceOf(MalformedPayload);
  });

  it('any value either reads or fails as MalformedPayload, for every handle', () => {
    const handles = RESERVED_HANDLES;
    assertProperty(
      fc.property(fc.constantFrom(...handles), fc.jsonValue({ maxDepth: 3 }), (h, v) => {
        try {
          readPayload(h, encode(v));
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedPayload);
        }
      }),
    );
  });

  it('replies are checked too: ALLOCATE_ID and CREATE_CHILD', () => {
    expect(parseAllocateIdReply([100, 64])).toEqual([100, 64]);
    expect(parseAllocateIdReply([100])).toBe(MALFORMED);
    expect(parseCreateChildReply([7, 'web'])).toEqual([7, 'web']);
    expect(parseCreateChildReply({ id: 7 })).toBe(MALFORMED);
  });
});

/** A router whose log records the test reads; debug records of every topic on. */
function routerWithLogs(): { router: CoreRouter; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const router = new CoreRouter({ id: 0, name: 'm', parentIds: [] });
  router.logger = new Logger(0, 'm', (r) => records.push(r), true);
  return { router, records };
}

/** Sends `data` to `handle` of `router` from itself; resolves with the reply (or dead message). */
function ask(router: CoreRouter, handle: number, data: Uint8Array): Message | null {
  let got: Message | null = null;
  const replyTo = router.addHandler((m) => (got = m), { persist: false });
  router.sendData(router.myId, handle, data, replyTo);
  return got;
}

describe('installing a handler from the table', () => {
  it("uses the handle's policy, or the master's when it has one (LOAD_MODULE: immediate child; master: anyone)", () => {
    const asChild = routerWithLogs();
    let ran = 0;
    installHandle(asChild.router, loadModuleHandle, () => ran++);
    const refused = ask(asChild.router, loadModuleHandle.id, encode(['x', null]));
    expect(refused?.isDead).toBe(true);
    expect(refused?.deadReason).toMatch(/refused by policy of handle LOAD_MODULE/);
    expect(ran).toBe(0);

    const asMaster = routerWithLogs();
    installHandle(asMaster.router, loadModuleHandle, (m) => {
      ran++;
      m.reply('ok');
    }, 'master');
    expect(ask(asMaster.router, loadModuleHandle.id, encode(['x', null]))?.decode()).toBe('ok');
    expect(ran).toBe(1);
  });

  it('payloadOrDrop drops a wrong shape with a debug record saying what was expected', () => {
    const { router, records } = routerWithLogs();
    const seen: unknown[] = [];
    installHandle(router, forgetChainHandle, (m) => seen.push(payloadOrDrop(router, forgetChainHandle, m)));
    router.sendData(0, forgetChainHandle.id, encode(12));
    router.sendData(0, forgetChainHandle.id, encode('c1'));
    expect(seen).toEqual([undefined, 'c1']);
    const drop = records.find((r) => r.level === 'debug' && r.topic === 'routing' && /FORGET_CHAIN/.test(r.message));
    expect(drop?.message).toBe(`dropped a message from context 0: malformed FORGET_CHAIN message: expected ${forgetChainHandle.data}`);
  });
});

describe('docs/protocol.md', () => {
  const doc = readFileSync(join(root, 'docs/protocol.md'), 'utf8');

  it('carries the table rendered from src/core/handles/ (else run: node scripts/handles-doc.mjs)', () => {
    const begin = doc.indexOf(TABLE_BEGIN);
    const end = doc.indexOf(TABLE_END);
    expect(begin).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(begin);
    expect(doc.slice(begin + TABLE_BEGIN.length, end).trim()).toBe(renderHandleTable());
    expect(withHandleTable(doc)).toBe(doc);
  });

  it('has one row per handle, and defines every policy the table names', () => {
    const table = renderHandleTable();
    for (const h of RESERVED_HANDLES) expect(table).toContain(`| ${h.id} | \`${h.name}\` |`);
    const prose = doc.slice(doc.indexOf(TABLE_END));
    const policies = new Set(RESERVED_HANDLES.flatMap((h) => [h.policy.name, ...(h.masterPolicy ? [h.masterPolicy.name] : [])]));
    for (const name of policies) expect(prose, `policy '${name}' is not defined below the table in docs/protocol.md`).toContain(`**${name}**`);
  });

  it('a stale table is noticed', () => {
    const stale = doc.replace(/\| 1 \| `CALL_FUNCTION` \|[^\n]*/, '| 1 | `CALL_FUNCTION` | somebody | anyone | x | none | old text |');
    expect(stale).not.toBe(doc);
    expect(withHandleTable(stale)).toBe(doc);
  });
});
