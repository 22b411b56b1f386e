// ctx.files.put/get over the real sshd and through ssh -> sudo (issue 13 acceptance): the
// sizes of the issue byte-exact both ways, mode and mtime when asked, and 300 MiB once over ssh.
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Context } from '../../src/index.js';
import { HOST_A, sshTo } from '../hosts/hosts.js';
import { describeHosts } from '../support/hosts-suite.js';
import { withRouter } from '../support/router.js';
import { SIZES, randomFile, removeDir, sameBytes, scratchDir, sha256Of, tempFilesIn } from './support.js';

describeHosts('files: put and get over ssh and ssh -> sudo', () => {
  const fx = withRouter({ shutdownTimeout: 2000 }, { scope: 'file' });
  const dir = scratchDir('remote');
  let ssh: Context;
  let sudo: Context;
  beforeAll(async () => {
    ssh = await fx.router.ssh({ ...sshTo(HOST_A, 'carol'), name: 'carol' });
    sudo = await fx.router.sudo({ via: ssh, username: 'bob', name: 'bob' });
  }, 60_000);
  afterAll(() => removeDir(dir));

  for (const [label, which] of [['ssh', () => ssh], ['ssh -> sudo', () => sudo]] as const) {
    it(`${label}: the issue's sizes byte-exact both ways, owned by the target's account`, async () => {
      const ctx = which();
      for (const size of SIZES) {
        const src = join(dir, `src-${label}-${size}`);
        const sha = randomFile(src, size);
        const dest = join(dir, `put-${label}-${size}`);
        await expect(ctx.files.put(src, dest)).resolves.toEqual({ bytes: size, sha256: sha });
        expect(sameBytes(src, dest)).toBe(true);
        expect(statSync(dest).uid).not.toBe(0);
        await expect(ctx.files.get(dest, join(dir, `got-${label}-${size}`))).resolves.toEqual({ bytes: size, sha256: sha });
        expect(sameBytes(src, join(dir, `got-${label}-${size}`))).toBe(true);
      }
      expect(tempFilesIn(dir)).toEqual([]);
    }, 60_000);

    it(`${label}: mode and mtime when asked`, async () => {
      const ctx = which();
      const src = join(dir, `moded-${label}`);
      randomFile(src, 3000, 0o640);
      const when = new Date('2021-03-04T05:06:07.000Z');
      utimesSync(src, when, when);
      const dest = join(dir, `moded-put-${label}`);
      await ctx.files.put(src, dest, { mode: 'preserve', mtime: true });
      expect(statSync(dest).mode & 0o7777).toBe(0o640);
      expect(statSync(dest).mtimeMs).toBe(when.getTime());
      const back = join(dir, `moded-got-${label}`);
      await ctx.files.get(dest, back, { mode: 'preserve', mtime: true });
      expect(statSync(back).mode & 0o7777).toBe(0o640);
      expect(statSync(back).mtimeMs).toBe(when.getTime());
    }, 60_000);
  }

  it('ssh: 300 MiB put byte-exact', async () => {
    const size = 300 << 20;
    const src = join(dir, 'big');
    const sha = randomFile(src, size);
    await expect(ssh.files.put(src, join(dir, 'big-put'))).resolves.toEqual({ bytes: size, sha256: sha });
    expect(await sha256Of(join(dir, 'big-put'))).toBe(sha);
  }, 240_000);
});
