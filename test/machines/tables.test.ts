// The committed lifecycle tables (src/core/lifecycle/generated/) are what the generator makes
// from machines/ today: a machine edited without regenerating fails here.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('generated lifecycle tables', () => {
  it('are up to date with machines/ (node scripts/gen-machine-tables.mjs regenerates them)', () => {
    let output = '';
    let failed = false;
    try {
      output = execFileSync(process.execPath, ['scripts/gen-machine-tables.mjs', '--check'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      failed = true;
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
    expect(failed).toBe(false);
  }, 60_000);
});
