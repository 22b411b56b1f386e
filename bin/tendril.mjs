#!/usr/bin/env node
// The `tendril` command (package bin): runs the built CLI, dist/cli/main.js (scripts/build.mjs).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tendril: dist/cli/main.js is missing: run `npm run build` in the tendril package first\n');
  process.exit(1);
}
await import(main.href);
