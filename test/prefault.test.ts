// src/core/links/prefault.ts: the dispatcher faults in a big frame's shared pages while the
// broker reads into them. It must never change a byte, before, during or after the reads.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { prefault, sharedFrameBuffer, type PrefaultRequest } from '../src/core/links/prefault.js';

const PAGE = 4096;

describe('prefault', () => {
  it('leaves every byte as it was, for sizes around page boundaries', () => {
    for (const n of [0, 1, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE - 1, 3 * PAGE + 1]) {
      const memory = new SharedArrayBuffer(n);
      const bytes = new Uint8Array(memory);
      // Zeros and non-zeros at the bytes it touches (every page start, the last byte) and between.
      for (let i = 0; i < n; i++) bytes[i] = i % 3 === 0 ? 0 : (i * 31) & 0xff || 1;
      const before = Uint8Array.from(bytes);
      prefault(memory);
      expect(Buffer.compare(bytes, before)).toBe(0);
    }
  });

  it('run on another thread while this one writes, it changes none of what was written', async () => {
    const n = 32 * 2 ** 20 + 123;
    const posted: PrefaultRequest[] = [];
    const bytes = sharedFrameBuffer(n, (r) => posted.push(r));
    expect(bytes.byteLength).toBe(n);
    expect(posted).toHaveLength(1);
    const request = posted[0]!;
    expect(request.prefault).toBe(bytes.buffer);
    // The worker runs prefault itself (its source: it uses nothing but globals).
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
      const prefault = ${prefault.toString()};
      parentPort.once('message', (m) => (prefault(m.prefault), parentPort.postMessage('done')));`,
      { eval: true },
    );
    const done = new Promise((r) => worker.once('message', r));
    worker.postMessage(request);
    const pattern = (i: number): number => (i * 7 + 1) & 0xff;
    for (let i = 0; i < n; i++) bytes[i] = pattern(i);
    await done;
    await worker.terminate();
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (bytes[i] !== pattern(i)) bad = i;
    expect(bad).toBe(-1);
  });
});
