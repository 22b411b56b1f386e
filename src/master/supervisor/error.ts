// The error of a supervised child that cannot be reached (master only).
import { TendrilError } from '../../core/errors.js';

/** What made a supervised child unreachable. */
export interface SupervisorErrorInfo {
  /** Name of the supervisor asked. */
  supervisor: string;
  /** The child asked for (null when the failure is the supervisor's own). */
  child: string | null;
  /** Status of the supervisor, or of the child, that made it unreachable. */
  status: string;
  /** The child's last error, or the supervisor's failure. */
  lastError: string | null;
}

/**
 * A supervised child cannot be reached: it was given up or stopped for good, or its
 * supervisor was (or failed). `whenUp()` and `call()` reject with it at once.
 */
export class SupervisorError extends TendrilError {
  override name = 'SupervisorError';
  /** {@inheritDoc SupervisorErrorInfo.supervisor} */
  readonly supervisor: string;
  /** {@inheritDoc SupervisorErrorInfo.child} */
  readonly child: string | null;
  /** {@inheritDoc SupervisorErrorInfo.status} */
  readonly status: string;
  /** {@inheritDoc SupervisorErrorInfo.lastError} */
  readonly lastError: string | null;

  /** @internal Raised by the supervisor. */
  constructor(message: string, info?: SupervisorErrorInfo) {
    super(message);
    this.supervisor = info?.supervisor ?? '';
    this.child = info?.child ?? null;
    this.status = info?.status ?? '';
    this.lastError = info?.lastError ?? null;
  }
}
