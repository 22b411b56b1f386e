// msgpackr decodes the never-used byte 0xC1 as a shared placeholder object instead of
// failing; tendril's codec must never hand out anything outside its closed set of types.
// This rewrites that one return into a throw. Applied by the build (esbuild) and by vitest.
const NEEDLE = 'return C1; // "never-used", return special object to denote that';

export const MSGPACKR_UNPACK = /msgpackr[\\/]unpack\.js$/;

export function patchMsgpackrUnpack(source) {
  if (!source.includes(NEEDLE)) {
    throw new Error('msgpackr changed: the 0xC1 patch in scripts/msgpackr-patch.mjs no longer applies');
  }
  return source.replace(NEEDLE, "throw new Error('invalid MessagePack byte 0xc1');");
}
