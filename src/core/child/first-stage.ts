// The first stage: the only code that travels on the command line. It checks the Node
// version, announces itself with a marker (anything printed before it, e.g. by login
// scripts, is dropped by the parent), reads exactly one length-prefixed compressed (brotli)
// payload from fd 3 without reading a byte more, and runs it. It lives in the core because a
// child that becomes a parent starts its own children with it.

/** Oldest Node a child may run. */
export const MIN_CHILD_NODE_MAJOR = 16;

/** Exit codes the first stage uses, so the parent can explain them. */
export const EXIT_NODE_TOO_OLD = 3;
export const EXIT_CHANNEL_CLOSED = 4;
export const EXIT_BOOTSTRAP_FAILED = 5;

/**
 * The dispatcher thread, started before the payload is even read: a new thread takes ~25 ms
 * to boot, which then overlaps the payload transfer instead of delaying the first call. It
 * waits for the core source and its setup (src/core/child/broker.ts posts them).
 */
// The wrapper both threads compile the core in: the same text, so that the dispatcher thread
// can take the V8 code cache of the broker's compile (src/core/child/broker.ts makes it).
const WRAP = '(function(require,__tendrilSource,__tendrilPayload,__tendrilWorker,__tendrilInit,__tendrilScript){';

const WORKER_BOOT = `require('worker_threads').parentPort.once('message',m=>new(require('vm').Script)('${WRAP}'+m.source+'\\n})',{filename:'tendril-core.js',cachedData:m.cache}).runInThisContext()(require,null,null,null,m,null))`;

const SOURCE = [
  "const f=require('fs'),z=require('zlib'),W=new Int32Array(new SharedArrayBuffer(4));",
  `if(+process.versions.node.split('.')[0]<${MIN_CHILD_NODE_MAJOR}){f.writeSync(2,'tendril: node '+process.version+' on this target is too old: the child side needs Node >= ${MIN_CHILD_NODE_MAJOR}\\n');process.exit(${EXIT_NODE_TOO_OLD})}`,
  `const w=new(require('worker_threads').Worker)(${JSON.stringify(WORKER_BOOT)},{eval:true});w.unref();`,
  'function r(n){const b=Buffer.alloc(n);let o=0;while(o<n){let g;try{g=f.readSync(3,b,o,n-o,null)}catch(e){if(e.code!=="EAGAIN")throw e;Atomics.wait(W,0,0,5);continue}',
  `if(!g){f.writeSync(2,'tendril: the channel closed during bootstrap ('+o+' of '+n+' bytes)\\n');process.exit(${EXIT_CHANNEL_CLOSED})}o+=g}return b}`,
  "f.writeSync(4,'TENDRIL:'+process.argv[1]+'\\n');",
  // A failure from here on is reported as one line, not as Node's dump of this source.
  "try{const n=r(4).readUInt32BE(0);if(n>67108864)throw new Error('payload length '+n+' is implausible');",
  'const p=r(n),s=z.brotliDecompressSync(p).toString();',
  `const S=new(require('vm').Script)('${WRAP}'+s+'\\n})',{filename:'tendril-core.js'});S.runInThisContext()(require,s,p,w,null,S)`,
  `}catch(e){f.writeSync(2,'tendril: bootstrap failed: '+(e&&e.message||e)+'\\n');process.exit(${EXIT_BOOTSTRAP_FAILED})}`,
].join('');

/** The first stage as plain JavaScript, for `node -e`. */
export function firstStageSource(): string {
  return SOURCE;
}

/**
 * The first stage wrapped so that no shell can alter it: only base64 characters, quotes and
 * parentheses. For command lines that pass through a remote shell.
 */
export function shellSafeFirstStage(): string {
  return `eval(Buffer.from("${Buffer.from(SOURCE).toString('base64')}","base64").toString())`;
}

/** The marker line the first stage writes once it runs, carrying the parent's token. */
export function startMarker(token: string): string {
  return `TENDRIL:${token}\n`;
}

export const READY_MARKER = 'TENDRIL-READY\n';
