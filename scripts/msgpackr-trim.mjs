// The child payload's copy of msgpackr, without what tendril never uses (issue 12): records
// (structures), bundled strings, structured clones, sequential decoding and msgpackr's own
// decoders for extension types that src/core/wire/msgpack-check.ts refuses before msgpackr
// sees a byte (0x42 bigint, 0x62 bundle, 0x65 error, 0x69/0x70 clone ids, 0x73 set,
// 0x74 typed array, 0x78 regexp), msgpackr's built-in encoders (tendril's own extensions take
// every object first), the default Packr/Unpackr, and the paths of options tendril never sets
// (float32, int64 as number, skipValues, fixed-size maps...). tendril's codec configures exactly that (packer.ts:
// useRecords, structuredClone, bundleStrings, moreTypes all false, variableMapSize true; unpacker.ts the same): the
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
    // The cuts below take what stays unreachable once the constructor has refused other options
    // and msgpack-check.ts has vetted the bytes (no 0xc1, no records, string keys only, exact length).
    {
      why: 'option rewriting for records, sequential mode and int64AsNumber (all refused)',
      from: "options.structuredClone || options.moreTypes) trimmed('any option but useRecords: false');\n\t\tif (options) {",
      to: '\t\tObject.assign(this, options);',
      by: "options.structuredClone || options.moreTypes || options.int64AsNumber || (options.int64AsType !== undefined && options.int64AsType !== 'bigint') || options.useFloat32 || options.freezeData || options.allowArraysInMapKeys) trimmed('any option but useRecords: false');\n\t\tif (options.mapsAsObjects === undefined) options.mapsAsObjects = true;\n",
    },
    { why: 'record structures', from: '\t_mergeStructures(loadedStructures, existingStructures) {', to: '\tdecode(source, options) {', by: '' },
    { why: 'struct readers (records)', from: '\t\tif (currentUnpackr._readStruct && src[position] < 0x40', to: '\t\tif (bundledStrings) { // bundled strings to skip past', by: '\t\tresult = read();\n' },
    { why: 'bundled strings and sequential mode', from: '\t\tif (bundledStrings) { // bundled strings to skip past', to: '\t\tif (position == srcEnd) {', by: '' },
    {
      why: 'bytes after the value: msgpack-check.ts refuses them first',
      from: '\t\t} else if (!sequentialMode) {\n\t\t\tlet jsonView;',
      to: '\t\t// else more to read',
      by: "\t\t} else {\n\t\t\tthrow new Error('Data read, but end of buffer not reached');\n\t\t}\n",
    },
    { why: "streaming's incomplete marks (tendril decodes whole frames)", from: 'function classifyIncomplete(error) {', to: 'function restoreStructures() {', by: 'function classifyIncomplete() {}\n\n' },
    { why: 'record ids 0x40..0x7f (records are off: plain integers)', from: '\t\t\tif (token < 0x40)\n\t\t\t\treturn token;\n\t\t\telse {\n\t\t\t\tlet structure', to: '\t\t} else if (token < 0x90) {', by: '\t\t\treturn token;\n' },
    { why: 'bundled strings (0xc1 is refused by msgpack-check.ts)', from: '\t\t\t\tif (bundledStrings) {\n\t\t\t\t\tvalue = read(); // followed by', to: '\t\t\t\treturn C1; // "never-used"', by: '' },
    { why: 'float32 rounding (useFloat32 is refused)', from: '\t\t\t\tif (currentUnpackr.useFloat32 > 2) {', to: '\t\t\t\tposition += 4;\n\t\t\t\treturn value;\n\t\t\tcase 0xcb:', by: '' },
    { why: "uint64 as number or string (int64AsType is 'bigint')", from: "\t\t\t\tif (currentUnpackr.int64AsType === 'number') {\n\t\t\t\t\tvalue = dataView.getUint32(position) * 0x100000000;", to: '\t\t\t\t\tvalue = dataView.getBigUint64(position);\n\t\t\t\tposition += 8;', by: '' },
    { why: "int64 as number or string (int64AsType is 'bigint')", from: "\t\t\t\tif (currentUnpackr.int64AsType === 'number') {\n\t\t\t\t\tvalue = dataView.getInt32(position) * 0x100000000;", to: '\t\t\t\t\tvalue = dataView.getBigInt64(position);\n\t\t\t\tposition += 8;', by: '' },
    { why: 'record definitions (0x72 is refused by msgpack-check.ts)', from: '\t\t\t\tif (value == 0x72) {\n\t\t\t\t\treturn recordDefinition(src[position++] & 0x3f);\n\t\t\t\t} else {', to: '\t\t\t\t\tlet extension = currentExtensions[value];', by: '\t\t\t\t{\n' },
    { why: 'record definitions (0xd5 is refused by msgpack-check.ts)', from: '\t\t\t\tvalue = src[position];\n\t\t\t\tif (value == 0x72) {', to: '\t\t\t\t\treturn readExt(2);', by: '' },
    {
      why: 'non-string map keys (msgpack-check.ts lets only strings through)',
      from: 'function asSafeString(property) {',
      to: '// the registration of the record definition extension',
      by: 'function asSafeString(property) {\n\treturn property;\n}\n',
    },
    {
      why: 'sources other than a Buffer (tendril always passes one)',
      from: '\t\ttry {\n\t\t\tdataView = source.dataView ||',
      to: '\t\tif (this instanceof Unpackr) {',
      by: '\t\tdataView = source.dataView || (source.dataView = new DataView(source.buffer, source.byteOffset, source.byteLength));\n',
    },
    {
      why: 'record structures (and the empty list they cost per message)',
      from: '\t\tif (this instanceof Unpackr) {\n\t\t\tcurrentUnpackr = this;\n\t\t\tif (this.structures) {',
      to: '\t\treturn checkedRead(options);\n\t}\n\tdecode(',
      by: '\t\tcurrentUnpackr = this instanceof Unpackr ? this : defaultOptions;\n',
    },
    { why: 'record structures', from: '\t\tif (!currentUnpackr.trusted && !sequentialMode) {', to: '\t\tlet result;', by: '' },
    { why: 'record structures', from: '\t\t\t// finished reading this source, cleanup references\n\t\t\tif (currentStructures && currentStructures.restoreStructures)', to: '\t\t\tsrc = null;\n\t\t\tif (referenceMap)', by: '' },
    { why: 'record structures', from: '\t} catch(error) {\n\t\tif (currentStructures && currentStructures.restoreStructures)\n\t\t\trestoreStructures();\n', to: '\t\tclearSource();', by: '\t} catch(error) {\n' },
    { why: 'record structures', from: '\tlet savedStructures = currentStructures;\n\tlet savedStructuresContents', to: '\tlet savedPackr = currentUnpackr;', by: '' },
    { why: 'record structures', from: '\t\tcurrentStructures = savedStructures;\n\t\tcurrentStructures.splice(', to: '\t\tcurrentUnpackr = savedPackr;', by: '' },
    { why: 'float32 rounding table (useFloat32 is refused)', from: 'export const mult10 = new Array(147);', to: 'export const Decoder = Unpackr;', by: 'export const mult10 = [];\n' },
    {
      why: 'the default unpackr and float32 rounding (tendril makes its own Unpackr)',
      from: 'var defaultUnpackr = new Unpackr({ useRecords: false });',
      to: 'Unpackr.SUPPORTS_STRUCT_HOOKS = true;',
      by: "export const unpack = () => trimmed('the default unpackr');\nexport const unpackMultiple = () => trimmed('sequential decoding');\nexport const decode = unpack;\nexport const FLOAT32_OPTIONS = { NEVER: 0, ALWAYS: 1, DECIMAL_ROUND: 3, DECIMAL_FIT: 4 };\nexport function roundFloat32() { return trimmed('float32'); }\n",
    },
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
    // The cuts below take what stays unreachable once the constructor has refused other options.
    {
      why: 'options tendril never sets (float32, skipValues, coercible keys), and the fixed-size map writer',
      from: "options.saveStructures || options.structures) trimmed('any option but useRecords: false');\n",
      to: '\t\tsuper(options);',
      by: "options.saveStructures || options.structures || !options.variableMapSize || options.useFloat32 || options.skipValues || options.coercibleKeyAsNumber || options.largeBigIntToFloat || options.largeBigIntToString || options.useBigIntExtension) trimmed('any option but useRecords: false, variableMapSize: true');\n",
    },
    { why: 'record and shared-structure limits', from: '\t\tlet isSequential = options && options.sequential;', to: '\t\tlet instancePacking = false;', by: '' },
    { why: 'structured clone and bundled strings state', from: '\t\t\treferenceMap = packr.structuredClone ? new Map() : null;', to: '\t\t\tlet encodingError;', by: '' },
    {
      why: 'small integers: records are off',
      from: '\t\t\t\t\tif (value < 0x20 || (value < 0x80 && this.useRecords === false) || (value < 0x40 && !this._writeStruct)) {',
      to: '\t\t\t\t\t\ttarget[position++] = value;',
      by: '\t\t\t\t\tif (value < 0x80) {\n',
    },
    { why: 'float32 (useFloat32 is refused)', from: '\t\t\t\t\tlet useFloat32;\n', to: '\t\t\t\t\ttarget[position++] = 0xcb;', by: '' },
    {
      why: "toJSON before an extension: no built-in extension is left (below), and tendril's own always win",
      from: '\t\t\t\t\t\t\t\tif (value.constructor !== extensionClass && i >= l - builtInExtensionCount &&',
      to: '\t\t\t\t\t\t\t\tlet extension = extensions[i];',
      by: '',
    },
    {
      why: 'bigints beyond 64 bits: tendril boxes them (value-box.ts)',
      from: '\t\t\t\t\t// overflow\n',
      to: '\t\t\t\tposition += 8;\n\t\t\t} else if (type === \'undefined\')',
      by: "\t\t\t\t\ttrimmed('bigints beyond 64 bits');\n\t\t\t\t}\n",
    },
    {
      why: 'map writers for skipValues, coercibleKeyAsNumber and fixed 16-bit sizes (refused options)',
      from: '\t\tconst writePlainObject = (this.variableMapSize || this.coercibleKeyAsNumber || this.skipValues) ? (object) => {',
      to: '\t\tconst writeRecord = writePlainObject;',
      by: '\t\tconst writePlainObject = (object) => {\n\t\t\tlet keys = Object.keys(object);\n\t\t\tlet length = keys.length;\n\t\t\tif (length < 0x10) {\n\t\t\t\ttarget[position++] = 0x80 | length;\n\t\t\t} else if (length < 0x10000) {\n\t\t\t\ttarget[position++] = 0xde;\n\t\t\t\ttarget[position++] = length >> 8;\n\t\t\t\ttarget[position++] = length & 0xff;\n\t\t\t} else {\n\t\t\t\ttarget[position++] = 0xdf;\n\t\t\t\ttargetView.setUint32(position, length);\n\t\t\t\tposition += 4;\n\t\t\t}\n\t\t\tlet key;\n\t\t\tfor (let i = 0; i < length; i++) {\n\t\t\t\tpack(key = keys[i]);\n\t\t\t\tpack(object[key]);\n\t\t\t}\n\t\t};\n\n',
    },
    { why: 'struct writers (records)', from: '\t\tconst writeStruct = (object) => {', to: '\t\tconst makeRoom = (end) => {', by: '' },
    {
      why: "msgpackr's built-in extensions (Date, Set, Error, RegExp, buffers, typed arrays): tendril's catch-all for Object, registered before its own, is checked before them and takes every object they would, and position/clearSharedData go unused",
      from: '\tset position (value) {',
      to: 'const builtInExtensionCount = extensions.length;',
      by: '}\nextensionClasses = [];\nextensions = [];\n',
    },
    {
      why: 'the default packr and struct hooks (tendril makes its own Packr)',
      from: '// Marker for downstream libraries (e.g. structon) to detect that this Packr',
      to: 'export const REUSE_BUFFER_MODE = 512;',
      by: "export const pack = () => trimmed('the default packr');\nexport const encode = pack;\nexport const Encoder = Packr;\nexport { FLOAT32_OPTIONS } from './unpack.js';\nexport const NEVER = 0, ALWAYS = 1, DECIMAL_ROUND = 3, DECIMAL_FIT = 4;\n",
    },
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
