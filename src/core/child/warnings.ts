// `--experimental-vm-modules` makes Node warn on first use of vm modules; that warning would
// land in the user's logs for every child. Drop only that one (Node 16/18 refuse
// --disable-warning, so filter in process.emitWarning).
export function silenceVmModulesWarning(): void {
  const original = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (typeof text === 'string' && text.includes('VM Modules')) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}
