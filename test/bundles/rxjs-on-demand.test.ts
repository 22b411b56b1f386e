// rxjs is not in the child payload (scripts/build.mjs, ON_DEMAND_PACKAGES): a child that never
// uses an observable never loads it; the first observable a child's code asks for loads the
// extras bundle, which holds rxjs, with one request to the master.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRouter } from '../support/router.js';

const TASKS = new URL('./fixtures/observable-tasks.ts', import.meta.url);
const dist = join(import.meta.dirname, '..', '..', 'dist');

describe('rxjs on demand', () => {
  const fx = withRouter({}, { scope: 'file' });

  it('is in the extras bundle, not in the payload', () => {
    const inputs = (name: string): string[] => Object.keys((JSON.parse(readFileSync(join(dist, `${name}.meta.json`), 'utf8')) as { inputs: object }).inputs);
    expect(inputs('core').filter((f) => f.includes('node_modules/rxjs/'))).toEqual([]);
    expect(inputs('extras').some((f) => f.includes('node_modules/rxjs/'))).toBe(true);
  });

  it('a child that uses no observable never asks for it; the first observable loads it once', async () => {
    const ctx = await fx.local({ name: 'rxjs-on-demand' });
    await expect(ctx.call(TASKS, 'plain', 21)).resolves.toBe(42);
    const r0 = fx.router.moduleStats.requests;
    await expect(ctx.call(TASKS, 'plain', 2)).resolves.toBe(4);
    await expect(ctx.call('node:os', 'hostname')).resolves.toEqual(expect.any(String));
    // Calls that use no observable ask the master for nothing (the extras bundle is not loaded).
    expect(fx.router.moduleStats.requests).toBe(r0);
    await expect(ctx.call(TASKS, 'firstCallerState')).resolves.toEqual({ state: 'running', piped: true });
    // The observable loaded the bundle: one request.
    expect(fx.router.moduleStats.requests).toBe(r0 + 1);
    await expect(ctx.call(TASKS, 'firstCallerState')).resolves.toEqual({ state: 'running', piped: true });
    expect(fx.router.moduleStats.requests).toBe(r0 + 1);
  });
});
