// The wire codec, old (tendril's own MessagePack writer/reader, kept in bench/old-codec/ for
// this comparison only) beside the current one (msgpackr, src/core/wire/codec.ts), in one
// process, alternating rounds. `node --import tsx bench/codec.ts` on its own, or from
// `npm run bench`. Figures: microseconds per encode / decode, median of the rounds.
import { pathToFileURL } from 'node:url';
import { MsgpackReader } from './old-codec/msgpack-reader.js';
import { MsgpackWriter } from './old-codec/msgpack-writer.js';
import { decode, encode, encodeFrameGathered } from '../src/core/wire/codec.js';
import { median } from './stats.js';

const oldWriter = new MsgpackWriter();
const oldReader = new MsgpackReader();
const ROUNDS = 5;
const ROUND_MS = 60;

const record = (i: number): Record<string, unknown> => ({ id: i, name: `user${i}`, active: i % 2 === 0, score: i * 1.5, tags: ['a', 'b'] });
const cases: { name: string; value: unknown; gathered?: boolean }[] = [
  { name: "call tuple [null, 'node:path', 'basename', ['x123']]", value: [null, 'node:path', 'basename', ['x123']] },
  { name: '1 KB object (20 records)', value: { rows: Array.from({ length: 20 }, (_, i) => record(i)) } },
  { name: '64 KiB binary (frame, gathered)', value: [null, 'm', 'f', [new Uint8Array(64 * 1024).fill(1)]], gathered: true },
  { name: '1 MiB binary (frame, gathered)', value: [null, 'm', 'f', [new Uint8Array(1 << 20).fill(2)]], gathered: true },
  {
    name: 'Map/Set heavy (50 entries)',
    value: new Map(Array.from({ length: 50 }, (_, i) => [`k${i}`, new Set([i, i + 1, `s${i}`])])),
  },
];

/** Microseconds per call of `fn`, run for about ROUND_MS. */
function usPer(fn: () => unknown): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ROUND_MS) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

export interface CodecRow {
  name: string;
  oldEncode: number;
  newEncode: number;
  oldDecode: number;
  newDecode: number;
  bytesOld: number;
  bytesNew: number;
}

export function benchCodec(): CodecRow[] {
  const rows: CodecRow[] = [];
  for (const c of cases) {
    const oldBytes = oldWriter.encode(c.value, 'value');
    const newBytes = encode(c.value);
    const times = { oe: [] as number[], ne: [] as number[], od: [] as number[], nd: [] as number[] };
    const oldEnc = c.gathered ? () => oldWriter.encodeGathered(c.value, 'value', 26) : () => oldWriter.encode(c.value, 'value');
    const newEnc = c.gathered ? () => encodeFrameGathered(c.value) : () => encode(c.value);
    for (let r = 0; r < ROUNDS; r++) {
      times.oe.push(usPer(oldEnc));
      times.ne.push(usPer(newEnc));
      times.od.push(usPer(() => oldReader.decode(oldBytes, null)));
      times.nd.push(usPer(() => decode(newBytes)));
    }
    rows.push({
      name: c.name,
      oldEncode: median(times.oe),
      newEncode: median(times.ne),
      oldDecode: median(times.od),
      newDecode: median(times.nd),
      bytesOld: oldBytes.byteLength,
      bytesNew: newBytes.byteLength,
    });
  }
  return rows;
}

export function printCodec(rows: CodecRow[]): void {
  const f = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  console.log('');
  console.log(`codec: us per encode / decode, old (own writer/reader) vs new (msgpackr), median of ${ROUNDS} alternating rounds`);
  console.log('value | old encode | new encode | old decode | new decode | encode x | decode x | bytes old/new');
  console.log('---|---|---|---|---|---|---|---');
  for (const r of rows) {
    console.log(
      `${r.name} | ${f(r.oldEncode)} | ${f(r.newEncode)} | ${f(r.oldDecode)} | ${f(r.newDecode)} | ${(r.oldEncode / r.newEncode).toFixed(2)} | ${(r.oldDecode / r.newDecode).toFixed(2)} | ${r.bytesOld}/${r.bytesNew}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printCodec(benchCodec());
