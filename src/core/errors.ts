// Every error tendril raises on purpose. All extend TendrilError so users can catch them as one.

/** The base of every error tendril raises: catch this to catch them all. */
export class TendrilError extends Error {
  /** The class name, so that logs and `String(error)` tell the kinds apart. */
  override name = 'TendrilError';
}

/** Describes the context a remote error came from, without holding a live Context. */
export interface RemoteContextInfo {
  /** The context's id in the tree. */
  id: number;
  /** The context's name (e.g. `local.3`, `ssh.web1`). */
  name: string;
}

/**
 * A function called in another context threw. The message reads `"<Type>: <message>"`, and
 * the stack shows the remote frames (mapped to the caller's source files) above the local ones.
 */
export class CallError extends TendrilError {
  override name = 'CallError';
  /**
   * A CallError describing a remote failure (the runtime makes them; see fromThrown()).
   * @param remoteType - the name of what was thrown remotely (`TypeError`), or its `typeof`
   * @param remoteMessage - the remote error's message
   * @param remoteStack - the remote stack trace, or `''`
   * @param context - the context the error was thrown in, when known
   */
  constructor(
    /** The class name of the remote error (`TypeError`, `Error`...), or `typeof` a thrown non-error. */
    readonly remoteType: string,
    /** The remote error's own message. */
    readonly remoteMessage: string,
    /** The remote stack trace as the thrower saw it (empty when there was none). */
    readonly remoteStack: string,
    /** The context the error was thrown in, or null when unknown. */
    readonly context: RemoteContextInfo | null = null,
  ) {
    super(`${remoteType}: ${remoteMessage}`);
    if (remoteStack) {
      const where = context ? ` (in context ${context.name} #${context.id})` : '';
      this.stack = `${this.name}: ${this.message}\n    at <remote>${where}\n${remoteStack}\n    at <local>\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
    }
  }

  /** @internal Builds a CallError from anything thrown by user code. */
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
  /**
   * A ChannelError whose message is its reason.
   * @param reason - why the channel ended
   */
  constructor(
    /** Why the channel ended: the dead context's reason, `receiver closed`, `sender closed`... */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Nothing arrived within the time allowed (a `timeout` option). */
export class TimeoutError extends TendrilError {
  override name = 'TimeoutError';
}

/**
 * A connection could not be made or was lost while being made: the message says what happened
 * (refused, DNS, timeout, node missing) and ends with the last lines the target printed.
 */
export class StreamError extends TendrilError {
  override name = 'StreamError';
}

/** A password was refused, or was needed and not given (sudo, su, doas, ssh). */
export class PasswordError extends StreamError {
  override name = 'PasswordError';
}

/** An ssh host key was unknown or changed and `checkHostKeys` did not allow it. */
export class HostKeyError extends StreamError {
  override name = 'HostKeyError';
}
