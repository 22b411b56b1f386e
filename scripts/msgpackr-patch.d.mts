export const MSGPACKR_UNPACK: RegExp;
export function patchMsgpackrUnpack(source: string): string;
