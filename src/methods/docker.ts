// docker and podman: `docker exec -i [-u USER] CONTAINER sh -c '<node line>'`, or with `image`
// a throwaway container: `docker run -i --rm [-u USER] IMAGE sh -c ...`. podman takes the same.
import { StreamError } from '../core/errors.js';
import type { LaunchSpec } from '../parent/connection.js';
import { execSpec, required } from './exec-spec.js';
import type { NodeLaunch } from '../parent/method-table.js';
import type { DockerOptions, PodmanOptions } from '../core/routing/connection-options.js';

function engine(method: 'docker' | 'podman', path: string | undefined, opts: DockerOptions | PodmanOptions, node: NodeLaunch): LaunchSpec {
  if ((opts.container === undefined) === (opts.image === undefined)) throw new StreamError(`${method}: give exactly one of container and image`);
  const user = opts.username !== undefined ? ['-u', opts.username] : [];
  const tool =
    opts.container !== undefined
      ? [path ?? method, 'exec', '-i', ...user, required(opts.container, 'container', method)]
      : [path ?? method, 'run', '-i', '--rm', ...user, required(opts.image, 'image', method)];
  return execSpec(`${method} context '${opts.name}' (${opts.container ?? `image ${opts.image}`})`, tool, opts, node);
}

export function dockerLaunch(opts: DockerOptions, node: NodeLaunch): LaunchSpec {
  return engine('docker', opts.dockerPath, opts, node);
}

export function podmanLaunch(opts: PodmanOptions, node: NodeLaunch): LaunchSpec {
  return engine('podman', opts.podmanPath, opts, node);
}

/** `docker.app`: the container (or the image of a throwaway one). */
dockerLaunch.defaultName = (opts: DockerOptions): string => `docker.${opts.container ?? opts.image}`;

/** `podman.app`: the container (or the image of a throwaway one). */
podmanLaunch.defaultName = (opts: PodmanOptions): string => `podman.${opts.container ?? opts.image}`;
