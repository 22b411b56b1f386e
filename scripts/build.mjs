// Builds the child payload (core bundle, minified, deflated) and the master package in dist/.
// Prints the payload size: it is a tracked figure.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync as writeNow } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, deflateSync } from 'node:zlib';
import { writeTables } from './gen-machine-tables.mjs';
import { buildStamp } from './build-stamp.mjs';
import { msgpackrDir, trimmedMsgpackr } from './msgpackr-trim.mjs';
import { privateProps } from './private-props.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The child payload's brotli size when turn 2 began (commit 550b9b9: the core split into
 * folders, nothing added yet). Growth is printed against it: it is a tracked figure.
 */
const PAYLOAD_BASELINE_BROTLI = 20_261;
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
const quiet = process.argv.includes('--quiet');
const skipTypes = process.argv.includes('--no-types');
// `--sizes`: print the payload's brotli bytes per source module (and build even if up to date).
const sizes = process.argv.includes('--sizes');

mkdirSync(dist, { recursive: true });
// Nothing to do when no input changed since the last complete build (scripts/build-stamp.mjs);
// `--force` builds anyway.
const stamp = buildStamp(root, dist, { types: !skipTypes });
if (!process.argv.includes('--force') && !sizes && stamp.fresh()) {
  if (!quiet) console.log('dist/ is up to date (no input changed since the last build; --force rebuilds)');
  process.exit(0);
}
// The lifecycle tables the core interprets are generated from machines/ first.
const staleTables = await writeTables();
if (!quiet) for (const p of staleTables) console.log(`regenerated ${p.slice(root.length + 1)}`);
if (staleTables.length) stamp.refresh();
// Each file is replaced atomically: tests running meanwhile read either the old or the new one.
function writeFileSync(path, data) {
  writeNow(`${path}.${process.pid}.tmp`, data);
  renameSync(`${path}.${process.pid}.tmp`, path);
}

// rxjs's package exports pick its CommonJS build for node, which cannot be tree-shaken.
const rxjsEsm = join(dirname(require.resolve('rxjs/package.json')), 'dist/esm/index.js');
// Parts of the core left out of the child payload: each is bundled into an on-demand bundle
// (dist/<bundle>.bundle.br, served like the parent bundle) and replaced in the payload by
// stubs that load it on first use, synchronously, on the dispatcher thread
// (src/core/child/on-demand.ts). Only dispatcher-side modules whose exports are functions,
// classes or constants (constants are inlined in the stub) may be listed.
const ON_DEMAND = {
  // What a child's user code reaches only through ctx.exec()/spawn()/stream()/service()/module()
  // and what runs its shell and stream calls.
  extras: ['calls/shell-runner', 'calls/stream-run', 'calls/remote-stream', 'calls/shell-client', 'calls/service-client', 'calls/remote-module', 'calls/call-view', 'calls/call-chain', 'messaging/channel', 'messaging/select', 'calls/service'],
};
/**
 * Packages the payload leaves to an on-demand bundle, with the exports the core takes from them
 * (each a function or class, stubbed like an on-demand module's). rxjs: only user code that asks
 * for an observable needs it.
 */
const ON_DEMAND_PACKAGES = { rxjs: { bundle: 'extras', exports: ['Observable'] } };
const onDemandOf = new Map(Object.entries(ON_DEMAND).flatMap(([bundle, mods]) => mods.map((m) => [m, bundle])));
const coreRoot = join(root, 'src/core') + '/';

