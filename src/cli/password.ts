// -K: the become password, read from the terminal (/dev/tty, even when stdin is a pipe) in raw
// mode, so that nothing is echoed. Enter ends it, Ctrl-C interrupts, backspace and Ctrl-U edit.
import { openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import { UsageError } from './usage-error.js';

export class Interrupted extends Error {
  override name = 'Interrupted';
}

function openTerminal(): { input: ReadStream; output: WriteStream; close(): void } {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw new UsageError('-K needs a terminal to ask the password on (no /dev/tty here)');
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return {
    input,
    output,
    close: () => {
      input.setRawMode(false);
      input.destroy();
    },
  };
}

export function askPassword(prompt: string): Promise<string> {
  const { input, output, close } = openTerminal();
  // Raw (no echo) before the prompt shows: what is typed as soon as it appears is not echoed.
  input.setRawMode(true);
  output.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (err: Error | null): void => {
      input.off('data', onData);
      output.write('\n');
      close();
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new Interrupted('interrupted'));
        if (ch === '\u0004' && typed === '') return finish(null);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch === '\u0015') typed = '';
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}
