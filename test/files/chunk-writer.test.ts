// The receiving side's writes (chunk-writer.ts): chunks hashed in order, written with a few
// writes at once that may end in any order; what it reports written is always a complete
// prefix of the file, growing, and a write error stops it and reaches the caller.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkWriter } from '../../src/files/chunk-writer.js';
import { assertProperty } from '../support/fc.js';

/** A file whose writes end when the test says, in the order it picks; short writes too. */
function fakeFile(size: number, failAt = -1) {
  const content = Buffer.alloc(size);
  const done = new Uint8Array(size);
  const pending: (() => void)[] = [];
  const positions: number[] = [];
  let maxPending = 0;
  const file = {
    write: (buf: Uint8Array, off: number, len: number, pos: number) =>
      new Promise((resolve, reject) => {
        positions.push(pos);
        pending.push(() => {
          if (failAt >= pos && failAt < pos + len) return reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
          // At most 7 bytes at a time: the writer finishes short writes itself.
          const n = Math.min(len, 7);
          content.set(buf.subarray(off, off + n), pos);
          done.fill(1, pos, pos + n);
          resolve({ bytesWritten: n, buffer: buf });
        });
        maxPending = Math.max(maxPending, pending.length);
      }),
  } as unknown as FileHandle;
  /** Ends the running write at `pos`..`end` (all its short writes). */
  const finish = async (pos: number, end: number): Promise<void> => {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const i = positions.findIndex((p) => p >= pos && p < end);
      if (i < 0) return;
      positions.splice(i, 1);
      pending.splice(i, 1)[0]!();
    }
  };
  return { file, content, done, pending, positions, finish, maxPending: () => maxPending };
}

describe('files: the chunk writer', () => {
  it('hashes in order, reports only complete prefixes, keeps maxWrites running at most', async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), async (sizes, maxWrites, picks) => {
        const size = sizes.reduce((a, b) => a + b, 0);
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i++) data[i] = (i * 13 + 5) & 0xff;
        const f = fakeFile(size);
        const reports: number[] = [];
        const w = new ChunkWriter(f.file, { onWritten: (n) => reports.push(n) }, maxWrites);
        let at = 0;
        let pick = 0;
        const completeOne = (): void => {
          // Ends a running write chosen by the test (any order).
          const i = picks[pick++ % picks.length]! % f.pending.length;
          f.positions.splice(i, 1);
          f.pending.splice(i, 1)[0]!();
        };
        for (const n of sizes) {
          while (!w.hasRoom) {
            completeOne();
            await new Promise((r) => setImmediate(r));
          }
          expect(w.inFlight).toBeLessThan(maxWrites);
          w.write(data.subarray(at, at + n), at);
          at += n;
        }
        while (f.pending.length > 0 || w.inFlight > 0) {
          if (f.pending.length > 0) completeOne();
          await new Promise((r) => setImmediate(r));
        }
        expect(w.error).toBeNull();
        expect(f.content.equals(data)).toBe(true);
        expect(w.written).toBe(size);
        expect(w.digest()).toBe(createHash('sha256').update(data).digest('hex'));
        // Each report is a prefix wholly written when it was made, and they only grow.
        for (let i = 1; i < reports.length; i++) expect(reports[i]!).toBeGreaterThan(reports[i - 1]!);
        if (size > 0) expect(reports.at(-1)).toBe(size);
      }),
      { numRuns: 80 },
    );
  });

  it('reports a prefix only once every byte of it is written', async () => {
    const f = fakeFile(30);
    const seen: number[] = [];
    const w = new ChunkWriter(f.file, { onWritten: (n) => seen.push(f.done.subarray(0, n).every((b) => b === 1) ? n : -n) }, 3);
    const data = Buffer.alloc(30, 1);
    w.write(data.subarray(0, 10), 0);
    w.write(data.subarray(10, 20), 10);
    w.write(data.subarray(20, 30), 20);
    // The last ends first (nothing to report), then the first, then the middle one.
    await f.finish(20, 30);
    expect(seen).toEqual([]);
    await f.finish(0, 10);
    expect(seen).toEqual([10]);
    await f.finish(10, 20);
    expect(seen).toEqual([10, 30]);
    expect(seen.every((n) => n > 0)).toBe(true);
    expect(seen.at(-1)).toBe(30);
  });

  it('a write error reaches the caller (error, after onWriteEnd), and nothing more is written', async () => {
    const f = fakeFile(20, 12);
    let ends = 0;
    const w = new ChunkWriter(f.file, { onWriteEnd: () => ends++ }, 1);
    const data = Buffer.alloc(20, 9);
    w.write(data.subarray(0, 10), 0);
    expect(w.hasRoom).toBe(false);
    await f.finish(0, 10);
    expect([ends, w.hasRoom, w.error]).toEqual([1, true, null]);
    w.write(data.subarray(10, 20), 10);
    await f.finish(10, 20);
    expect(ends).toBe(2);
    expect(w.error).toMatchObject({ code: 'ENOSPC' });
    expect(w.inFlight).toBe(0);
    expect(w.hasRoom).toBe(false);
    w.write(data.subarray(0, 5), 0);
    expect(f.pending).toEqual([]);
  });

  it('frees each buffer once its write ended, well or not, and not before (onFree)', async () => {
    const f = fakeFile(30, 25);
    const freed: Uint8Array[] = [];
    const w = new ChunkWriter(f.file, { onFree: (b) => freed.push(b) }, 3);
    const data = Buffer.alloc(30, 4);
    const parts = [data.subarray(0, 10), data.subarray(10, 20), data.subarray(20, 30)];
    parts.forEach((p, i) => w.write(p, i * 10));
    await f.finish(10, 20);
    expect(freed).toEqual([parts[1]]);
    await f.finish(20, 30); // fails (ENOSPC at 25): its buffer is free all the same
    expect(freed).toEqual([parts[1], parts[2]]);
    expect(w.error).toMatchObject({ code: 'ENOSPC' });
    await f.finish(0, 10);
    expect(freed.length).toBe(3);
    expect(freed[2]).toBe(parts[0]);
  });
});
