// What the children run. This file and lib/ exist only on the master: a child asks for
// tasks.ts on its first call and gets it, lib/*.ts and semver in one reply, transpiled.
import { hostname } from 'node:os';
import { callerContext } from 'tendril';
import { disk, type Disk } from './lib/disk.js';
import { checkNode, type NodeCheck } from './lib/versions.js';

export interface Inventory {
  host: string;
  pid: number;
  cwd: string;
  node: NodeCheck;
  disk: Disk;
  /** Who asked: the master is context 0. */
  caller: number;
  /** Where this code came from: `master:<path on the master>`. */
  url: string;
}

export async function inventory(nodeRange: string): Promise<Inventory> {
  return {
    host: hostname(),
    pid: process.pid,
    cwd: process.cwd(),
    node: checkNode(process.version, nodeRange),
    disk: await disk(process.cwd()),
    caller: callerContext().id,
    url: import.meta.url,
  };
}

/** Throws, to show a remote stack mapped to this file's lines. */
export function explode(what: string): never {
  throw new Error(`cannot ${what}`);
}
