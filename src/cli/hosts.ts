// HOSTS of the command line: a comma list of `[user@]host[:port]`, `local`, or `@file`. A file
// is one host a line, or an inventory in JSON or YAML (groups, per-host options) read by the
// `yaml` package (YAML is a superset of JSON, so one parser reads both).
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './usage-error.js';

/** How to become another account on a host. */
export interface Become {
  method: 'sudo' | 'su' | 'doas';
  user: string;
}

/** One target as the command line and the inventory describe it (before the defaults apply). */
export interface HostSpec {
  /** What the output calls it: the spec as written, or its inventory name. */
  label: string;
  /** The master's own machine (no ssh). */
  local: boolean;
  hostname?: string;
  user?: string;
  port?: number;
  identity?: string;
  /** Hops to go through, first to last, each `[user@]host[:port]`. */
  via?: string[];
  become?: Partial<Become> | false;
}

/** `[user@]host[:port]` (an IPv6 address goes in brackets: `[::1]:2222`). */
export function parseAddress(text: string, where = 'host'): { hostname: string; user?: string; port?: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`${where} '${text}' is not [user@]host[:port]`);
  const hostname = m[2]!.replace(/^\[(.*)\]$/, '$1');
  const out: { hostname: string; user?: string; port?: number } = { hostname };
  if (m[1]) out.user = m[1];
  if (m[3]) out.port = parsePort(m[3], where);
  return out;
}

