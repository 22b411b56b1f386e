// One method per connection method, on every router: the master's (it runs the connection
// itself: Router overrides connect) and a child's (it asks its broker, or `via`'s, with
// CREATE_CHILD). Types only from src/methods: nothing here adds to the child payload.
import type { Context } from '../calls/context.js';
import { ChannelError } from '../errors.js';
import { parseCreateChildReply } from '../handles/create-child.js';
import { MALFORMED } from '../handles/reserved-handle.js';
import { CREATE_CHILD } from '../wire/protocol.js';
import type { CommonOptions, ConnectionMethod, MethodOptions } from './connection-options.js';

/** The connection methods every router offers, each a shorthand for {@link connect}. */
export abstract class ConnectionMethods {
  /** The Context of this router itself. */
  abstract myself(): Context;
  /** @internal */
  abstract contextFor(id: number, name?: string): Context;

  /**
   * Starts a context with the named connection method (from this context, or `opts.via`): the
   * broker of that context runs the connection. The master's Router runs it itself.
   */
  async connect<M extends ConnectionMethod>(method: M, opts: MethodOptions[M] = {} as MethodOptions[M]): Promise<Context> {
    const { via, ...rest } = opts as CommonOptions;
    const target = via ?? this.myself();
    const reply = await target.sendAwait({ handle: CREATE_CHILD, data: { method, opts: rest } });
    const child = parseCreateChildReply(reply);
    if (child === MALFORMED) throw new ChannelError('malformed CREATE_CHILD reply');
    return this.contextFor(child[0], child[1]);
  }

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
