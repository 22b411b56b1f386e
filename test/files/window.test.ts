// The receiving side's window (chunk-sink.ts) bounds memory whatever the disk's speed: chunks
// asked for, arrived and not yet written all count against it. Driven with a fake router
// that answers every request at once and a file whose writes finish only when the test says:
// the link is infinitely faster than the disk, the worst case for memory.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pullInto } from '../../src/files/chunk-sink.js';
import { DONE, READ, type ChunkRequest } from '../../src/files/chunk-protocol.js';
import type { CoreRouter } from '../../src/core/routing/router.js';
import type { Message } from '../../src/core/messaging/message.js';
import fc from 'fast-check';
import { assertProperty } from '../support/fc.js';

interface Rig {
  maxHeld: number;
  pendingWrites: (() => void)[];
  data: Buffer;
  written: Buffer;
}

function rig(size: number, chunk: number): { router: CoreRouter; file: FileHandle; state: Rig } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + 3) & 0xff;
  const state: Rig = { maxHeld: 0, pendingWrites: [], data, written: Buffer.alloc(size) };
  let handler: ((m: Message) => void) | null = null;
  let asked = 0;
  let writtenBytes = 0;
  const msg = (v: unknown): Message => ({ isDead: false, decode: () => v }) as unknown as Message;
  const router = {
    addHandler: (fn: (m: Message) => void) => ((handler = fn), 7),
    delHandler: () => undefined,
    sendValue: (_dst: number, _h: number, req: ChunkRequest) => {
      // Answered at once (a microtask later), as by a source on an infinitely fast link.
      queueMicrotask(() => {
        if (req[0] === READ) {
          asked += req[2];
          state.maxHeld = Math.max(state.maxHeld, asked - writtenBytes);
          handler!(msg(data.subarray(req[1], req[1] + req[2])));
        } else if (req[0] === DONE) {
          handler!(msg({ bytes: size, sha256: createHash('sha256').update(data).digest('hex') }));
        }
      });
    },
  } as unknown as CoreRouter;
  const file = {
    write: (buf: Uint8Array, off: number, len: number, pos: number) =>
      new Promise((resolve) => {
        state.pendingWrites.push(() => {
          state.written.set(buf.subarray(off, off + len), pos);
          writtenBytes += len;
          resolve({ bytesWritten: len, buffer: buf });
        });
      }),
  } as unknown as FileHandle;
  return { router, file, state };
}

describe('files: the receiving window', () => {
  it('never holds more than window x chunk bytes, however slow the writes', async () => {
    await assertProperty(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 6 }), async (chunks, tail, window) => {
        const chunk = 10;
        const size = chunks * chunk + tail;
        const { router, file, state } = rig(size, chunk);
        const done = pullInto(router, file, { sourceId: 1, sourceHandle: 2, size, chunk, window });
        let settled = false;
        void done.finally(() => (settled = true));
        // Let every answer arrive before each write completes.
        for (let spins = 0; !settled && spins < 10_000; spins++) {
          await new Promise((r) => setImmediate(r));
          state.pendingWrites.shift()?.();
        }
        const r = await done;
        expect(r.bytes).toBe(size);
        expect(state.written.equals(state.data)).toBe(true);
        expect(state.maxHeld).toBeLessThanOrEqual(window * chunk);
      }),
      { numRuns: 60 },
    );
  });
});
