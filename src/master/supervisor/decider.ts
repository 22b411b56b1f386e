// What a supervisor does about a failure by default, and how failures read in its state.
import type { Decision } from '../../../machines/supervisor.js';
import { CallError, ChannelError } from '../../core/errors.js';

/** Maps a failure (a start that threw, a context that died) to what the supervisor does. */
export type Decider = (error: unknown) => Decision;

const nameOf = (e: unknown): string | undefined => (e instanceof CallError ? e.remoteType : (e as Error | null)?.name);

/** Never retry a wrong password or a changed host key; restart on anything else. */
export const defaultDecider: Decider = (error) => {
  const name = nameOf(error);
  return name === 'PasswordError' || name === 'HostKeyError' ? 'stop' : 'restart';
};

/** A failure as one line of `lastError`. */
export const describeError = (e: unknown): string => (e instanceof ChannelError ? e.reason : e instanceof Error ? `${e.name}: ${e.message}` : String(e));
