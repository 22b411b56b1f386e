// src/core/links/port-link.ts with big frames in shared memory (src/core/links/prefault.ts):
// one goes as it is (the same memory, never copied into a batch), in order with the frames
// queued around it, even when a small frame follows it in the same turn.
import { describe, expect, it } from 'vitest';
import { PortLink, type MessageEndpoint } from '../src/core/links/port-link.js';
import { PREFAULT_MIN } from '../src/core/links/prefault.js';
import { encodeFrame } from '../src/core/wire/protocol.js';

/** A frame of `total` bytes in shared memory, as the broker reads one (header first). */
function sharedFrame(bodyLength: number, replyTo: number): Uint8Array {
  const plain = encodeFrame(1, 2, 3, replyTo, 0, new Uint8Array(bodyLength).fill(5));
  const shared = new Uint8Array(new SharedArrayBuffer(plain.byteLength));
  shared.set(plain);
  return shared;
}

describe('PortLink and shared frames', () => {
  it('a big shared frame is posted as it is, between the frames queued before and after it', async () => {
    const posted: Uint8Array[] = [];
    const endpoint: MessageEndpoint = { postMessage: (v) => void posted.push(v as Uint8Array), on: () => undefined };
    const link = new PortLink('test', 1, endpoint, () => undefined);
    const before = encodeFrame(1, 2, 3, 10, 0, new Uint8Array([1, 2, 3]));
    const big = sharedFrame(PREFAULT_MIN, 11);
    const after = encodeFrame(1, 2, 3, 12, 0, new Uint8Array([4]));
    link.send(before);
    link.send(big);
    link.send(after);
    await new Promise((r) => setTimeout(r, 0));
    expect(posted).toHaveLength(3);
    expect(Buffer.compare(posted[0]!, before)).toBe(0);
    expect(posted[1]).toBe(big);
    expect(Buffer.compare(posted[2]!, after)).toBe(0);
    expect(link.posted).toBe(3);
  });

  it('a small frame in shared memory is batched like any other (copied with its neighbours)', async () => {
    const posted: Uint8Array[] = [];
    const endpoint: MessageEndpoint = { postMessage: (v) => void posted.push(v as Uint8Array), on: () => undefined };
    const link = new PortLink('test', 1, endpoint, () => undefined);
    const small = sharedFrame(100, 20);
    const next = encodeFrame(1, 2, 3, 21, 0, new Uint8Array([9]));
    link.send(small);
    link.send(next);
    await new Promise((r) => setTimeout(r, 0));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.buffer).toBeInstanceOf(ArrayBuffer);
    expect(posted[0]!.byteLength).toBe(small.byteLength + next.byteLength);
  });
});
