import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { MSGPACKR_UNPACK, patchMsgpackrUnpack } from './scripts/msgpackr-patch.mjs';

export default defineConfig({
  plugins: [
    {
      // The same msgpackr patch the build applies (see scripts/msgpackr-patch.mjs).
      name: 'patch-msgpackr',
      load(id) {
        return MSGPACKR_UNPACK.test(id) ? patchMsgpackrUnpack(readFileSync(id, 'utf8')) : null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    server: { deps: { inline: ['msgpackr'] } },
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
