import type { DebugSetting } from '../logging/logger.js';

/** The record a parent sends a new child right after the core bundle. */
export interface ChildConfig {
  id: number;
  parentIds: number[];
  name: string;
  /** Debug topics on in this child (true: all); it passes the same to its own children. */
  debug: DebugSetting;
  /** Lowest level forwarded; lower ones are never even produced. */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  maxMessageSize: number;
  /** Grace period of this child's own shutdown. */
  shutdownTimeout: number;
  unidirectional: boolean;
  /** Heartbeats on the stream to the parent and to this child's own children (0: off). */
  heartbeatInterval?: number;
  heartbeatMisses?: number;
  /** Log the duration of every call this child runs (RouterOptions.profiling). */
  profiling?: boolean;
  /** Timeout of calls made in this child that give none (RouterOptions.callTimeout). */
  callTimeout?: number;
  /** Full-PTY launches: the FIFOs fds 1 and 2 point at, read and forwarded as log lines. */
  printsFifos?: string[];
}
