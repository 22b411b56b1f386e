// The connection methods other than local: registered by the master at load, and the content
// of the methods bundle an intermediate context fetches on demand (src/methods/remote-entry.ts).
import { buildahLaunch } from './buildah.js';
import { doasLaunch } from './doas.js';
import { dockerLaunch, podmanLaunch } from './docker.js';
import type { MethodTable } from '../parent/method-table.js';
import { jailLaunch } from './jail.js';
import { kubectlLaunch } from './kubectl.js';
import { incusLaunch, lxcLaunch, lxdLaunch } from './lxc.js';
import { setnsLaunch } from './setns.js';
import { sshLaunch } from './ssh.js';
import { suLaunch } from './su.js';
import { sudoLaunch } from './sudo.js';

export const methods: MethodTable = {
  ssh: sshLaunch,
  sudo: sudoLaunch,
  su: suLaunch,
  doas: doasLaunch,
  docker: dockerLaunch,
  podman: podmanLaunch,
  buildah: buildahLaunch,
  kubectl: kubectlLaunch,
  lxc: lxcLaunch,
  lxd: lxdLaunch,
  incus: incusLaunch,
  jail: jailLaunch,
  setns: setnsLaunch,
};
