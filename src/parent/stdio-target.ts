// Targets whose channel is a program's stdin/stdout (ssh, sudo, su, doas, container CLIs): the
// program runs the remote command line (src/methods/remote-command.ts), which moves the
// channel to node's fds 3/4. Optionally on a PTY (src/parent/pty.ts), and with a password
// conversation (src/parent/prompts.ts).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { LaunchIO, Target } from './connection.js';
import { converse, type PromptRules } from './prompts.js';
import { ptyBackend } from './pty.js';

export interface StdioLaunch {
  /** Program and arguments. */
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** No PTY (default), the PTY as controlling terminal only, or everything on the PTY. */
  pty?: 'prompt' | 'full';
  /** Answer a password prompt (on stderr, on the PTY, or on the channel before the marker). */
  prompts?: PromptRules;
}

export function openStdio(io: LaunchIO, l: StdioLaunch): Target {
  const env = l.env ?? process.env;
  if (!l.pty) {
    // In its own session, as local children are (connection.ts, spawnOnFds34): a terminal's
    // Ctrl-C reached ssh too, which died of it at once (exit 255) while the master, handed the
    // same SIGINT on a thread scheduled later, had not heard it yet; the run then ended as a
    // failure instead of an interruption, and the remote side lost its channel instead of being
    // shut down. Now only the master hears the terminal and ends the tree. None of these reads
    // the terminal: ssh runs in BatchMode without a password, and without a PTY a password goes
    // to the program's stdin (sudo -S, su).
    const proc = spawn(l.argv[0]!, l.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env, windowsHide: true, detached: true });
    // Without a terminal the password goes where the tool reads it: its stdin (sudo -S, su).
    if (l.prompts) converse(io, [proc.stderr!, proc.stdout!], (t) => proc.stdin!.write(t), l.prompts);
    return { proc, toChild: proc.stdin!, fromChild: proc.stdout!, outputs: [['stderr', proc.stderr!]] };
  }
  const p = ptyBackend().start(l.pty, l.argv, { ...env, TERM: 'dumb' });
  const outputs: Target['outputs'] = [];
  if (p.stderr) outputs.push(['stderr', p.stderr]);
  // The PTY's output in prompt mode is a log source of its own; in full mode it is the channel.
  const watched: Readable[] = [p.terminal.output];
  if (l.pty === 'prompt') outputs.push(['stderr', p.terminal.output]);
  if (l.pty === 'prompt' && p.stderr) watched.push(p.stderr);
  if (l.prompts) converse(io, watched, (t) => p.terminal.input.write(t), l.prompts);
  return { proc: p.proc, toChild: p.stdin, fromChild: p.stdout, outputs };
}
