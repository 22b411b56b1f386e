// The tendril command: parse, ask -K, connect and work on every host (fleet.ts), report
// (JSON lines, or the live terminal view), exit 0 / 2 / 3 / 64.
import Table from 'cli-table3';
import { Router, describeTree } from '../index.js';
import { factsRows, factsWork, runWork, shWork, treeWork } from './commands.js';
import { connector } from './connect.js';
import { exitCodeOf, runFleet, type Work } from './fleet.js';
import { USAGE, MAIN_USAGE, helpText, mainHelp } from './help.js';
import { LiveReporter } from './live-reporter.js';
import { CommandUsageError, parseCommandLine, type Request } from './options.js';
import { Interrupted, askPassword } from './password.js';
import { JsonReporter, type Reporter } from './reporter.js';
import { EXIT, UsageError } from './usage-error.js';

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let req: Request;
  try {
    req = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const command = e instanceof CommandUsageError ? e.command : null;
    io.stderr.write(`tendril: ${e.message}\n${command ? USAGE[command] : MAIN_USAGE}\n${command ? `(tendril ${command} --help for more)` : '(tendril --help for more)'}\n`);
    return EXIT.usage;
  }
  if (req.command === 'help') {
    io.stdout.write(req.topic ? helpText(req.topic) : mainHelp());
    return EXIT.ok;
  }
  let password: string | undefined;
  if (req.askBecomePass) {
    try {
      password = await askPassword('BECOME password: ');
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr.write(`tendril: ${e.message}\n${USAGE[req.command]}\n`);
        return EXIT.usage;
      }
      if (e instanceof Interrupted) return EXIT.interrupted;
      throw e;
    }
  }
  const router = new Router({ printLogs: false, ...(req.verbose ? { debug: true } : {}) });
  const labels = req.hosts.map((h) => h.label);
  const reporter: Reporter = io.stdout.isTTY && !req.json ? new LiveReporter(io.stdout, labels, req.stream) : new JsonReporter(io.stdout, io.stderr, req.stream);
  const logs = req.verbose ? router.logs$.subscribe((r) => reporter.log(`${r.context ?? 'master'} ${r.level}: ${r.message}`)) : null;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort(new Error('interrupted'));
  };
  // Installed until the shutdown below is over: a Ctrl-C is delivered to the hosts' ssh
  // processes too (one process group), and their deaths can end the run before this process
  // has handled its own SIGINT; without a listener by then, that SIGINT would kill it mid-shutdown.
  process.on('SIGINT', onSigint);
  let code: number;
  try {
    const work = await workOf(req, router);
    const records = await runFleet(req.hosts, connector(router, req, password), work, reporter, {
      forks: req.forks,
      signal: controller.signal,
      keep: req.command === 'tree',
      ...(req.timeout === undefined ? {} : { timeout: req.timeout }),
    });
    reporter.finish(records, closingText(req, records, router));
    code = exitCodeOf(records);
  } finally {
    logs?.unsubscribe();
    // shutdown() forces what does not drain within shutdownTimeout; past that, stop waiting.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([router.shutdown(), new Promise((r) => (timer = setTimeout(r, 15_000).unref()))]);
    clearTimeout(timer);
    process.off('SIGINT', onSigint);
  }
  // Interrupted, whenever during the run or the shutdown the SIGINT was handled.
  return interrupts > 0 ? EXIT.interrupted : code;
}

async function workOf(req: Exclude<Request, { command: 'help' }>, router: Router): Promise<Work> {
  switch (req.command) {
    case 'sh':
      return shWork(req.script, req.stream);
    case 'run':
      return runWork(req.file, req.fn, req.args);
    case 'facts':
      return factsWork();
    case 'tree':
      return treeWork(router);
    case 'cp': {
      // Loaded only for cp: the transfer comes from the library's files API.
      const { copyWork } = await import('./copy.js');
      return copyWork(req, req.hosts.length);
    }
  }
}

/** What a terminal shows before the summary table: the tree, the facts table. */
function closingText(req: Exclude<Request, { command: 'help' }>, records: { host: string; facts?: unknown }[], router: Router): string | undefined {
  if (req.command === 'tree') return describeTree(router);
  if (req.command === 'facts') {
    const table = new Table({ head: ['host', 'hostname', 'os', 'node', 'uptime', 'load', 'disk /'], style: { head: [], border: [] } });
    for (const row of factsRows(records)) table.push(row);
    return table.toString();
  }
  return undefined;
}
