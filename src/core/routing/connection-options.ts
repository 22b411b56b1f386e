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
  /** Its children may talk only to their ancestors, not to each other (inherited below). */
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

/** Options of `local`: a node child process on the same machine. */
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

/** Options of `ssh`: a node process on another machine, over OpenSSH (default) or ssh2. */
export interface SshOptions extends CommonOptions {
  /** The host to connect to (a name from ~/.ssh/config works with OpenSSH). */
  hostname: string;
  /** Login name (default: ssh's own choice: ~/.ssh/config, then the local user). */
  username?: string;
  /** The server's port (default 22, or what ~/.ssh/config says). */
  port?: number;
  /** The ssh client (default `ssh` on PATH). OpenSSH transport only. */
  sshPath?: string;
  /** Extra ssh arguments, before the host name. `-tt` makes the remote side a full raw PTY. */
  sshArgs?: string[];
  /** enforce (default): only known keys; accept: record unknown keys, refuse changed ones; ignore: no check. */
  checkHostKeys?: 'enforce' | 'accept' | 'ignore';
  /** Password login: asked on a PTY that is only ssh's controlling terminal (OpenSSH), or sent by ssh2. */
  password?: string;
  /** Private key file to log in with. */
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

/** What sudo, su and doas have in common. */
interface BecomeOptions extends CommonOptions {
  /** Account to become (default root). */
  username?: string;
  /** The password the tool asks for; a wrong or missing one is a PasswordError. */
  password?: string;
  /** Text the tool asks for the password with (matched at the end of its output, any case). */
  passwordPrompt?: string;
  /** Terminal use (see PtyMode; default 'auto'). */
  pty?: PtyMode;
}

/** Options of `sudo`: another account on the same machine. */
export interface SudoOptions extends BecomeOptions {
  /** The sudo program (default `sudo` on PATH). */
  sudoPath?: string;
  /** Extra sudo arguments; options that would change how tendril talks to sudo are refused. */
  sudoArgs?: string[];
  /** sudo -H: HOME of the target account. */
  setHome?: boolean;
  /** sudo -E: keep the caller's environment. */
  preserveEnv?: boolean;
}

/** Options of `su`: another account on the same machine. */
export interface SuOptions extends BecomeOptions {
  /** The su program (default `su` on PATH). */
  suPath?: string;
  /** Output that means the password was wrong (default: the usual English and localized texts). */
  incorrectPrompts?: string[];
}

/** Options of `doas`: another account on the same machine. */
export interface DoasOptions extends BecomeOptions {
  /** The doas program (default `doas` on PATH). */
  doasPath?: string;
  /** Output that means the password was wrong (default: the usual English and localized texts). */
  incorrectPrompts?: string[];
}

/** What the container methods that can pick an account have in common. */
interface ContainerOptions extends CommonOptions {
  /** Account inside the container. */
  username?: string;
}

/** Options of `docker`: exactly one of `container` and `image`. */
export interface DockerOptions extends ContainerOptions {
  /** A running container (docker exec)... */
  container?: string;
  /** ...or an image to run a throwaway container from (docker run --rm). */
  image?: string;
  /** The docker client (default `docker` on PATH). */
  dockerPath?: string;
}

/** Options of `podman`: exactly one of `container` and `image`. */
export interface PodmanOptions extends ContainerOptions {
  /** A running container (podman exec)... */
  container?: string;
  /** ...or an image to run a throwaway container from (podman run --rm). */
  image?: string;
  /** The podman client (default `podman` on PATH). */
  podmanPath?: string;
}

/** Options of `buildah`: a working container (buildah run). */
export interface BuildahOptions extends ContainerOptions {
  /** The working container's name or id. */
  container: string;
  /** The buildah program (default `buildah` on PATH). */
  buildahPath?: string;
}

/** Options of `kubectl`: a container of a Kubernetes pod (kubectl exec). */
export interface KubectlOptions extends CommonOptions {
  /** The pod's name. */
  pod: string;
  /** Container of the pod (default: kubectl's choice). */
  container?: string;
  /** The kubectl client (default `kubectl` on PATH). */
  kubectlPath?: string;
  /** Extra kubectl arguments, before `exec` (--context, -n NAMESPACE...). */
  kubectlArgs?: string[];
}

/** Options of `lxc`: an LXC container (lxc-attach). */
export interface LxcOptions extends CommonOptions {
  /** The container's name. */
  container: string;
  /** The lxc-attach program (default `lxc-attach` on PATH). */
  lxcAttachPath?: string;
}

/** Options of `lxd`: an LXD instance (lxc exec). */
export interface LxdOptions extends CommonOptions {
  /** The instance's name. */
  container: string;
  /** LXD's lxc client (default `lxc` on PATH). */
  lxcPath?: string;
}

/** Options of `incus`: an Incus instance (incus exec). */
export interface IncusOptions extends CommonOptions {
  /** The instance's name. */
  container: string;
  /** The incus client (default `incus` on PATH). */
  incusPath?: string;
}

/** Options of `jail`: a FreeBSD jail (jexec). */
export interface JailOptions extends ContainerOptions {
  /** The jail's name or id. */
  container: string;
  /** The jexec program (default `jexec` on PATH). */
  jexecPath?: string;
}

/** Options of `setns`: enter a container's namespaces with nsenter (as root). */
export interface SetnsOptions extends ContainerOptions {
  /** The container's name. */
  container: string;
  /** Which tool knows the container (and finds its leader pid). */
  kind: 'docker' | 'lxc' | 'lxd' | 'machinectl';
  /** The nsenter program, from util-linux (default `nsenter` on PATH). */
  nsenterPath?: string;
  /** The docker client, for `kind: 'docker'` (default `docker` on PATH). */
  dockerPath?: string;
  /** The lxc-info program, for `kind: 'lxc'` (default `lxc-info` on PATH). */
  lxcInfoPath?: string;
  /** LXD's lxc client, for `kind: 'lxd'` (default `lxc` on PATH). */
  lxcPath?: string;
  /** The machinectl program, for `kind: 'machinectl'` (default `machinectl` on PATH). */
  machinectlPath?: string;
}

/** Every connection method by name, with the options it takes. */
export interface MethodOptions {
  /** {@inheritDoc LocalOptions} */
  local: LocalOptions;
  /** {@inheritDoc SshOptions} */
  ssh: SshOptions;
  /** {@inheritDoc SudoOptions} */
  sudo: SudoOptions;
  /** {@inheritDoc SuOptions} */
  su: SuOptions;
  /** {@inheritDoc DoasOptions} */
  doas: DoasOptions;
  /** {@inheritDoc DockerOptions} */
  docker: DockerOptions;
  /** {@inheritDoc PodmanOptions} */
  podman: PodmanOptions;
  /** {@inheritDoc BuildahOptions} */
  buildah: BuildahOptions;
  /** {@inheritDoc KubectlOptions} */
  kubectl: KubectlOptions;
  /** {@inheritDoc LxcOptions} */
  lxc: LxcOptions;
  /** {@inheritDoc LxdOptions} */
  lxd: LxdOptions;
  /** {@inheritDoc IncusOptions} */
  incus: IncusOptions;
  /** {@inheritDoc JailOptions} */
  jail: JailOptions;
  /** {@inheritDoc SetnsOptions} */
  setns: SetnsOptions;
}
/** The name of a connection method (`router.connect(method, opts)`). */
export type ConnectionMethod = keyof MethodOptions;
