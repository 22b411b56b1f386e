// The child payload's trimmed msgpackr (scripts/msgpackr-trim.mjs): the codec suites pass
// against it, and it refuses a msgpackr other than the one its cuts were written for.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript without types
import { msgpackrDir, trimmedMsgpackr } from '../../scripts/msgpackr-trim.mjs';

const root = join(import.meta.dirname, '..', '..');
const trim = trimmedMsgpackr as (dir: string) => Record<string, string>;
const work = mkdtempSync(join(tmpdir(), 'tendril-msgpackr-trim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('trimmed msgpackr', () => {
  it('refuses a msgpackr whose files differ from the version the cuts were written for', () => {
    const other = join(work, 'other');
    const dir = (msgpackrDir as () => string)();
    spawnSync('mkdir', ['-p', other]);
    for (const f of ['pack.js', 'unpack.js']) copyFileSync(join(dir, f), join(other, f));
    expect(() => trim(other)).not.toThrow();
    writeFileSync(join(other, 'unpack.js'), '// an upgraded msgpackr\n', { flag: 'a' });
    expect(() => trim(other)).toThrow(/sha256/);
  });

  it('passes the codec suites (test/codec*.test.ts) when the codec uses it', () => {
    const copy = join(work, 'msgpackr');
    spawnSync('mkdir', ['-p', copy]);
    for (const [f, text] of Object.entries(trim((msgpackrDir as () => string)()))) writeFileSync(join(copy, f), text);
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }\n');
    // The codec's `msgpackr/pack` import is sent here; the marker proves the run loaded it.
    const marker = join(work, 'loaded');
    writeFileSync(
      join(copy, 'entry.js'),
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, '');\nexport * from './pack.js';\nexport { Unpackr } from './unpack.js';\n`,
    );
    const config = join(work, 'vitest.trim.config.mjs');
    writeFileSync(
      config,
      `export default { resolve: { alias: [{ find: /^msgpackr\\/pack$/, replacement: ${JSON.stringify(join(copy, 'entry.js'))} }] },\n` +
        `  test: { include: ['test/codec*.test.ts'], pool: 'forks', testTimeout: 30000 } };\n`,
    );
    const suites = readdirSync(join(root, 'test')).filter((f) => /^codec.*\.test\.ts$/.test(f));
    expect(suites.length).toBeGreaterThanOrEqual(4);
    const run = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', root, '--config', config], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 240_000,
    });
    const out = `${run.stdout}\n${run.stderr}`;
    expect(run.status, out).toBe(0);
    expect(out).toMatch(new RegExp(`Test Files\\s+${suites.length} passed`));
    expect(existsSync(marker)).toBe(true);
  }, 300_000);
});