/** The stub module standing in for on-demand core module `name` in the payload. */
async function onDemandStub(name, bundle) {
  const out = await build({
    entryPoints: [join(coreRoot, `${name}.ts`)],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    alias: { rxjs: rxjsEsm },
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  // Its export names and constants, from evaluating it here (core modules have no side effects at load).
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, require);
  const lines = [`import { onDemandExport } from ${JSON.stringify(join(coreRoot, 'child/on-demand.ts'))};`];
  for (const [key, value] of Object.entries(mod.exports)) {
    if (typeof value === 'function') lines.push(`export const ${key} = /* @__PURE__ */ onDemandExport(${JSON.stringify(`tendril:${bundle}`)}, ${JSON.stringify(name)}, ${JSON.stringify(key)});`);
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) lines.push(`export const ${key} = ${JSON.stringify(value)};`);
    else throw new Error(`on-demand module ${name} exports ${key}, neither a function nor a constant`);
  }
  return lines.join('\n');
}
const onDemandStubs = {
  name: 'on-demand-stubs',
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (!args.resolveDir.startsWith(coreRoot.slice(0, -1))) return undefined;
      const path = join(args.resolveDir, args.path);
      const name = path.startsWith(coreRoot) ? path.slice(coreRoot.length).replace(/\.js$/, '') : null;
      return name !== null && onDemandOf.has(name) ? { path: name, namespace: 'on-demand' } : undefined;
    });
    b.onResolve({ filter: /^[\w@][\w@/.-]*$/ }, (args) => (args.path in ON_DEMAND_PACKAGES ? { path: args.path, namespace: 'on-demand-package' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'on-demand-package' }, (args) => {
      const { bundle, exports } = ON_DEMAND_PACKAGES[args.path];
      const lines = [`import { onDemandExport } from ${JSON.stringify(join(coreRoot, 'child/on-demand.ts'))};`];
      for (const key of exports) lines.push(`export const ${key} = /* @__PURE__ */ onDemandExport(${JSON.stringify(`tendril:${bundle}`)}, ${JSON.stringify(args.path)}, ${JSON.stringify(key)});`);
      return { contents: lines.join('\n'), loader: 'js', resolveDir: coreRoot };
    });
    b.onLoad({ filter: /.*/, namespace: 'on-demand' }, async (args) => ({
      contents: await onDemandStub(args.path, onDemandOf.get(args.path)),
      loader: 'js',
      resolveDir: coreRoot,
    }));
  },
};

// The payload's msgpackr without the parts tendril's codec never uses (scripts/msgpackr-trim.mjs;
// it fails the build if msgpackr is not the version its cuts were written for).
const msgpackrRoot = msgpackrDir();
const msgpackrTrimmed = trimmedMsgpackr(msgpackrRoot);
const trimMsgpackr = {
  name: 'msgpackr-trim',
  setup(b) {
    b.onLoad({ filter: /msgpackr[\\/](un)?pack\.js$/ }, (args) => {
      const file = args.path.slice(msgpackrRoot.length + 1);
      if (dirname(realpathSync(args.path)) !== msgpackrRoot || !(file in msgpackrTrimmed)) return undefined;
      return { contents: msgpackrTrimmed[file], loader: 'js', resolveDir: msgpackrRoot };
    });
  },
};

