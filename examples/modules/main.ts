// Modules on demand: the children start with nothing but node; every module they call
// (tasks.ts, lib/*.ts, the semver package and this file itself) comes from the master.
// Run with `npm run build && node --import tsx examples/modules/main.ts`.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallError, Router, isMain } from 'tendril';
import type * as Tasks from './tasks.js';

const tasksUrl = new URL('./tasks.ts', import.meta.url);

/** Called in a child through this very file: main() below does not run there (isMain). */
export function greet(name: string): string {
  return `hello ${name} from pid ${process.pid}`;
}

async function main(): Promise<void> {
  // An empty working directory and HOME for the children: nothing gets written there.
  const empty = mkdtempSync(join(tmpdir(), 'tendril-example-'));
  try {
    await using router = new Router();
    const names = ['red', 'green'];
    const children = await Promise.all(names.map((name) => router.local({ name, cwd: empty, env: { HOME: empty } })));

    console.log('inventory of each child (typed calls into examples/modules/tasks.ts):');
    for (const child of children) {
      const inv = await child.import<typeof Tasks>(tasksUrl).inventory('>=18');
      const node = inv.node.ok ? `node ${inv.node.version} ok` : `node ${inv.node.version}: ${inv.node.advice}`;
      console.log(`  ${child.name.padEnd(6)} pid ${inv.pid}  ${node}  disk ${inv.disk.usedPercent}% used of ${inv.disk.sizeGiB} GiB  cwd ${inv.cwd}`);
      console.log(`         code from ${inv.url}, called by context ${inv.caller}`);
    }
    const s = router.moduleStats;
    console.log(`module loading: ${s.requests} round trips, ${s.modulesSent} modules, ${(s.bytesSent / 1024).toFixed(1)} KiB sent`);

    console.log(`\n${await children[0]!.call(new URL(import.meta.url), 'greet', 'main.ts')}`);

    try {
      await children[1]!.import<typeof Tasks>(tasksUrl).explode('divide by zero');
    } catch (e) {
      if (!(e instanceof CallError)) throw e;
      const frame = e.remoteStack.split('\n').find((l) => l.includes('tasks.ts'));
      console.log(`a remote throw: ${e.message}\n  ${frame?.trim()}`);
    }
  } finally {
    const left = readdirSync(empty);
    console.log(`\nfiles the children wrote in their working directory: ${left.length}`);
    rmSync(empty, { recursive: true, force: true });
  }
}

if (isMain(import.meta)) await main();