export function parsePort(text: string | number, where = 'port'): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where}: '${text}' is not a port (1-65535)`);
  return n;
}

function specOf(text: string): HostSpec {
  if (text === 'local') return { label: 'local', local: true };
  return { label: text, local: false, ...parseAddress(text) };
}

/** Every host of a HOSTS argument, in order, each once (by label). */
export function parseHosts(arg: string, cwd = process.cwd()): HostSpec[] {
  const out = new Map<string, HostSpec>();
  for (const part of arg.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const specs = part.startsWith('@') ? readHostFile(part.slice(1), cwd) : [specOf(part)];
    for (const s of specs) if (!out.has(s.label)) out.set(s.label, s);
  }
  if (out.size === 0) throw new UsageError(`no hosts in '${arg}'`);
  return [...out.values()];
}

/** `@file` or `@file:group`: a list of lines, or a JSON/YAML inventory. */
function readHostFile(ref: string, cwd: string): HostSpec[] {
  // `inventory.yaml:web` selects a group; a path may itself contain ':' only before the extension.
  const m = /^(.*\.(?:ya?ml|json)):([\w.-]+)$/i.exec(ref);
  const [path, group] = m ? [m[1]!, m[2]!] : [ref, undefined];
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read host file '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    if (group) throw new UsageError(`'${path}' is a list of hosts, it has no groups`);
    return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '').map(specOf);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`inventory '${path}': ${(e as Error).message.split('\n')[0]}`);
  }
  return inventoryHosts(doc, path, group);
}

type Vars = Record<string, unknown>;
const isObject = (v: unknown): v is Vars => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The hosts of an inventory document:
 *   - a list of host specs: `[alice@web1, db1:2222]`
 *   - or `{ defaults?, hosts: { NAME: { host?, user?, port?, identity?, via?, become?,
 *     becomeUser?, becomeMethod? } | null }, groups?: { GROUP: [NAME | GROUP, ...] } }`
 */
export function inventoryHosts(doc: unknown, path: string, group?: string): HostSpec[] {
  const bad = (what: string): UsageError => new UsageError(`inventory '${path}': ${what}`);
  if (Array.isArray(doc)) {
    if (group) throw bad(`a plain list has no group '${group}'`);
    return doc.map((s) => {
      if (typeof s !== 'string') throw bad(`list entries must be host specs, got ${JSON.stringify(s)}`);
      return specOf(s);
    });
  }
  if (!isObject(doc) || !isObject(doc.hosts)) throw bad('expected a list of hosts or a mapping with "hosts"');
  const defaults = doc.defaults === undefined ? {} : doc.defaults;
  if (!isObject(defaults)) throw bad('"defaults" must be a mapping');
  const hosts = doc.hosts;
  const groups = doc.groups === undefined ? {} : doc.groups;
  if (!isObject(groups)) throw bad('"groups" must be a mapping');
  let names = Object.keys(hosts);
  if (group !== undefined) {
    const seen = new Set<string>();
    const expand = (g: string, trail: string[]): string[] => {
      if (trail.includes(g)) throw bad(`group '${g}' contains itself (${[...trail, g].join(' -> ')})`);
      const members = groups[g];
      if (!Array.isArray(members)) throw bad(`no group '${g}'${Object.keys(groups).length ? ` (groups: ${Object.keys(groups).join(', ')})` : ''}`);
      return members.flatMap((n) => {
        const name = String(n);
        if (name in hosts) return [name];
        if (name in groups) return expand(name, [...trail, g]);
        throw bad(`group '${g}' names '${name}', which is neither a host nor a group`);
      });
    };
    names = expand(group, []).filter((n) => !seen.has(n) && seen.add(n));
  }
  return names.map((name) => hostFromEntry(name, { ...defaults, ...(isObject(hosts[name]) ? hosts[name] : {}) }, bad));
}

const HOST_KEYS = new Set(['host', 'hostname', 'user', 'port', 'identity', 'via', 'become', 'becomeUser', 'becomeMethod', 'local']);

function hostFromEntry(name: string, v: Vars, bad: (what: string) => UsageError): HostSpec {
  for (const k of Object.keys(v)) if (!HOST_KEYS.has(k)) throw bad(`host '${name}': unknown option '${k}' (known: ${[...HOST_KEYS].join(', ')})`);
  const str = (k: string): string | undefined => {
    if (v[k] === undefined || v[k] === null) return undefined;
    if (typeof v[k] !== 'string' && typeof v[k] !== 'number') throw bad(`host '${name}': '${k}' must be a string`);
    return String(v[k]);
  };
  const host = str('host') ?? str('hostname');
  if (v.local === true || host === 'local' || (host === undefined && name === 'local')) return { label: name, local: true, ...becomeOf(name, v, bad) };
  const addr = parseAddress(host ?? name, `host '${name}'`);
  const spec: HostSpec = { label: name, local: false, ...addr, ...becomeOf(name, v, bad) };
  const user = str('user');
  if (user !== undefined) spec.user = user;
  if (v.port !== undefined) spec.port = parsePort(v.port as string, `host '${name}': port`);
  const identity = str('identity');
  if (identity !== undefined) spec.identity = identity;
  if (v.via !== undefined) {
    const via = Array.isArray(v.via) ? v.via.map(String) : String(v.via).split(',');
    for (const hop of via) parseAddress(hop, `host '${name}': via`);
    spec.via = via.map((s) => s.trim());
  }
  return spec;
}

function becomeOf(name: string, v: Vars, bad: (what: string) => UsageError): Pick<HostSpec, 'become'> {
  if (v.become === undefined && v.becomeUser === undefined && v.becomeMethod === undefined) return {};
  if (v.become === false) return { become: false };
  const b: Partial<Become> = {};
  if (v.becomeUser !== undefined) b.user = String(v.becomeUser);
  if (v.becomeMethod !== undefined) b.method = becomeMethod(String(v.becomeMethod), `host '${name}': becomeMethod`);
  if (v.become !== undefined && typeof v.become !== 'boolean') throw bad(`host '${name}': 'become' must be true or false`);
  return { become: b };
}

export function becomeMethod(text: string, where = '--become-method'): Become['method'] {
  if (text === 'sudo' || text === 'su' || text === 'doas') return text;
  throw new UsageError(`${where}: '${text}' is not sudo, su or doas`);
}
