// One method per connection method, on every router: the master's (it runs the connection
// itself) and a child's (its broker runs it, see CoreRouter.connect). Types only from
// src/methods: nothing here adds to the child payload.
import type { Context } from '../calls/context.js';
import type { ConnectionMethod, MethodOptions } from './connection-options.js';

/** The connection methods every router offers, each a shorthand for {@link connect}. */
export abstract class ConnectionMethods {
  /** Starts a context with the named connection method (from this context, or `opts.via`). */
  abstract connect<M extends ConnectionMethod>(method: M, opts?: MethodOptions[M]): Promise<Context>;

  /** A new node process on this context's machine (or on `via`'s). */
  local(opts: MethodOptions['local'] = {}): Promise<Context> {
    return this.connect('local', opts);
  }

  /** A context on another machine over ssh (OpenSSH client by default, or transport 'ssh2'). */
  ssh(opts: MethodOptions['ssh']): Promise<Context> {
    return this.connect('ssh', opts);
  }

  /** A context as another account (default root) through sudo. */
  sudo(opts: MethodOptions['sudo'] = {}): Promise<Context> {
    return this.connect('sudo', opts);
  }

  /** A context as another account (default root) through su. */
  su(opts: MethodOptions['su'] = {}): Promise<Context> {
    return this.connect('su', opts);
  }

  /** A context as another account (default root) through doas. */
  doas(opts: MethodOptions['doas'] = {}): Promise<Context> {
    return this.connect('doas', opts);
  }

  /** A context in a docker container (`container`) or a throwaway one from `image`. */
  docker(opts: MethodOptions['docker']): Promise<Context> {
    return this.connect('docker', opts);
  }

  /** A context in a podman container (`container`) or a throwaway one from `image`. */
  podman(opts: MethodOptions['podman']): Promise<Context> {
    return this.connect('podman', opts);
  }

  /** A context in a buildah working container (`buildah run`). */
  buildah(opts: MethodOptions['buildah']): Promise<Context> {
    return this.connect('buildah', opts);
  }

  /** A context in a Kubernetes pod (`kubectl exec`). */
  kubectl(opts: MethodOptions['kubectl']): Promise<Context> {
    return this.connect('kubectl', opts);
  }

  /** A context in an LXC container (lxc-attach). */
  lxc(opts: MethodOptions['lxc']): Promise<Context> {
    return this.connect('lxc', opts);
  }

  /** A context in an LXD container (`lxc exec`). */
  lxd(opts: MethodOptions['lxd']): Promise<Context> {
    return this.connect('lxd', opts);
  }

  /** A context in an Incus container. */
  incus(opts: MethodOptions['incus']): Promise<Context> {
    return this.connect('incus', opts);
  }

  /** A context in a FreeBSD jail (jexec). */
  jail(opts: MethodOptions['jail']): Promise<Context> {
    return this.connect('jail', opts);
  }

  /** A context in a container's namespaces entered directly (nsenter; needs root). */
  setns(opts: MethodOptions['setns']): Promise<Context> {
    return this.connect('setns', opts);
  }
}
