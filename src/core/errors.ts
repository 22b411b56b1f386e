// Every error tendril raises on purpose. All extend TendrilError so users can catch them as one.

export class TendrilError extends Error {
  override name = 'TendrilError';
}

/** Describes the context a remote error came from, without holding a live Context. */
export interface RemoteContextInfo {
  id: number;
  name: string;
}

/** A function called in another context threw. */
export class CallError extends TendrilError {
  override name = 'CallError';
  constructor(
    readonly remoteType: string,
    readonly remoteMessage: string,
    readonly remoteStack: string,
    readonly context: RemoteContextInfo | null = null,
  ) {
    super(`${remoteType}: ${remoteMessage}`);
    if (remoteStack) {
      const where = context ? ` (in context ${context.name} #${context.id})` : '';
      this.stack = `${this.name}: ${this.message}\n    at <remote>${where}\n${remoteStack}\n    at <local>\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
    }
  }

  /** Builds a CallError from anything thrown by user code. */
  static fromThrown(thrown: unknown, context: RemoteContextInfo | null): CallError {
    if (thrown instanceof CallError) return thrown;
    if (thrown instanceof Error) {
      return new CallError(thrown.name || thrown.constructor?.name || 'Error', thrown.message, thrown.stack ?? '', context);
    }
    let text: string;
    try {
      text = typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown);
    } catch {
      text = String(thrown);
    }
    return new CallError(typeof thrown, text, '', context);
  }
}

/** The channel or context a message needed is dead, or the receiver was closed. */
export class ChannelError extends TendrilError {
  override name = 'ChannelError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class TimeoutError extends TendrilError {
  override name = 'TimeoutError';
}

/** A connection could not be made or was lost while being made. */
export class StreamError extends TendrilError {
  override name = 'StreamError';
}

export class PasswordError extends StreamError {
  override name = 'PasswordError';
}

export class HostKeyError extends StreamError {
  override name = 'HostKeyError';
}