// Private members of core classes get short names in the payload (scripts/private-props.mjs
// says which may). Only the payload is mangled: the other bundles reach its objects through
// public names only. Every other property name of src/ and of the trimmed msgpackr is reserved,
// so that no short name equals a name some bundle uses.
const privates = privateProps(root);
const msgpackrWords = new Set(Object.values(msgpackrTrimmed).flatMap((t) => t.match(/[A-Za-z_$][\w$]*/g)));
const mangleNames = privates.names.filter((n) => !msgpackrWords.has(n));
const mangleCache = Object.fromEntries([...privates.others, ...msgpackrWords].filter((n) => !mangleNames.includes(n)).map((n) => [n, false]));
const core = await build({
  entryPoints: [join(root, 'src/core/child/child-main.ts')],
  bundle: true,
  minify: true,
  format: 'cjs',
  platform: 'node',
  target: 'node16',
  write: false,
  legalComments: 'none',
  alias: { rxjs: rxjsEsm },
  mainFields: ['module', 'main'],
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [onDemandStubs, trimMsgpackr],
  mangleProps: new RegExp(`^(${mangleNames.join('|')})$`),
  mangleCache,
  metafile: true,
  // Only for --sizes: which source each output byte came from.
  ...(sizes ? { sourcemap: 'external', outfile: join(dist, 'core.bundle.js') } : {}),
});
const coreOut = core.outputFiles.find((f) => !f.path.endsWith('.map'));
// A second minify pass over the bundle: the first leaves what only shows once modules are
// joined (constants and helpers that can now be inlined or merged). --sizes too writes (and
// totals) this payload; only its per-module figures read the first pass, through its source map.
const firstPass = sizes ? coreOut.text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n') : coreOut.text;
const source = Buffer.from((await transform(firstPass, { minify: true, target: 'node16', format: 'cjs', legalComments: 'none' })).code);
// Brotli (in Node's zlib since 11.7, so on every target) is ~10% smaller than deflate -9 here.
const compressed = brotliCompressSync(source, {
  params: {
    [zlib.BROTLI_PARAM_QUALITY]: 11,
    [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
    [zlib.BROTLI_PARAM_SIZE_HINT]: source.length,
  },
});
writeFileSync(join(dist, 'core.bundle.js'), source);
writeFileSync(join(dist, 'core.bundle.br'), compressed);
if (!quiet) {
  const deflated = deflateSync(source, { level: 9 }).length;
  const growth = compressed.length - PAYLOAD_BASELINE_BROTLI;
  console.log(
    `child payload: ${(source.length / 1024).toFixed(1)} KiB minified, ${(compressed.length / 1024).toFixed(1)} KiB brotli (deflate -9 would be ${(deflated / 1024).toFixed(1)} KiB); ${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(1)} KiB brotli since the turn-2 baseline (${(PAYLOAD_BASELINE_BROTLI / 1024).toFixed(1)} KiB)`,
  );
}
if (sizes) printSizes(coreOut.text, JSON.parse(core.outputFiles.find((f) => f.path.endsWith('.map')).text));

/**
 * Brotli bytes per source module of the payload: the output is cut into the runs each source
 * produced (source map), each module's runs compressed alone. Alone, a module compresses
 * worse than inside the bundle (no shared dictionary), so the figures add up to more than the
 * payload; they rank what moving a module out could save.
 */
function printSizes(text, map) {
  const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const parts = map.sources.map(() => []);
  const lines = text.split('\n');
  let src = 0;
  map.mappings.split(';').forEach((line, row) => {
    let col = 0;
    let prev = null;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const vals = [];
      let v = 0;
      let shift = 0;
      for (const ch of seg) {
        const d = VLQ.indexOf(ch);
        v += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
          v = shift = 0;
        }
      }
      col += vals[0];
      if (prev !== null) parts[prev.src].push(lines[row].slice(prev.col, col));
      if (vals.length > 1) src += vals[1];
      prev = { src, col };
    }
    if (prev !== null) parts[prev.src].push(lines[row].slice(prev.col));
  });
  const rows = map.sources.map((name, i) => {
    const code = parts[i].join('');
    return [code.length ? brotliCompressSync(code, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length : 0, code.length, name.replace(/^(\.\.\/)+/, '')];
  });
  rows.sort((a, b) => b[0] - a[0]);
  console.log('payload brotli bytes per module (each alone), minified bytes, module:');
  for (const [br, min, name] of rows) if (min > 0) console.log(`${String(br).padStart(7)} ${String(min).padStart(7)}  ${name}`);
}

// The on-demand stubs are generated, not files: listed apart, so inputs stay real files.
const coreMeta = core.metafile;
coreMeta.onDemandStubs = {};
for (const [input, info] of Object.entries(coreMeta.inputs)) {
  const stub = /^on-demand(-package)?:/.exec(input);
  if (stub) {
    coreMeta.onDemandStubs[input.slice(stub[0].length)] = info;
    delete coreMeta.inputs[input];
  } else info.imports = info.imports.filter((i) => !/^on-demand(-package)?:/.test(i.path));
}
writeFileSync(join(dist, 'core.meta.json'), JSON.stringify(coreMeta));

