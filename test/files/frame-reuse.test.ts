// The serving side reads later chunks into the frames of earlier ones once the requester says
// it is done with their bytes (chunk-protocol.ts `done`, chunk-source.ts release): a frame
// keeps its bytes until then, whatever the order of requests, and frames are reused (a 1 GiB
// transfer does not allocate a buffer per chunk). Driven with a fake router that records the
// frames sent, over a real file.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkSource } from '../../src/files/chunk-source.js';
import { DONE, FRAME_HEADER, READ, type ChunkRequest } from '../../src/files/chunk-protocol.js';
import type { CoreRouter } from '../../src/core/routing/router.js';
import type { Message } from '../../src/core/messaging/message.js';
import { assertProperty } from '../support/fc.js';
import { randomFile, removeDir, scratchDir } from './support.js';
import { readFileSync } from 'node:fs';

const CHUNK = 1000;

/** A source over `path` and a requester (context 5) that asks in turn and collects each reply. */
async function rig(path: string, size: number) {
  let handler: ((m: Message) => void) | null = null;
  const replies: unknown[] = [];
  const router = {
    addHandler: (fn: (m: Message) => void) => ((handler = fn), 9),
    delHandler: () => undefined,
    sendFrame: (_dst: number, _replyTo: number, frame: Uint8Array) => replies.push(frame),
    sendValue: (_dst: number, _replyTo: number, v: unknown) => replies.push(v),
  } as unknown as CoreRouter;
  const file = await open(path, 'r');
  const source = new ChunkSource(router, file, size, { allows: (id) => id === 5 });
  /** Sends `req` and resolves with its reply: a chunk's frame, or a value. */
  const ask = async (req: ChunkRequest): Promise<unknown> => {
    const before = replies.length;
    handler!({ isDead: false, srcId: 5, replyTo: 3, decode: () => req } as unknown as Message);
    while (replies.length === before) await new Promise((r) => setImmediate(r));
    return replies[before];
  };
  return { ask, close: () => (source.close(), file.close()) };
}

/** The chunk a frame carries (after the frame header and msgpack's bin header). */
const chunkOf = (frame: Uint8Array, length: number): Buffer => Buffer.from(frame.subarray(frame.byteLength - length));

describe('files: chunk frames reused once the requester is done with them', () => {
  const dir = scratchDir('frame-reuse');
  afterAll(() => removeDir(dir));

  it('a frame keeps its chunk until the requester is done with it, and frames are reused', async () => {
    const path = join(dir, 'src');
    const chunks = 24;
    randomFile(path, chunks * CHUNK);
    const data = readFileSync(path);
    await assertProperty(
      // For each request, how far behind what was received the requester says it is done.
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: chunks, maxLength: chunks }), async (lags) => {
        const { ask, close } = await rig(path, data.byteLength);
        try {
          const held: { frame: Uint8Array; at: number }[] = [];
          const buffers = new Set<ArrayBufferLike>();
          let done = 0;
          for (let i = 0; i < chunks; i++) {
            // Done with everything but the last lags[i] chunks received (never going back).
            done = Math.max(done, Math.max(0, i - lags[i]!) * CHUNK);
            const frame = (await ask([READ, i * CHUNK, CHUNK, done])) as Uint8Array;
            expect(frame).toBeInstanceOf(Uint8Array);
            buffers.add(frame.buffer);
            held.push({ frame, at: i * CHUNK });
            // Every frame the requester still needs carries its chunk, unchanged.
            for (const h of held) if (h.at + CHUNK > done) expect(chunkOf(h.frame, CHUNK).equals(data.subarray(h.at, h.at + CHUNK))).toBe(true);
          }
          const end = (await ask([DONE, 0, 0])) as { bytes: number };
          expect(end.bytes).toBe(data.byteLength);
          // Frames are reused: with the requester keeping at most 7 chunks (and the reads
          // ahead), far fewer buffers than chunks.
          if (lags.every((l) => l <= 2)) expect(buffers.size).toBeLessThan(chunks / 2);
        } finally {
          await close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a requester that never says it is done gets a new frame per chunk', async () => {
    const path = join(dir, 'plain');
    randomFile(path, 8 * CHUNK);
    const data = readFileSync(path);
    const { ask, close } = await rig(path, data.byteLength);
    try {
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 8; i++) frames.push((await ask([READ, i * CHUNK, CHUNK])) as Uint8Array);
      expect(new Set(frames.map((f) => f.buffer)).size).toBe(8);
      frames.forEach((f, i) => expect(chunkOf(f, CHUNK).equals(data.subarray(i * CHUNK, (i + 1) * CHUNK))).toBe(true));
      expect(frames[0]!.byteLength).toBeGreaterThan(FRAME_HEADER + CHUNK);
    } finally {
      await close();
    }
  });
});
