// What fakessh takes from the argv an `ssh` client is given by rsync, scp, sftp or git: only
// the remote command (or the subsystem) matters; the destination and every option are
// accepted and ignored, since every connection goes to the one context fakeSsh() was given.

/** The ssh options that take an argument (OpenSSH 9: `ssh -p 22`, `-p22`, `-oX=y`). */
const WITH_ARGUMENT = new Set('BbcDEeFIiJLlmOoPpQRSWw');
/** The ssh options that take none (they may be grouped: `-xT`). */
const FLAGS = new Set('46AaCfGgKkMNnqsTtVvXxYy');

/** What an ssh command line asks for. */
export type SshRequest =
  | { kind: 'command'; command: string }
  | { kind: 'subsystem'; name: string }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

/** Reads ssh's argv (without `ssh` itself). */
export function parseSshArgv(argv: readonly string[]): SshRequest {
  let subsystem = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (WITH_ARGUMENT.has(c)) {
        // The rest of the word is the argument, or else the next word.
        if (j === a.length - 1) {
          if (i + 1 >= argv.length) return { kind: 'error', message: `option -${c} needs an argument` };
          i++;
        }
        break;
      }
      if (!FLAGS.has(c)) return { kind: 'error', message: `unknown option -${c}` };
      if (c === 's') subsystem = true;
      if (c === 'V') return { kind: 'version' };
    }
  }
  if (i >= argv.length) return { kind: 'error', message: 'no destination' };
  const words = argv.slice(i + 1);
  if (words.length === 0) return { kind: 'error', message: 'no remote command: interactive sessions are not supported (give the command to run)' };
  // ssh joins the words with spaces and the remote shell splits them again.
  if (subsystem) return { kind: 'subsystem', name: words.join(' ') };
  return { kind: 'command', command: words.join(' ') };
}

/** The shell command that runs a subsystem in the target (sshd's Subsystem line; sftp only). */
export function subsystemCommand(name: string): string | null {
  if (name !== 'sftp') return null;
  const places = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/lib/ssh/sftp-server', '/usr/libexec/sftp-server', '/usr/lib/sftp-server'];
  return `for p in ${places.join(' ')}; do [ -x "$p" ] && exec "$p"; done; echo 'fakessh: no sftp-server found in the target' >&2; exit 127`;
}
