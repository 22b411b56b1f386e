// Options of every connection method. Types only, owned by core so that every router can
// offer the methods (ConnectionMethods) without importing src/methods.
import type { Context } from '../calls/context.js';

/** Options every connection method accepts. */
export interface CommonOptions {
  /** Shown in `ps` as `tendril:<name>` and in logs. */
  name?: string;
  /** The node binary on the target, or an argv (binary then extra arguments). */
  nodePath?: string | string[];
  /** Give up connecting after this many ms (default 30000). */
  connectTimeout?: number;
  /** Debug logs in this context and its children: true for every topic, or a list (`['routing']`). */
  debug?: boolean | readonly string[];
  unidirectional?: boolean;
  /** Start the connection from this context instead of the master. */
  via?: Context;
  /** Extra environment variables for the target. */
  env?: Record<string, string>;
  /** Heartbeats on this child's stream, both ways (default: the router's, 5000 ms; 0: off). */
  heartbeatInterval?: number;
  /** Intervals with nothing from the peer after which it is declared dead (default: the router's, 3). */
  heartbeatMisses?: number;
}

export interface LocalOptions extends CommonOptions {
  /** Working directory of the child (default: the master's). */
  cwd?: string;
}

/**
 * How sudo, su and doas use a terminal. 'auto' (default): plain pipes whenever the tool allows
 * it, a PTY as controlling terminal only when it insists on one (doas with a password, sudo
 * refusing with "you must have a tty"); 'prompt': always that PTY, data still on pipes; 'full':
 * everything through a raw, no-echo PTY (for setups that give the command a terminal only).
 */
export type PtyMode = 'auto' | 'prompt' | 'full';

export interface SshOptions extends CommonOptions {
  hostname: string;
  /** Login name (default: ssh's own choice: ~/.ssh/config, then the local user). */
  username?: string;
  port?: number;
  /** The ssh client (default `ssh` on PATH). OpenSSH transport only. */
  sshPath?: string;
  /** Extra ssh arguments, before the host name. `-tt` makes the remote side a full raw PTY. */
  sshArgs?: string[];
  /** enforce (default): only known keys; accept: record unknown keys, refuse changed ones; ignore: no check. */
  checkHostKeys?: 'enforce' | 'accept' | 'ignore';
  password?: string;
  identityFile?: string;
  /** Use only identityFile, not the agent's or default keys (default true; applies when identityFile is given). */
  identitiesOnly?: boolean;
  /** Compress the connection (default true). */
  compression?: boolean;
  /** ms between keepalive probes (OpenSSH ServerAliveInterval, rounded to seconds; ssh2 default 15000). */
  keepaliveInterval?: number;
  /** Unanswered probes before the connection is dropped (default 3). */
  keepaliveCountMax?: number;
  /** known_hosts file to check and (accept) record keys in (default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** 'openssh' (default): the user's ssh client; 'ssh2': in-process, connections shared per host. */
  transport?: 'openssh' | 'ssh2';
}

interface BecomeOptions extends CommonOptions {
  /** Account to become (default root). */
  username?: string;
  password?: string;
  /** Text the tool asks for the password with (matched at the end of its output, any case). */
  passwordPrompt?: string;
  /** Terminal use (see PtyMode; default 'auto'). */
  pty?: PtyMode;
}

export interface SudoOptions extends BecomeOptions {
  sudoPath?: string;
  /** Extra sudo arguments; options that would change how tendril talks to sudo are refused. */
  sudoArgs?: string[];
  /** sudo -H: HOME of the target account. */
  setHome?: boolean;
  /** sudo -E: keep the caller's environment. */
  preserveEnv?: boolean;
}

export interface SuOptions extends BecomeOptions {
  suPath?: string;
  /** Output that means the password was wrong (default: the usual English and localized texts). */
  incorrectPrompts?: string[];
}

export interface DoasOptions extends BecomeOptions {
  doasPath?: string;
  incorrectPrompts?: string[];
}

interface ContainerOptions extends CommonOptions {
  /** Account inside the container. */
  username?: string;
}

export interface DockerOptions extends ContainerOptions {
  /** A running container (docker exec)... */
  container?: string;
  /** ...or an image to run a throwaway container from (docker run --rm). */
  image?: string;
  dockerPath?: string;
}

export interface PodmanOptions extends ContainerOptions {
  container?: string;
  image?: string;
  podmanPath?: string;
}

export interface BuildahOptions extends ContainerOptions {
  container: string;
  buildahPath?: string;
}

export interface KubectlOptions extends CommonOptions {
  pod: string;
  /** Container of the pod (default: kubectl's choice). */
  container?: string;
  kubectlPath?: string;
  /** Extra kubectl arguments, before `exec` (--context, -n NAMESPACE...). */
  kubectlArgs?: string[];
}

export interface LxcOptions extends CommonOptions {
  container: string;
  lxcAttachPath?: string;
}

export interface LxdOptions extends CommonOptions {
  container: string;
  lxcPath?: string;
}

export interface IncusOptions extends CommonOptions {
  container: string;
  incusPath?: string;
}

export interface JailOptions extends ContainerOptions {
  container: string;
  jexecPath?: string;
}

export interface SetnsOptions extends ContainerOptions {
  container: string;
  kind: 'docker' | 'lxc' | 'lxd' | 'machinectl';
  /** Programs used: nsenter (util-linux) and the tool that finds the container's leader pid. */
  nsenterPath?: string;
  dockerPath?: string;
  lxcInfoPath?: string;
  lxcPath?: string;
  machinectlPath?: string;
}

/** Every connection method by name, with the options it takes. */
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
