// Writes docs/protocol.md's table of reserved handles from src/core/handles/ (between its
// markers). `--check`: write nothing, exit 1 when the doc is out of date.
// Usage: node scripts/handles-doc.mjs [--check]
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docPath = join(root, 'docs/protocol.md');

// The table is TypeScript: bundle the renderer in memory and import it.
const out = await build({
  entryPoints: [join(root, 'src/core/handles/doc-table.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
  logLevel: 'warning',
});
const { withHandleTable } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].contents).toString('base64')}`);

const current = readFileSync(docPath, 'utf8');
const next = withHandleTable(current);
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('docs/protocol.md: the reserved handle table is out of date; run node scripts/handles-doc.mjs');
    process.exit(1);
  }
  console.log('docs/protocol.md: the reserved handle table is up to date');
} else if (next !== current) {
  writeFileSync(docPath, next);
  console.log('docs/protocol.md: reserved handle table written');
} else {
  console.log('docs/protocol.md: reserved handle table already up to date');
}