// The parent bundle: what a child needs to start children of its own, shipped on demand.
// Imports of src/core/* become the broker's live modules (src/core/child/core-modules.ts).
const coreDir = join(root, 'src/core') + '/';
/** `own`: core modules bundled in rather than shared (an on-demand bundle's own part of the core). */
const shareCore = (own = []) => ({
  name: 'share-core',
  setup(b) {
    // A package the payload leaves on demand is bundled into the bundle that holds it (one copy
    // per thread: the payload's stubs load that bundle); no other bundle may take it.
    b.onResolve({ filter: /^[\w@][\w@/.-]*$/ }, (args) => {
      if (!(args.path in ON_DEMAND_PACKAGES) || own.includes(args.path)) return undefined;
      throw new Error(`${args.importer} imports ${args.path}, which lives in the ${ON_DEMAND_PACKAGES[args.path].bundle} bundle only`);
    });
    b.onResolve({ filter: /\.js$/ }, (args) => {
      const path = join(args.resolveDir, args.path);
      if (!path.startsWith(coreDir)) return undefined;
      // Loaded by the broker's require() from its own modules (src/core/child/on-demand.ts).
      const name = path.slice(coreDir.length).replace(/\.js$/, '');
      if (own.includes(name) || COPIED_CORE.includes(name)) return undefined;
      sharedCore.add(name);
      return { path: `tendril-core:${name}`, external: true };
    });
  },
});
/**
 * Core modules the payload does not run but bundles need: each bundle brings its own copy (pure
 * code, no state to share). The first stage: only a child that becomes a parent uses it.
 */
const COPIED_CORE = ['child/first-stage'];
/** The core modules the on-demand bundles take from the broker (each must be in core-modules.ts). */
const sharedCore = new Set();
/** Fails the build when a bundle needs a core module the broker does not share. */
function checkSharedCore() {
  const table = readFileSync(join(root, 'src/core/child/core-modules.ts'), 'utf8');
  const offered = new Set([...table.matchAll(/^\s+'?([\w/-]+)'?[:,]/gm)].map((m) => m[1]));
  // A stub is no use to a bundle: on the broker it cannot load what it stands for.
  const stubbed = [...sharedCore].filter((n) => onDemandOf.has(n));
  if (stubbed.length) throw new Error(`on-demand bundles share core modules that are themselves on demand: ${stubbed.join(', ')}`);
  const missing = [...sharedCore].filter((n) => !offered.has(n));
  if (missing.length) throw new Error(`on-demand bundles import core modules the broker does not share: ${missing.join(', ')} (add them to src/core/child/core-modules.ts)`);
  // The table lists exports by name (a namespace would keep all of a module in the payload):
  // every name a bundle reads must be listed.
  const listed = new Map([...table.matchAll(/^\s+'?([\w/-]+)'?: \{([^}]*)\}/gm)].map((m) => [m[1], new Set(m[2].split(',').map((x) => x.trim()).filter(Boolean))]));
  const absent = [];
  for (const [mod, names] of sharedNames) {
    for (const n of names) if (!listed.get(mod)?.has(n)) absent.push(`${mod}.${n}`);
  }
  if (absent.length) throw new Error(`on-demand bundles use core exports src/core/child/core-modules.ts does not list: ${absent.join(', ')}`);
}
/** Per shared core module, the export names the bundles read (from their unminified builds). */
const sharedNames = new Map();
function noteSharedNames(text) {
  for (const [, v, mod] of text.matchAll(/\b(import_\w+) = (?:__toESM\()?require\("tendril-core:([^"]+)"\)/g)) {
    const names = sharedNames.get(mod) ?? new Set();
    for (const [, n] of text.matchAll(new RegExp(`\\b${v}\\.(\\w+)`, 'g'))) names.add(n);
    sharedNames.set(mod, names);
  }
}

/**
 * An on-demand bundle: built against the broker's shared core modules, brotli-compressed
 * (it crosses as one message, so it must fit small maxMessageSize settings too).
 */
async function onDemandBundle(entry, name, label, own = []) {
  const unminified = await build({
    ...(typeof entry === 'string' ? { entryPoints: [join(root, entry)] } : { stdin: entry }),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node16',
    write: false,
    alias: { rxjs: rxjsEsm },
    mainFields: ['module', 'main'],
    plugins: [shareCore(own)],
  });
  noteSharedNames(unminified.outputFiles[0].text);
  const out = await build({
    ...(typeof entry === 'string' ? { entryPoints: [join(root, entry)] } : { stdin: entry }),
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node16',
    write: false,
    legalComments: 'none',
    alias: { rxjs: rxjsEsm },
    mainFields: ['module', 'main'],
    plugins: [shareCore(own)],
    metafile: true,
  });
  const source = out.outputFiles[0].contents;
  const packed = brotliCompressSync(source, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
  });
  writeFileSync(join(dist, `${name}.bundle.js`), source);
  writeFileSync(join(dist, `${name}.bundle.br`), packed);
  // What went into it: test/architecture checks that no master-only code or package did.
  writeFileSync(join(dist, `${name}.meta.json`), JSON.stringify(out.metafile));
  if (!quiet) {
    console.log(`${label} (on demand): ${(source.length / 1024).toFixed(1)} KiB minified, ${(packed.length / 1024).toFixed(1)} KiB brotli`);
  }
}

