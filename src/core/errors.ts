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

/** What a CallError carries besides the remote type, message and stack. */
export interface CallErrorDetails {
  /** The remote error's `code` (`'ENOENT'`, `'ERR_INVALID_ARG_TYPE'`...). */
  code?: string | number | undefined;
  /** The remote error's other own enumerable data properties (`errno`, `syscall`, `path`...). */
  remoteProps?: Record<string, unknown>;
  /** The remote error's `cause`, itself as a CallError. */
  cause?: CallError | undefined;
}

/** How many causes deep fromThrown() follows a chain of causes. */
const MAX_CAUSES = 16;
/** Own properties of a thrown error that CallError carries in its own fields. */
const OWN_FIELDS = new Set(['name', 'message', 'stack', 'cause']);

/**
 * A function called in another context threw. The message reads `"<Type>: <message>"`, and
 * the stack shows the remote frames (mapped to the caller's source files) above the local ones.
 */
export class CallError extends TendrilError {
  override name = 'CallError';
  /** The remote error's `code` (e.g. `'ENOENT'`), when it had a string or number one. */
  readonly code: string | number | undefined;
  /** The remote error's other own enumerable data properties (those that could travel). */
  readonly remoteProps: Readonly<Record<string, unknown>>;
  /** The remote error's `cause`, as a CallError; undefined when it had none. */
  declare readonly cause: CallError | undefined;
  /**
   * A CallError describing a remote failure (the runtime makes them; see fromThrown()).
   * @param remoteType - the name of what was thrown remotely (`TypeError`), or its `typeof`
   * @param remoteMessage - the remote error's message
   * @param remoteStack - the remote stack trace, or `''`
   * @param context - the context the error was thrown in, when known
   * @param details - the remote error's code, other properties and cause
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
    details: CallErrorDetails = {},
  ) {
    super(`${remoteType}: ${remoteMessage}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.remoteProps = details.remoteProps ?? {};
    // Node before 16.9 ignores Error's options.
    if (details.cause !== undefined && !Object.prototype.hasOwnProperty.call(this, 'cause')) {
      Object.defineProperty(this, 'cause', { value: details.cause, writable: true, configurable: true });
    }
    if (remoteStack) {
      const where = context ? ` (in context ${context.name} #${context.id})` : '';
      this.stack = `${this.name}: ${this.message}\n    at <remote>${where}\n${remoteStack}\n    at <local>\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
    }
  }

  /** @internal Builds a CallError from anything thrown by user code. */
  static fromThrown(thrown: unknown, context: RemoteContextInfo | null): CallError {
    return fromThrown(thrown, context, []);
  }
}

/** Reads a property of user code's error; a getter that throws reads as absent. */
function read(o: object, key: string): unknown {
  try {
    return (o as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function fromThrown(thrown: unknown, context: RemoteContextInfo | null, seen: unknown[]): CallError {
  if (thrown instanceof CallError) return thrown;
  if (thrown instanceof Error) {
    seen.push(thrown);
    const code = read(thrown, 'code');
    const keepsCode = typeof code === 'string' || typeof code === 'number';
    const remoteProps: Record<string, unknown> = {};
    for (const k of Object.keys(thrown)) {
      if (OWN_FIELDS.has(k) || (keepsCode && k === 'code')) continue;
      Object.defineProperty(remoteProps, k, { value: read(thrown, k), enumerable: true, writable: true, configurable: true });
    }
    let cause: CallError | undefined;
    if (Object.prototype.hasOwnProperty.call(thrown, 'cause') && seen.length < MAX_CAUSES) {
      const c = read(thrown, 'cause');
      if (!seen.includes(c)) cause = fromThrown(c, context, seen);
    }
    const name = read(thrown, 'name');
    const message = read(thrown, 'message');
    const stack = read(thrown, 'stack');
    return new CallError(
      (typeof name === 'string' && name) || thrown.constructor?.name || 'Error',
      typeof message === 'string' ? message : asText(message),
      typeof stack === 'string' ? stack : '',
      context,
      { code: keepsCode ? code : undefined, remoteProps, cause },
    );
  }
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = asText(thrown);
  }
  return new CallError(typeof thrown, text, '', context);
}

/** String(v), or its `[object Tag]` when String() throws (no prototype, a throwing toString). */
function asText(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
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
