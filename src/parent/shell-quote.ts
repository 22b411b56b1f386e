// Quoting for a local POSIX shell: PTY helpers run commands through `script -c`.

/** Quotes an argv for a local POSIX shell (script -c, ...). */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=,+@%^-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