// What a child needs to start children of its own.
await onDemandBundle('src/methods/parent-entry.ts', 'parent', 'parent bundle');
// The connection methods other than local, for intermediates: separate, so that the parent
// bundle stays small (src/methods/remote-entry.ts).
await onDemandBundle('src/methods/remote-entry.ts', 'methods', 'methods bundle');
// The core's on-demand parts (ON_DEMAND above): `exports.modules` maps each name to its namespace.
for (const [bundle, mods] of Object.entries(ON_DEMAND)) {
  const packages = Object.entries(ON_DEMAND_PACKAGES).filter(([, p]) => p.bundle === bundle);
  const contents = [
    ...mods.map((m, i) => `import * as m${i} from './${m}.js';`),
    ...packages.map(([name, p], i) => `import { ${p.exports.join(', ')} } from ${JSON.stringify(name)}; const p${i} = { ${p.exports.join(', ')} };`),
    `export const modules = { ${[...mods.map((m, i) => `${JSON.stringify(m)}: m${i}`), ...packages.map(([name], i) => `${JSON.stringify(name)}: p${i}`)].join(', ')} };`,
  ].join('\n');
  await onDemandBundle({ contents, resolveDir: coreRoot, sourcefile: `${bundle}-entry.js`, loader: 'js' }, bundle, `${bundle} bundle`, [...mods, ...packages.map(([name]) => name)]);
}
checkSharedCore();

await build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: join(dist, 'index.js'),
  sourcemap: true,
  // Dependencies stay dependencies; tendril's own code is one file.
  external: ['xstate', 'rxjs', 'esbuild'],
  logLevel: 'warning',
});

// The tendril command (package bin, bin/tendril.mjs): its own files in dist/cli/, on top of
// dist/index.js (the package root stays one copy); remote-facts.js is served to targets.
await build({
  entryPoints: [join(root, 'src/cli/main.ts'), join(root, 'src/cli/remote-facts.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: join(dist, 'cli'),
  packages: 'external',
  plugins: [{
    name: 'package-root',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) => (args.resolveDir === join(root, 'src/cli') ? { path: '../index.js', external: true } : undefined));
    },
  }],
  logLevel: 'warning',
});

// FileService (src/files/file-service.ts), served to targets by file transfer: its own file
// in dist/files/, on top of dist/index.js (imported as '../index.js', which stays external).
await build({
  entryPoints: [join(root, 'src/files/file-service.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: join(dist, 'files'),
  packages: 'external',
  plugins: [{
    name: 'package-root-files',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) => (args.resolveDir === join(root, 'src/files') ? { path: '../index.js', external: true } : undefined));
    },
  }],
  logLevel: 'warning',
});

if (!skipTypes) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  writeFileSync(join(dist, 'index.d.ts'), "export * from './types/src/index.js';\n");
}
// Last: the stamp that lets the next build see that nothing changed.
stamp.save();
