// From a host spec to the context the work runs in, with the library's connection methods
// only: router.ssh (through the -J hops, each started by the previous one), router.local,
// and sudo/su/doas on top for become. Hops are shared by the hosts behind them.
import type { Context, Router, SshOptions } from '../index.js';
import { parseAddress, type Become, type HostSpec } from './hosts.js';
import type { CommonRequest } from './options.js';

/** A connected host: the context to work in, and the one to shut down when done with it. */
export interface Connected {
  target: Context;
  /** This host's own first context (not a shared hop): shutting it down ends the target too. */
  own: Context;
}

export interface Connector {
  connect(spec: HostSpec): Promise<Connected>;
  /** The longest a connection may take: each hop and the become have their own connectTimeout. */
  deadline(spec: HostSpec): number;
}

/** The library's default connectTimeout. */
const CONNECT_TIMEOUT = 30_000;

/** The become of a host: its inventory entry over the command line's -b options. */
export function becomeOf(spec: HostSpec, req: Pick<CommonRequest, 'become'>): Become | null {
  if (spec.become === false) return null;
  if (spec.become === undefined) return req.become;
  return { method: spec.become.method ?? req.become?.method ?? 'sudo', user: spec.become.user ?? req.become?.user ?? 'root' };
}

export function connector(router: Router, req: CommonRequest, password: string | undefined): Connector {
  const hops = new Map<string, Promise<Context>>();
  const timeout = req.timeout === undefined ? {} : { connectTimeout: req.timeout };
  const hostKeys = req.hostKeys === undefined ? {} : { checkHostKeys: req.hostKeys };
  // Key files and known_hosts are paths on this machine: only connections started here use them.
  const localFiles = (identity: string | undefined): Partial<SshOptions> => ({
    ...(identity === undefined ? {} : { identityFile: identity }),
    ...(req.knownHosts === undefined ? {} : { knownHostsFile: req.knownHosts }),
  });

  const hop = (chain: string[]): Promise<Context> => {
    const key = chain.join(' > ');
    let p = hops.get(key);
    if (!p) {
      p = (async () => {
        const via = chain.length > 1 ? await hop(chain.slice(0, -1)) : undefined;
        const addr = parseAddress(chain[chain.length - 1]!, '--via');
        return router.ssh({
          hostname: addr.hostname,
          ...(addr.user === undefined ? {} : { username: addr.user }),
          ...(addr.port === undefined ? {} : { port: addr.port }),
          ...(via ? { via } : localFiles(req.identity)),
          ...hostKeys,
          ...timeout,
        });
      })();
      hops.set(key, p);
    }
    return p;
  };

  return {
    deadline(spec) {
      const steps = 1 + (spec.local ? 0 : (spec.via ?? req.via).length) + (becomeOf(spec, req) ? 1 : 0);
      return steps * (req.timeout ?? CONNECT_TIMEOUT) + 10_000;
    },
    async connect(spec) {
      const become = becomeOf(spec, req);
      const withPassword = password === undefined ? {} : { password };
      if (spec.local) {
        // This machine: become straight from the master, or a plain local child.
        const target = become ? await router[become.method]({ username: become.user, ...withPassword, ...timeout }) : await router.local({ ...timeout });
        return { target, own: target };
      }
      const chain = spec.via ?? req.via;
      const via = chain.length ? await hop(chain) : undefined;
      const user = spec.user ?? req.user;
      const port = spec.port ?? req.port;
      const ssh = await router.ssh({
        hostname: spec.hostname!,
        ...(user === undefined ? {} : { username: user }),
        ...(port === undefined ? {} : { port }),
        ...(via ? { via } : localFiles(spec.identity ?? req.identity)),
        ...hostKeys,
        ...timeout,
      });
      if (!become) return { target: ssh, own: ssh };
      try {
        const target = await router[become.method]({ via: ssh, username: become.user, ...withPassword, ...timeout });
        return { target, own: ssh };
      } catch (e) {
        void ssh.shutdown().catch(() => undefined);
        throw e;
      }
    },
  };
}
