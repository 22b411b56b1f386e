// The child payload's copy of msgpackr, without what tendril never uses (issue 12): records
// (structures), bundled strings, structured clones, sequential decoding and msgpackr's own
// decoders for extension types that src/core/wire/msgpack-check.ts refuses before msgpackr
// sees a byte (0x42 bigint, 0x62 bundle, 0x65 error, 0x69/0x70 clone ids, 0x73 set,
// 0x74 typed array, 0x78 regexp). tendril's codec configures exactly that (packer.ts:
// useRecords, structuredClone, bundleStrings, moreTypes all false; unpacker.ts the same): the
// trimmed constructors refuse any other setting, so a codec change cannot silently meet a
// hole. The patches are exact text cuts written against one version of msgpackr, checked by
// sha256: any other version fails the build loudly (re-derive the cuts, then update SHA256).
// test/bundles/msgpackr-trim.test.ts reruns the codec suites against the trimmed copy.
//
// Usage: `trimmedMsgpackr(dir)` -> { 'pack.js': source, 'unpack.js': source };
// `node scripts/msgpackr-trim.mjs <outdir>` writes them (with a package.json) into outdir.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The files the cuts were written for (msgpackr 2.1.3). */
export const SHA256 = {
  'pack.js': 'b642b458b0d62e2cdf8cfbdf75f7ee136dfb20a65ffe575f11206349cd8f4ce7',
  'unpack.js': '9d00745efef4298184fe9470cabdabc1cea3dd6977455df885d118bfb177f954',
};

const TRIMMED = "function trimmed(what) { throw new Error('msgpackr ' + what + ' is trimmed out of the tendril child payload (scripts/msgpackr-trim.mjs)'); }\n";

/**
 * Each cut replaces the text from `from` (found exactly once) up to, not including, the next
 * `to` with `by`.
 */
