// new Router({ importPolicy }): which modules children may load from the master, enforced by
// the master's module responder (issue 16, part 2). Real children; the rule matcher itself is
// checked against a reference model with random rules.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallError } from '../../src/index.js';
import { refusal } from '../../src/master/module-responder-policy.js';
import { assertProperty } from '../support/fc.js';
import { rejectionOf } from '../support/errors.js';
import { withRouter } from '../support/router.js';

// Made at load time: the routers' options name it.
const base = mkdtempSync(join(tmpdir(), 'tendril-policy-'));
const dir = join(base, 'app');
const outside = join(base, 'elsewhere');

beforeAll(() => {
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(dir, 'ok.ts'), "export function hello(): string { return 'hello'; }\n");
  writeFileSync(join(dir, 'secret.ts'), "export function key(): string { return 'k'; }\n");
  writeFileSync(join(dir, 'leaky.ts'), "import { key } from './secret.js';\nexport function leak(): string { return key(); }\n");
  writeFileSync(join(outside, 'other.ts'), 'export function n(): number { return 1; }\n');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('importPolicy, allow and deny', () => {
  const fx = withRouter({ shutdownTimeout: 2000, importPolicy: { allow: [`${base}/app`], deny: [/secret/] } }, { scope: 'file' });

  it('an allowed module loads', async () => {
    const ctx = await fx.shared();
    expect(await ctx.call(join(dir, 'ok.ts'), 'hello')).toBe('hello');
  });

  it('a denied module is refused with a CallError naming the rule, though an allow rule matches it too (deny wins)', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call(join(dir, 'secret.ts'), 'key'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteMessage).toContain(`module ${join(dir, 'secret.ts')} is refused by the router's importPolicy: deny[0] /secret/ matches it`);
  });

  it('a module importing a denied one is refused, naming the denied module', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call(join(dir, 'leaky.ts'), 'leak'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteMessage).toMatch(/'\.\/secret\.js' \(.*secret\.ts\) is refused by the router's importPolicy: deny\[0\] \/secret\/ matches it/);
  });

  it('a module no allow rule matches is refused, naming the allow list', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.call(join(outside, 'other.ts'), 'n'));
    expect(err).toBeInstanceOf(CallError);
    expect(err.remoteMessage).toContain(`module ${join(outside, 'other.ts')} is refused by the router's importPolicy: no allow rule matches it (allow: "${base}/app")`);
    expect(fx.router.moduleStats.refused).toBeGreaterThanOrEqual(3);
  });

  it('forwardModules of a denied module rejects the same way; builtins are not the policy\'s business', async () => {
    const ctx = await fx.shared();
    const err = await rejectionOf(ctx.forwardModules([join(dir, 'secret.ts')]));
    expect(err).toBeInstanceOf(CallError);
    expect(err.message).toContain('deny[0] /secret/ matches it');
    expect(await ctx.call('node:path', 'basename', '/a/b')).toBe('b');
  });
});

describe('importPolicy on specifiers', () => {
  const fx = withRouter({ shutdownTimeout: 2000, importPolicy: { deny: ['fake-pkg'] } }, { scope: 'file' });

  it('a bare package name denies the package (by specifier and by its files), not the rest', async () => {
    const pkg = join(base, 'pkgs', 'node_modules', 'fake-pkg');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'fake-pkg', type: 'module', exports: { '.': './index.js', './sub': './sub.js' } }));
    writeFileSync(join(pkg, 'index.js'), "export const name = 'fake-pkg';\n");
    writeFileSync(join(pkg, 'sub.js'), "export const name = 'fake-pkg/sub';\n");
    const user = join(base, 'pkgs', 'user.ts');
    writeFileSync(user, "import { name } from 'fake-pkg';\nexport function get(): string { return name; }\n");
    const subUser = join(base, 'pkgs', 'sub-user.ts');
    writeFileSync(subUser, "import { name } from 'fake-pkg/sub';\nexport function get(): string { return name; }\n");
    const ctx = await fx.shared();
    for (const [importer, specifier] of [[user, 'fake-pkg'], [subUser, 'fake-pkg/sub']] as const) {
      const err = await rejectionOf(ctx.call(importer, 'get'));
      expect(err).toBeInstanceOf(CallError);
      expect(err.remoteMessage).toContain(`module '${specifier}' (${pkg}/`);
      expect(err.remoteMessage).toContain('deny[0] "fake-pkg" matches it');
    }
    expect(await ctx.call(join(dir, 'ok.ts'), 'hello')).toBe('hello');
  });
});

describe('importPolicy by default', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  it('allows everything', async () => {
    const ctx = await fx.shared();
    expect(await ctx.call(join(dir, 'secret.ts'), 'key')).toBe('k');
    expect(await ctx.call(join(outside, 'other.ts'), 'n')).toBe(1);
    expect(fx.router.moduleStats.refused).toBe(0);
  });
});

describe('the rule matcher', () => {
  const segment = fc.constantFrom('a', 'b', 'app', 'lib', 'x.ts', 'y.js');
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => `/${p.join('/')}`);
  const rule = fc.oneof(path, fc.constantFrom('a', 'lib', 'x'), fc.constantFrom(/x/, /^\/a\//, /lib$/));

  it('deny wins; without allow only deny refuses; with allow, some rule must match (reference model)', () => {
    assertProperty(
      fc.property(fc.option(fc.array(rule, { maxLength: 3 }), { nil: undefined }), fc.array(rule, { maxLength: 3 }), path, fc.array(fc.constantFrom('a', 'lib/x', './x.js'), { maxLength: 2 }), (allow, deny, id, specifiers) => {
        const subject = { id, specifiers };
        const names = [id, ...specifiers];
        const model = (r: string | RegExp): boolean =>
          typeof r !== 'string'
            ? names.some((n) => r.test(n))
            : r.startsWith('/')
              ? id === r || id.startsWith(`${r}/`)
              : id.includes(`/node_modules/${r}/`) || specifiers.some((s) => s === r || s.startsWith(`${r}/`));
        const denied = deny.findIndex(model);
        const verdict = refusal({ allow, deny }, subject);
        if (denied >= 0) expect(verdict).toContain(`deny[${denied}]`);
        else if (allow === undefined || allow.some(model)) expect(verdict).toBeNull();
        else expect(verdict).toContain('no allow rule matches it');
      }),
    );
  });
});
