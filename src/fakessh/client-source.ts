// The `ssh` that fakeSsh() puts on the PATH runs this small client with node (no tendril code
// in it): it connects to the master's Unix socket, sends its argv, carries stdin, stdout and
// stderr both ways with backpressure, and ends with the remote command's exit code or signal.
import { MAX_TUNNEL_FRAME, T_EOF, T_EXIT, T_FAIL, T_START, T_STDERR, T_STDIN, T_STDOUT } from './tunnel.js';

/** CommonJS source, run as `node client.cjs SOCKET TOKEN ARGV...`. */
export const CLIENT_SOURCE = `'use strict';
const net = require('net');
const fs = require('fs');
const [sockPath, token, ...argv] = process.argv.slice(2);
const frame = (type, data) => { const h = Buffer.alloc(5); h[0] = type; h.writeUInt32BE(data.length, 1); return Buffer.concat([h, data]); };
// Pipes and sockets are read and written asynchronously (process.stdout on a pipe blocks).
const fdStream = (fd, readable) => {
  try {
    const st = fs.fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) return new net.Socket({ fd, readable, writable: !readable, allowHalfOpen: true });
  } catch (e) {}
  return null;
};
const fail = (message) => { try { fs.writeSync(2, 'fakessh: ' + message + '\\n'); } catch (e) {} process.exit(255); };
let output = null;
let done = false;
const sock = net.connect(sockPath);
sock.on('error', (e) => done || fail('cannot reach the tendril master at ' + sockPath + ': ' + e.message));
sock.on('close', () => done || fail('lost the connection to the tendril master'));
sock.on('connect', () => {
  sock.write(frame(${T_START}, Buffer.from(JSON.stringify({ token, argv }))));
  output = fdStream(1, false) || process.stdout;
  output.on('error', () => { done = true; process.exit(255); });
  const input = fdStream(0, true) || process.stdin;
  let inputWaits = false;
  input.on('data', (c) => {
    if (sock.write(frame(${T_STDIN}, c)) || inputWaits) return;
    inputWaits = true;
    input.pause();
    sock.once('drain', () => { inputWaits = false; input.resume(); });
  });
  input.on('end', () => sock.write(frame(${T_EOF}, Buffer.alloc(0))));
  input.on('error', () => sock.write(frame(${T_EOF}, Buffer.alloc(0))));
});
let buffered = Buffer.alloc(0);
let outputWaits = false;
sock.on('data', (chunk) => {
  buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
  while (buffered.length >= 5) {
    const len = buffered.readUInt32BE(1);
    if (len > ${MAX_TUNNEL_FRAME}) return fail('bad frame from the master');
    if (buffered.length < 5 + len) return;
    const type = buffered[0];
    const data = buffered.subarray(5, 5 + len);
    buffered = buffered.subarray(5 + len);
    if (type === ${T_STDOUT}) {
      if (!output.write(data) && !outputWaits) {
        outputWaits = true;
        sock.pause();
        output.once('drain', () => { outputWaits = false; sock.resume(); });
      }
    } else if (type === ${T_STDERR}) {
      process.stderr.write(data);
    } else if (type === ${T_FAIL}) {
      done = true;
      return fail(data.toString('utf8'));
    } else if (type === ${T_EXIT}) {
      done = true;
      const status = JSON.parse(data.toString('utf8'));
      sock.destroy();
      const finish = () => {
        if (status.signal) { process.removeAllListeners(status.signal); try { process.kill(process.pid, status.signal); } catch (e) {} }
        process.exit(status.code === null ? 255 : status.code);
      };
      // Flushed, never ended: stdout may be a socket shared with the caller (a shutdown would
      // end it for everyone).
      return output.write('', finish);
    }
  }
});
`;
