// The handler table's allocator stays inside its router's range when it wraps: a dispatcher's
// handles (from FIRST_DISPATCHER_HANDLE) must never fall into the broker's range.
import { describe, expect, it } from 'vitest';
import { HandlerTable } from '../../src/core/routing/handler-table.js';
import { FIRST_DISPATCHER_HANDLE } from '../../src/core/wire/protocol.js';

describe('HandlerTable.alloc', () => {
  it('wraps to the first handle of its own range, skipping those in use', () => {
    const first = FIRST_DISPATCHER_HANDLE;
    const table = new HandlerTable(first, first + 2);
    const a = table.alloc();
    table.set(a, () => undefined, undefined, true, -1, undefined, null, '', 0);
    const seen = [a];
    for (let i = 0; i < 5; i++) seen.push(table.alloc());
    expect(seen).toEqual([first, first + 1, first + 2, first + 1, first + 2, first + 1]);
  });
});
