// The terminal view: a live line per host (waiting, connecting, running, done, failed,
// unreachable, with the elapsed time), redrawn by log-update; finished hosts' output and
// --stream lines printed above it; a summary table (cli-table3) at the end.
import Table from 'cli-table3';
import { createLogUpdate } from 'log-update';
import type { WriteStream } from 'node:tty';
import type { HostRecord } from './fleet.js';
import type { HostState, Reporter } from './reporter.js';

const useColor = (out: WriteStream): boolean => !process.env.NO_COLOR && out.hasColors?.() !== false;
const SGR = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

interface Line {
  state: HostState | HostRecord['status'];
  since: number;
  ended?: number;
  detail: string;
}

export class LiveReporter implements Reporter {
  private readonly lines = new Map<string, Line>();
  private readonly draw: ReturnType<typeof createLogUpdate>;
  private readonly timer: NodeJS.Timeout;
  private readonly width: number;
  private readonly color: boolean;

  constructor(
    private readonly out: WriteStream,
    hosts: string[],
    private readonly streamLines: boolean,
  ) {
    // A terminal of unknown size (0x0, as under script(1)) is drawn as 80x24: log-update would
    // cut every line of a 0-row terminal.
    const sized = { write: (s: string) => out.write(s), get rows() { return out.rows || 24; }, get columns() { return out.columns || 80; } };
    this.draw = createLogUpdate(sized as unknown as NodeJS.WritableStream);
    this.color = useColor(out);
    const now = Date.now();
    for (const h of hosts) this.lines.set(h, { state: 'waiting', since: now, detail: '' });
    this.width = Math.min(40, Math.max(...hosts.map((h) => h.length)));
    this.timer = setInterval(() => this.render(), 100);
    this.timer.unref();
    this.render();
  }

  private paint(code: keyof typeof SGR, text: string): string {
    return this.color ? `\x1b[${SGR[code]}m${text}\x1b[0m` : text;
  }

  state(host: string, state: HostState): void {
    const l = this.lines.get(host);
    if (l) Object.assign(l, { state, since: l.state === 'waiting' ? Date.now() : l.since, detail: '' });
    this.render();
  }

  progress(host: string, text: string): void {
    const l = this.lines.get(host);
    if (l) l.detail = text;
  }

  line(host: string, stream: 'stdout' | 'stderr', line: string): void {
    if (!this.streamLines) return;
    const prefix = `${host.padEnd(this.width)} ${stream === 'stderr' ? this.paint('red', '!') : '|'} `;
    this.above(`${prefix}${line}\n`);
  }

  result(record: HostRecord, display?: string): void {
    const l = this.lines.get(record.host);
    if (l) Object.assign(l, { state: record.status, ended: Date.now(), detail: record.status === 'ok' ? summaryOf(record) : shortError(record.error) });
    if (display && !this.streamLines) {
      const head = this.paint('bold', `── ${record.host} ──`) + (record.status === 'ok' ? '' : ` ${this.paint('red', record.status)}`);
      this.above(`${head}\n${display.endsWith('\n') || display === '' ? display : `${display}\n`}`);
    } else this.render();
  }

  log(text: string): void {
    this.above(`${this.paint('dim', text)}\n`);
  }

  /** Prints above the live lines (they are cleared, then drawn again below). */
  private above(text: string): void {
    this.draw.clear();
    this.out.write(text);
    this.render();
  }

  private render(): void {
    const now = Date.now();
    const rows = [...this.lines].map(([host, l]) => {
      const secs = (((l.ended ?? now) - l.since) / 1000).toFixed(1);
      const word = l.state === 'ok' ? 'done' : l.state;
      const mark = l.state === 'ok' ? this.paint('green', '✔') : l.state === 'failed' || l.state === 'unreachable' ? this.paint('red', '✘') : l.state === 'waiting' ? ' ' : this.paint('yellow', '…');
      const time = l.state === 'waiting' ? '' : `${secs.padStart(6)}s`;
      return `${mark} ${host.padEnd(this.width)}  ${word.padEnd(11)} ${time}  ${l.detail}`.trimEnd();
    });
    // Never taller than the terminal: the hosts still at work first, the rest counted.
    const room = Math.max(3, (this.out.rows || 24) - 2);
    if (rows.length > room) {
      const active = rows.filter((r, i) => [...this.lines.values()][i]!.state !== 'ok').slice(0, room - 1);
      rows.splice(0, rows.length, ...active, this.paint('dim', `... and ${this.lines.size - active.length} more`));
    }
    const cols = this.out.columns || 80;
    this.draw(rows.map((r) => (r.length > cols + 20 ? r.slice(0, cols) : r)).join('\n'));
  }

  finish(records: HostRecord[], after?: string): void {
    clearInterval(this.timer);
    this.render();
    this.draw.done();
    if (after) this.out.write(after.endsWith('\n') ? after : `${after}\n`);
    this.out.write(`${summaryTable(records, this.out.columns || 100)}\n`);
    const counts = (['ok', 'failed', 'unreachable'] as const).map((s) => [s, records.filter((r) => r.status === s).length] as const);
    this.out.write(`${counts.filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
  }
}

export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/**
 * The first line of an error, without what the host column already says (the error's
 * "ssh context 'x' (...): ") and without a dangling "; last output:".
 */
export function shortError(text: string | undefined): string {
  return firstLine(text).replace(/^\w+ context '[^']*'(?: \([^)]*\))?: /, '').replace(/;? last output:$/, '');
}

function summaryOf(r: HostRecord): string {
  if (typeof r.code === 'number') return `exit ${r.code}`;
  return typeof r.bytes === 'number' ? `${(r.bytes / 1024 / 1024).toFixed(1)} MiB` : '';
}

/** host, status, exit code, time, first line of the error. */
export function summaryTable(records: HostRecord[], columns: number): string {
  const hostW = Math.min(40, Math.max(4, ...records.map((r) => r.host.length)) + 2);
  const errW = Math.max(20, columns - hostW - 13 - 6 - 9 - 6);
  const table = new Table({
    head: ['host', 'status', 'exit', 'time', 'error'],
    colWidths: [hostW, 13, 6, 9, errW],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const r of records) {
    const code = typeof r.code === 'number' ? String(r.code) : typeof r.signal === 'string' ? r.signal : '';
    table.push([r.host, r.status, code, `${(r.elapsedMs / 1000).toFixed(1)}s`, shortError(r.error)]);
  }
  return table.toString();
}
