// Every connection method by name: the options it takes and how it builds the command line.
// Only `local` is built in: this module is part of the parent bundle an intermediate receives,
// which must stay small. The master registers the others at load (src/methods/all.ts); an
// intermediate fetches them on first use (the methods bundle, src/methods/remote-entry.ts).
import type { LaunchSpec } from '../parent/connection.js';
import { localLaunch } from './local.js';
import type {
  BuildahOptions,
  DoasOptions,
  DockerOptions,
  IncusOptions,
  JailOptions,
  KubectlOptions,
  LocalOptions,
  LxcOptions,
  LxdOptions,
  PodmanOptions,
  SetnsOptions,
  SshOptions,
  SuOptions,
  SudoOptions,
} from './options.js';

export interface MethodOptions {
  local: LocalOptions;
  ssh: SshOptions;
  sudo: SudoOptions;
  su: SuOptions;
  doas: DoasOptions;
  docker: DockerOptions;
  podman: PodmanOptions;
  buildah: BuildahOptions;
  kubectl: KubectlOptions;
  lxc: LxcOptions;
  lxd: LxdOptions;
  incus: IncusOptions;
  jail: JailOptions;
  setns: SetnsOptions;
}
export type ConnectionMethod = keyof MethodOptions;

/** What a method gets to build its command: the local node argv (first stage inline) and the token. */
export interface NodeLaunch {
  command: string;
  args: string[];
  /** The start marker's token (the first stage's first argument). */
  token: string;
}

export type MethodBuilder<O> = (opts: O, node: NodeLaunch) => LaunchSpec;

export type MethodTable = { [M in ConnectionMethod]?: MethodBuilder<MethodOptions[M]> };

export const METHODS: MethodTable = {
  local: localLaunch,
};

/** Adds connection methods (the master at load, an intermediate when it fetched them). */
export function registerMethods(table: MethodTable): void {
  Object.assign(METHODS, table);
}
