// The command line, parsed by node:util parseArgs into one request. Usage mistakes are
// UsageErrors (exit 64); host specs and inventories are read here too (hosts.ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName } from './help.js';
import { becomeMethod, parseAddress, parseHosts, parsePort, type Become, type HostSpec } from './hosts.js';
import { UsageError } from './usage-error.js';

const OPTIONS = {
  user: { type: 'string', short: 'u' },
  port: { type: 'string', short: 'p' },
  identity: { type: 'string', short: 'i' },
  via: { type: 'string', short: 'J', multiple: true },
  'known-hosts': { type: 'string' },
  'host-keys': { type: 'string' },
  become: { type: 'boolean', short: 'b' },
  'become-user': { type: 'string' },
  'become-method': { type: 'string' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  forks: { type: 'string', short: 'f' },
  timeout: { type: 'string', short: 't' },
  json: { type: 'boolean' },
  stream: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options every command shares, with defaults applied. */
export interface CommonRequest {
  hosts: HostSpec[];
  /** Defaults for hosts that do not say (command line options). */
  user?: string;
  port?: number;
  identity?: string;
  via: string[];
  knownHosts?: string;
  hostKeys?: 'enforce' | 'accept' | 'ignore';
  become: Become | null;
  askBecomePass: boolean;
  forks: number;
  /** ms, or undefined for the library defaults (connect 30 s, work unlimited). */
  timeout?: number;
  json: boolean;
  stream: boolean;
  verbose: boolean;
}

export type Request =
  | { command: 'help'; topic?: CommandName }
  | (CommonRequest & { command: 'sh'; script: string })
  | (CommonRequest & { command: 'run'; file: string; fn: string; args: unknown[] })
  | (CommonRequest & { command: 'cp'; direction: 'push'; src: string; dest: string })
  | (CommonRequest & { command: 'cp'; direction: 'fetch'; src: string; dest: string })
  | (CommonRequest & { command: 'facts' | 'tree' });

/** A UsageError that knows which command's usage line to print. */
export class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly command: CommandName | null,
  ) {
    super(message);
  }
}

export function parseCommandLine(argv: string[], cwd = process.cwd()): Request {
  const [first, ...rest] = argv;
  if (first === undefined) throw new CommandUsageError('no command given', null);
  if (first === '-h' || first === '--help' || first === 'help') {
    const topic = rest[0];
    return topic && isCommand(topic) ? { command: 'help', topic } : { command: 'help' };
  }
  if (!isCommand(first)) throw new CommandUsageError(`unknown command '${first}'`, null);
  try {
    return parseCommand(first, rest, cwd);
  } catch (e) {
    if (e instanceof UsageError && !(e instanceof CommandUsageError)) throw new CommandUsageError(e.message, first);
    throw e;
  }
}

function isCommand(s: string): s is CommandName {
  return (COMMANDS as readonly string[]).includes(s);
}