const CUTS = {
  'unpack.js': [
    {
      why: 'only useRecords: false, no structures, no sequential mode',
      from: 'export class Unpackr {\n\tconstructor(options) {\n',
      to: '\t\tif (options) {',
      by: 'export class Unpackr {\n\tconstructor(options) {\n\t\tif (!options || options.useRecords !== false || options.structures || options.getStructures || options.sequential || options.structuredClone || options.moreTypes) trimmed(\'any option but useRecords: false\');\n',
    },
    { why: 'sequential decoding', from: '\tunpackMultiple(source, forEach) {', to: '\t_mergeStructures(', by: '' },
    {
      why: 'record structures',
      from: 'const validName = /^',
      to: 'var readFixedString = readStringJS;',
      by: "const createStructureReader = () => trimmed('records');\nexport function loadStructures() { return trimmed('records'); }\n\n",
    },
    { why: 'record definitions (0x72)', from: 'const recordDefinition = (id, highByte) => {', to: 'currentExtensions[0] = () => {};', by: "const recordDefinition = () => trimmed('records');\n" },
    {
      why: "msgpackr's own extension decoders, refused by msgpack-check.ts",
      from: 'currentExtensions[0x42] = data => {',
      to: 'currentExtensions[0xff] = (data) => {',
      by: "export const typedArrays = ['Int8','Uint8','Uint8Clamped','Int16','Uint16','Int32','Uint32','Float32','Float64','BigInt64','BigUint64'].map(type => type + 'Array');\n",
    },
    { why: 'sequential decoding', from: 'export const unpackMultiple = defaultUnpackr.unpackMultiple;\n', to: 'export const decode', by: "export const unpackMultiple = () => trimmed('sequential decoding');\n" },
    { why: 'the helper the cuts call', from: 'var decoder;\n', to: 'try {', by: `${TRIMMED}var decoder;\n` },
  ],
  'pack.js': [
    {
      why: 'only useRecords: false, no structured clone, no bundled strings',
      from: 'export class Packr extends Unpackr {\n\tconstructor(options) {\n',
      to: '\t\tsuper(options);',
      by: "export class Packr extends Unpackr {\n\tconstructor(options) {\n\t\tif (!options || options.useRecords !== false || options.structuredClone || options.bundleStrings || options.moreTypes || options.saveStructures || options.structures) trimmed('any option but useRecords: false');\n",
    },
    { why: 'record writers', from: '\t\tconst writeRecord = this.useRecords === false ? writePlainObject :', to: '\t\t// create reference to useRecords', by: '\t\tconst writeRecord = writePlainObject;\n\n' },
    { why: 'record writers', from: '\t\tconst newRecord = (transition, keys, newTransitions) => {', to: '\tuseBuffer(buffer) {', by: '\t}\n' },
    {
      why: 'bundled strings',
      from: '\t\t\t\tif (bundledStrings && strLength >= 4 && strLength < 0x1000) {',
      to: '\t\t\t\tlet headerSize;',
      by: '',
    },
    { why: 'shared structures (records)', from: '\t\t\tif (structures) {\n\t\t\t\tif (structures.uninitialized)', to: '\t\t\tif (hasSharedUpdate)\n', by: '' },
    { why: 'struct writers (records)', from: '\t\t\t\tif (packr._writeStruct && !(reentrantDepth', to: '\t\t\t\tlet lastBundle = bundledStrings;', by: '\t\t\t\tpack(value);\n' },
    { why: 'bundled strings and structured clone ids', from: '\t\t\t\tlet lastBundle = bundledStrings;', to: '\t\t\t\tpackr.offset = position; // update the offset', by: '' },
    { why: 'shared structures (records)', from: '\t\t\t\tif (structures) {\n\t\t\t\t\tresetStructures();', to: '\t\t\t\tpacking = false;\n\t\t\t\t// don\'t keep large buffers', by: '' },
    { why: 'shared structures (records)', from: '\t\tconst rebuildTransitions = (sharedLength) => {', to: '\t\tconst saveState = ', by: "\t\tconst rebuildTransitions = () => trimmed('records');\n" },
    { why: 'shared structures (records)', from: '\t\t\t\tif (wasInstancePacking && structures) {', to: '\t\t\t\ttarget = null;\n\t\t\t\tpacking = false;', by: '' },
    { why: 'shared structures (records)', from: '\t\t\t\t\tif (structures && savedOwnStructures) {', to: '\t\t\t\t} else {\n\t\t\t\t\thasSharedUpdate = savedHasSharedUpdate;', by: '' },
    { why: 'shared structures (records)', from: '\t\tconst resetStructures = () => {', to: '\t\tconst packArray = (value) => {', by: '' },
    { why: 'structured clone references', from: '\t\t\t\t\tif (referenceMap) {\n\t\t\t\t\t\tlet referee', to: '\t\t\t\t\tlet constructor = value.constructor;\n\t\t\t\t\tif (constructor === Object) {', by: '' },
    { why: 'the helper the cuts call', from: 'let textEncoder;\n', to: 'try {', by: `${TRIMMED}let textEncoder;\n` },
  ],
};

function cut(file, text, { from, to, by, why }) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`msgpackr-trim: ${file}: the start of the cut "${why}" is not found exactly once`);
  const end = text.indexOf(to, at + from.length);
  if (end < 0) throw new Error(`msgpackr-trim: ${file}: the end of the cut "${why}" is not found`);
  return text.slice(0, at) + by + text.slice(end);
}

/** The trimmed pack.js and unpack.js of the msgpackr in `dir` (its package directory). */
export function trimmedMsgpackr(dir) {
  const out = {};
  for (const [file, cuts] of Object.entries(CUTS)) {
    const original = readFileSync(join(dir, file), 'utf8');
    const sha = createHash('sha256').update(original).digest('hex');
    if (sha !== SHA256[file]) {
      throw new Error(`msgpackr-trim: ${join(dir, file)} has sha256 ${sha}, not the version the cuts were written for (${SHA256[file]}): re-derive the cuts in scripts/msgpackr-trim.mjs for this msgpackr`);
    }
    out[file] = cuts.reduce((text, c) => cut(file, text, c), original);
  }
  return out;
}

/** The installed msgpackr's package directory. */
export function msgpackrDir() {
  // Its main is dist/node.cjs; the ES sources the payload bundles sit at the package root.
  return realpathSync(join(dirname(createRequire(import.meta.url).resolve('msgpackr')), '..'));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const outDir = process.argv[2];
  if (!outDir) throw new Error('usage: node scripts/msgpackr-trim.mjs <outdir>');
  mkdirSync(outDir, { recursive: true });
  for (const [file, text] of Object.entries(trimmedMsgpackr(msgpackrDir()))) writeFileSync(join(outDir, file), text);
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
}
