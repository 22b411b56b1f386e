// Issue 15.4: one unterminated stdout line of tens of MB cost the master seconds (quadratic:
// the open line was re-joined and re-scanned at every chunk). Lines are now split in one pass
// with a cap: an over-long line is handed out as it comes, in marked pieces of LINE_CAP.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINE_CAP, LINE_CONTINUED_MARK, LINE_CUT_MARK, LineSplitter } from '../../src/core/logging/line-splitter.js';
import { assertProperty } from '../support/fc.js';
import { withRouter } from '../support/router.js';

const TASKS = new URL('./fixtures/tasks.ts', import.meta.url);

/** The text of the lines pieces came from (marks removed, pieces joined). */
function rejoin(pieces: string[]): string[] {
  const out: string[] = [];
  let open: string | null = null;
  for (const p of pieces) {
    let text: string = p.startsWith(LINE_CONTINUED_MARK) && open !== null ? p.slice(LINE_CONTINUED_MARK.length) : p;
    const cut = text.endsWith(LINE_CUT_MARK);
    if (cut) text = text.slice(0, -LINE_CUT_MARK.length);
    open = (open ?? '') + text;
    if (!cut) {
      out.push(open);
      open = null;
    }
  }
  if (open !== null) out.push(open);
  return out;
}

describe('LineSplitter', () => {
  it('any text in any chunks: the same lines as split("\\n"), over-long ones in marked pieces no longer than the cap', async () => {
    const cap = 8;
    await assertProperty(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\n', '\r\n', 'é', 'xxxxxxxxxxx'), { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), (tokens, cuts) => {
        const text = tokens.join('');
        const bytes = Buffer.from(text);
        const pieces: string[] = [];
        const s = new LineSplitter((l) => pieces.push(l), cap);
        for (let at = 0, k = 0; at < bytes.length; k++) {
          const n = cuts[k % cuts.length]!;
          s.push(bytes.subarray(at, at + n));
          at += n;
        }
        s.end();
        const expected = text.split('\n').map((l) => l.replace(/\r$/, ''));
        if (expected[expected.length - 1] === '') expected.pop();
        expect(rejoin(pieces)).toEqual(expected);
        for (const p of pieces) expect(p.length).toBeLessThanOrEqual(LINE_CONTINUED_MARK.length + cap + LINE_CUT_MARK.length);
      }),
    );
  });

  it('a 50 MB line without a newline comes out as it arrives, in pieces of the cap', () => {
    const pieces: string[] = [];
    const s = new LineSplitter((l) => pieces.push(l));
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const total = 50 * 1024 * 1024;
    for (let sent = 0; sent < total; sent += chunk.length) s.push(chunk);
    // Everything but the last, still open, piece is out before the end.
    expect(pieces.length).toBe(total / LINE_CAP - 1);
    s.end();
    expect(pieces.length).toBe(total / LINE_CAP);
    expect(pieces[0]).toBe('y'.repeat(LINE_CAP) + LINE_CUT_MARK);
    expect(pieces[1]).toBe(LINE_CONTINUED_MARK + 'y'.repeat(LINE_CAP) + LINE_CUT_MARK);
    expect(pieces.at(-1)).toBe(LINE_CONTINUED_MARK + 'y'.repeat(LINE_CAP));
  });
});

describe('a child printing one 20 MB line', () => {
  const fx = withRouter({ printLogs: false });
  it('reaches the master as marked pieces of the cap, all of it, and the next line after it', async () => {
    const ctx = await fx.local({ name: 'longline' });
    const size = 20 * 1024 * 1024;
    await ctx.call(TASKS, 'printLongLine', size, 'z');
    await expect.poll(() => fx.logs.some((r) => r.message === 'after the long line'), { timeout: 30_000 }).toBe(true);
    const pieces = fx.logs.filter((r) => r.contextName === 'longline' && r.source === 'stdout').map((r) => r.message);
    const lines = rejoin(pieces);
    expect(lines).toEqual(['z'.repeat(size), 'after the long line']);
    expect(pieces.length).toBe(size / LINE_CAP + 1);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(LINE_CONTINUED_MARK.length + LINE_CAP + LINE_CUT_MARK.length);
    // The master was free meanwhile: the context answers at once.
    expect(await ctx.call(TASKS, 'pid')).toBeGreaterThan(0);
  }, 60_000);
});
