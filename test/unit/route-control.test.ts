// Route control between in-memory routers (no child process): ADD_ROUTE carries a new
// context's route up to every ancestor, a child may announce and report deaths only behind
// itself, and DEL_ROUTE tells the ancestors and the contexts that asked for the death (they may
// wait on it), whose waiting receivers end at once.
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../src/core/errors.js';
import { Receiver } from '../../src/core/messaging/receiver.js';
import { announceChild, installRouteControl } from '../../src/core/routing/route-control.js';
import { CoreRouter } from '../../src/core/routing/router.js';
import { ADD_ROUTE, DEL_ROUTE } from '../../src/core/wire/protocol.js';
import { linkChild, settle, type MemPair } from './harness/mem-link.js';

const HANDLE = 2000;

/** master (0) with children a (1) and b (2); a1 (3) is a's child, announced by a. */
async function tree() {
  const warnings: string[] = [];
  const make = (id: number, name: string, parentIds: number[]): CoreRouter => {
    const r = new CoreRouter({ id, name, parentIds });
    r.log = (level, message) => void (level === 'warn' && warnings.push(`${name}: ${message}`));
    installRouteControl(r, {}, id === 0 ? 'master' : 'child');
    return r;
  };
  const master = make(0, 'master', []);
  const a = make(1, 'a', [0]);
  const b = make(2, 'b', [0]);
  const a1 = make(3, 'a1', [0, 1]);
  const links: Record<string, MemPair> = { a: linkChild(master, a), b: linkChild(master, b), a1: linkChild(a, a1) };
  announceChild(a, 3, 'a1');
  await settle();
  const got: unknown[] = [];
  a1.addHandler((m) => void got.push(m.decode()), { handle: HANDLE });
  return { master, a, b, a1, links, warnings, got };
}

describe('route control (in-memory routers)', () => {
  it('a grandchild announced by its parent is routed from the master, through that parent', async () => {
    const t = await tree();
    expect(t.master.linkTo(3)).toBe(t.links.a!.down);
    expect(t.master.contextFor(3).name).toBe('a1');
    expect(t.b.linkTo(3)).toBeNull();
    t.master.sendValue(3, HANDLE, 'from the master');
    await settle();
    expect(t.got).toEqual(['from the master']);
    expect(t.warnings).toEqual([]);
  });

  it('a child cannot claim a context routed through another child, nor an ancestor', async () => {
    const t = await tree();
    t.b.sendValue(0, ADD_ROUTE, [3, 'impostor', 2]);
    t.a1.sendValue(1, ADD_ROUTE, [0, 'fake master', 3]);
    await settle();
    expect(t.master.linkTo(3)).toBe(t.links.a!.down);
    expect(t.master.contextFor(3).name).toBe('a1');
    expect(t.a.linkTo(0)).toBeNull();
    expect(t.warnings).toEqual(['master: refused ADD_ROUTE for 3 from context 2', 'a: refused ADD_ROUTE for 0 from context 3']);
    t.master.sendValue(3, HANDLE, 'still to a1');
    await settle();
    expect(t.got).toEqual(['still to a1']);
  });

  it('a death reported by a child not leading to it is ignored; the real one reaches the ancestors and who waits on it', async () => {
    const t = await tree();
    t.b.contextFor(3); // b may wait on a1: it asks the master for its death
    t.b.sendValue(0, DEL_ROUTE, [3, 'lies']);
    await settle();
    expect(t.master.isDead(3)).toBe(false);
    // a1's link to a dies: a reports it up, the master tells b, which asked.
    t.links.a1!.cut('a1 crashed');
    await settle();
    for (const r of [t.a, t.master, t.b]) {
      expect(r.isDead(3)).toBe(true);
      expect(r.deadReason(3)).toContain('a1 crashed');
    }
    expect(t.master.linkTo(3)).toBeNull();
    expect(t.master.isDead(1)).toBe(false);
  });

  it('a receiver waiting on a context of another subtree gets one dead message when that subtree is cut', async () => {
    const t = await tree();
    const waiting = new Receiver(t.b, { respondent: t.b.contextFor(3) });
    const got = waiting.get().then(() => null, (e: unknown) => e);
    t.links.a!.cut('a lost');
    const err = await got;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).reason).toMatch(/dead/);
    expect(waiting.state).toBe('dead');
    // b asked for a1 only; its ask crossed the death, so the master answered it with a1's.
    expect(t.b.isDead(3)).toBe(true);
    // A later get() ends at once with the same end; nothing more was delivered.
    await expect(waiting.get()).rejects.toBeInstanceOf(ChannelError);
  });
});
