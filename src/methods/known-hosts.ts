// known_hosts for the ssh2 transport, read the way OpenSSH reads it: plain and hashed
// (|1|salt|hmac) host names, [host]:port for other ports, comma lists, * ? and ! patterns,
// @revoked lines. `accept` appends what it learnt.
import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type HostKeyStatus = 'known' | 'unknown' | 'changed' | 'revoked';

export function defaultKnownHostsFile(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

/** How OpenSSH names a host in known_hosts. */
export function hostId(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type inside an ssh public key blob (its first string). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

function wildcard(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function hostMatches(field: string, id: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(id).digest('base64') === hash;
  }
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), id)) return false;
    } else if (wildcard(p, id)) hit = true;
  }
  return hit;
}

/** Checks a host's key against known_hosts files (the first is the user's, the rest global). */
export function checkHostKey(files: string[], host: string, port: number, blob: Buffer): HostKeyStatus {
  const id = hostId(host, port);
  const type = keyType(blob);
  const b64 = blob.toString('base64');
  let sameType = false;
  let known = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = line.split(/\s+/);
      const marker = fields[0]!.startsWith('@') ? fields.shift()! : null;
      if (marker === '@cert-authority') continue;
      const [hosts, ktype, key] = fields;
      if (!hosts || !ktype || !key || !hostMatches(hosts, id)) continue;
      if (marker === '@revoked') {
        if (key === b64) return 'revoked';
        continue;
      }
      if (key === b64) known = true;
      else if (ktype === type) sameType = true;
    }
  }
  if (known) return 'known';
  return sameType ? 'changed' : 'unknown';
}

/** Records a host key (accept mode), creating the file (and ~/.ssh) when needed. */
export function recordHostKey(file: string, host: string, port: number, blob: Buffer): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length && !text.endsWith('\n')) prefix = '\n';
  } catch {
    // a new file
  }
  appendFileSync(file, `${prefix}${hostId(host, port)} ${keyType(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}
