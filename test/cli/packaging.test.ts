// Issue 14 part 6: the packed tarball installs into an empty project with node-pty left
// unbuilt (--ignore-scripts: what a machine without a C++ toolchain gets), its bin runs,
// require('tendril') works, a PTY that cannot be made says how to fix it; the build skips
// when nothing changed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './run-cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tendril-pack-'));
const proj = join(dir, 'proj');
const npm = (args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> =>
  run('npm', args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, timeout: 240_000, maxBuffer: 1 << 24 });

beforeAll(async () => {
  // dist/ as the sources say (skipped when fresh), then the tarball as `npm pack` makes it.
  await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--no-types', '--quiet'], { cwd: ROOT, timeout: 240_000 });
  await npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  rmSync(proj, { recursive: true, force: true });
  await run('mkdir', ['-p', proj]);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'probe', private: true, type: 'module' }));
  await npm(['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tgz)], proj);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed tarball in an empty project', () => {
  it('installs without building node-pty, and its bin runs', async () => {
    await expect(run(process.execPath, ['-e', "require('node-pty')"], { cwd: proj })).rejects.toThrow();
    const { stdout } = await run(join(proj, 'node_modules/.bin/tendril'), ['sh', 'local', '--', 'echo', 'from the bin'], { cwd: proj, timeout: 60_000 });
    expect(JSON.parse(stdout)).toMatchObject({ host: 'local', status: 'ok', code: 0, stdout: 'from the bin\n' });
    const help = await run(join(proj, 'node_modules/.bin/tendril'), ['--help'], { cwd: proj });
    expect(help.stdout).toMatch(/^usage: tendril <sh\|run\|cp\|facts\|tree>/);
  }, 120_000);

  it("require('tendril') from CommonJS gives the API (Node >= 20.19), or says to import it", async () => {
    const { stdout } = await run(process.execPath, ['-e', "const t = require('tendril'); console.log(typeof t.Router, typeof t.fanOut)"], { cwd: proj });
    expect(stdout.trim()).toBe('function function');
    // Without require(esm) (older Nodes), the "require" export says what to do.
    const old = await run(process.execPath, ['--no-experimental-require-module', '-e', "try { require('tendril') } catch (e) { console.log(e.code, e.message) }"], { cwd: proj });
    expect(old.stdout).toMatch(/^ERR_REQUIRE_ESM tendril is an ES module: use `import \{ Router \} from 'tendril'`/);
  }, 60_000);

  it('a launch that needs a PTY, with neither node-pty nor script, fails at once naming the fix', async () => {
    writeFileSync(
      join(proj, 'probe.mjs'),
      `import { Router } from 'tendril';
const r = new Router({ printLogs: false });
try { await r.sudo({ username: 'bob', pty: 'prompt', password: 'x', connectTimeout: 15000 }); console.log('CONNECTED'); }
catch (e) { console.log(e.name + ': ' + e.message); }
await r.shutdown();
`,
    );
    const { stdout } = await run(process.execPath, ['probe.mjs'], { cwd: proj, env: { ...process.env, PATH: '/nonexistent' }, timeout: 60_000 });
    expect(stdout).toMatch(/^StreamError: .*sudo needs a terminal \(PTY\) here, and none can be made: node-pty did not load \(.+\) and util-linux `script` is not on PATH\. Fix: `npm install node-pty`/);
  }, 60_000);
});

describe('the build', () => {
  it('does nothing when no input changed since the last build', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--no-types'], { cwd: ROOT, timeout: 240_000 });
    // Another helper's edit may have landed in between: then a second run must be the quiet one.
    const second = stdout.includes('up to date') ? stdout : (await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--no-types'], { cwd: ROOT, timeout: 240_000 })).stdout;
    expect(second).toMatch(/^dist\/ is up to date/);
  }, 300_000);
});
