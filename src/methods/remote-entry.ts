// Entry point of the methods bundle (dist/methods.bundle.br): the connection methods other than
// local, fetched by an intermediate context the first time it is asked for one of them. It has
// neither the ssh2 transport nor node-pty (packages the targets do not have): there, PTYs come
// from util-linux `script` and ssh from the OpenSSH client.
export { methods } from './all.js';