function parseCommand(command: CommandName, argv: string[], cwd: string): Request {
  // Everything after `--` is the command's own (a shell command, or JSON arguments).
  const dashes = argv.indexOf('--');
  const [mine, after] = dashes < 0 ? [argv, null] : [argv.slice(0, dashes), argv.slice(dashes + 1)];
  let parsed;
  try {
    parsed = parseArgs({ args: mine, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const v = parsed.values;
  if (v.help) return { command: 'help', topic: command };
  const positionals = parsed.positionals;
  const common = (hostsArg: string | undefined): CommonRequest => commonOf(v, hostsArg, cwd);
  switch (command) {
    case 'sh': {
      const [hosts, ...words] = positionals;
      const script = [...words, ...(after ?? [])].join(' ');
      if (!hosts) throw new UsageError('no HOSTS given');
      if (script.trim() === '') throw new UsageError('no COMMAND given (put it after --)');
      return { command, ...common(hosts), script };
    }
    case 'run': {
      const [hosts, target, ...rawArgs] = positionals;
      if (!hosts) throw new UsageError('no HOSTS given');
      if (!target) throw new UsageError('no FILE#fn given');
      const hash = target.lastIndexOf('#');
      const [file, fn] = hash < 0 ? [target, 'default'] : [target.slice(0, hash), target.slice(hash + 1) || 'default'];
      const path = resolve(cwd, file);
      if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
      const args = [...rawArgs, ...(after ?? [])].map((a, i) => {
        try {
          return JSON.parse(a) as unknown;
        } catch {
          throw new UsageError(`argument ${i + 1} is not JSON: ${a} (a string needs quotes: '"${a}"')`);
        }
      });
      return { command, ...common(hosts), file: path, fn, args };
    }
    case 'cp':
      return cpRequest([...positionals, ...(after ?? [])], common, cwd);
    case 'facts':
    case 'tree': {
      const [hosts, ...extra] = positionals;
      if (!hosts) throw new UsageError('no HOSTS given');
      if (extra.length || after?.length) throw new UsageError(`unexpected argument '${[...extra, ...(after ?? [])][0]}'`);
      return { command, ...common(hosts) };
    }
  }
}

function cpRequest(args: string[], common: (hosts: string) => CommonRequest, cwd: string): Request {
  if (args.length !== 2) throw new UsageError(`cp takes SRC and DEST (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
  const [src, dest] = args as [string, string];
  // A local file that exists is pushed; otherwise HOST:SRC is fetched.
  if (existsSync(resolve(cwd, src))) {
    const at = dest.lastIndexOf(':');
    if (at <= 0 || at === dest.length - 1) throw new UsageError(`destination '${dest}' is not HOSTS:DEST`);
    return { command: 'cp', direction: 'push', ...common(dest.slice(0, at)), src: resolve(cwd, src), dest: dest.slice(at + 1) };
  }
  const at = src.lastIndexOf(':');
  if (at <= 0 || at === src.length - 1) throw new UsageError(`no such local file '${src}' (to fetch, write HOST:SRC)`);
  return { command: 'cp', direction: 'fetch', ...common(src.slice(0, at)), src: src.slice(at + 1), dest: resolve(cwd, dest) + (dest.endsWith('/') ? '/' : '') };
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

function commonOf(v: Values, hostsArg: string | undefined, cwd: string): CommonRequest {
  if (!hostsArg) throw new UsageError('no HOSTS given');
  const via = (v.via ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  for (const hop of via) parseAddress(hop, '--via');
  const wantsBecome = Boolean(v.become || v['become-user'] || v['become-method']);
  const req: CommonRequest = {
    hosts: parseHosts(hostsArg, cwd),
    via,
    become: wantsBecome ? { method: becomeMethod(v['become-method'] ?? 'sudo'), user: v['become-user'] ?? 'root' } : null,
    askBecomePass: Boolean(v['ask-become-pass']),
    forks: positiveInt(v.forks ?? '16', '--forks'),
    json: Boolean(v.json),
    stream: Boolean(v.stream),
    verbose: Boolean(v.verbose),
  };
  if (v.user !== undefined) req.user = v.user;
  if (v.port !== undefined) req.port = parsePort(v.port, '--port');
  if (v.identity !== undefined) req.identity = resolve(cwd, v.identity);
  if (v['known-hosts'] !== undefined) req.knownHosts = resolve(cwd, v['known-hosts']);
  if (v['host-keys'] !== undefined) {
    const m = v['host-keys'];
    if (m !== 'enforce' && m !== 'accept' && m !== 'ignore') throw new UsageError(`--host-keys: '${m}' is not enforce, accept or ignore`);
    req.hostKeys = m;
  }
  if (v.timeout !== undefined) {
    const s = Number(v.timeout);
    if (!(s > 0) || !Number.isFinite(s)) throw new UsageError(`--timeout: '${v.timeout}' is not a positive number of seconds`);
    req.timeout = Math.round(s * 1000);
  }
  return req;
}

function positiveInt(text: string, where: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${where}: '${text}' is not a positive integer`);
  return n;
}
