// What the master adds to the connection methods: all of them, the ssh2 transport, and
// node-pty for PTYs (both npm packages of the master; a context that starts children uses
// the OpenSSH client and util-linux `script` instead).
import { methods } from '../methods/all.js';
import { registerMethods } from '../methods/index.js';
import { setSsh2Opener } from '../methods/ssh.js';
import { openSsh2 } from '../methods/ssh2.js';
import { onPath, scriptBackend, setPtyBackend, type PtyBackend } from '../parent/pty.js';
import { loadNodePty, missingPtyBackend, nodePtyBackend } from '../parent/pty-node.js';

let installed = false;

export function installMasterMethods(): void {
  if (installed) return;
  installed = true;
  registerMethods(methods);
  setSsh2Opener(openSsh2);
  // node-pty is loaded on the first PTY actually needed (most launches need none). Full-PTY
  // launches go through util-linux script where it exists: node-pty's spawn keeps the event
  // loop alive until its process exits (a native handle), and the router must not.
  let backend: PtyBackend | undefined;
  let hasScript: boolean | undefined;
  setPtyBackend({
    name: 'node-pty, script for full PTYs',
    start(mode, argv, env) {
      hasScript ??= onPath('script');
      if (!backend) {
        const pty = loadNodePty();
        backend = pty ? nodePtyBackend(pty) : hasScript ? scriptBackend : missingPtyBackend();
      }
      return (mode === 'full' && hasScript ? scriptBackend : backend).start(mode, argv, env);
    },
  });
}

