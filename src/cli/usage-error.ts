// A mistake in the command line: printed with the command's usage line, exit code 64 (EX_USAGE).
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit codes of the tendril command (sysexits' EX_USAGE for usage errors). */
export const EXIT = { ok: 0, failed: 2, unreachable: 3, usage: 64, interrupted: 130 } as const;
