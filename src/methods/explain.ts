// Failure explanations shared by the methods that run a remote command line: what the last
// lines of a failed launch mean, as [error class, reason].
import { PasswordError, StreamError } from '../core/errors.js';

export type Explanation = [typeof StreamError, string] | undefined;

const said = (tail: string[], re: RegExp): RegExpMatchArray | null => {
  for (let i = tail.length - 1; i >= 0; i--) {
    const m = tail[i]!.match(re);
    if (m) return m;
  }
  return null;
};
export { said };

/** node absent or not executable where the command ran. */
export function explainNode(tail: string[], why: string, nodePath: string | string[] | undefined): Explanation {
  const node = JSON.stringify(nodePath ?? 'node');
  if (/exit code 127\b/.test(why) || said(tail, /(exec: |: )\S*node\S*: (not found|No such file or directory)|command not found: \S*node/)) {
    return [StreamError, `node was not found on the target (nodePath ${node}): install Node >= 16 there or set nodePath`];
  }
  if (/exit code 126\b/.test(why) || said(tail, /\S*node\S*: Permission denied/)) {
    return [StreamError, `node on the target cannot be run (nodePath ${node}): permission denied`];
  }
  return undefined;
}

/** A password asked for and not given, or refused, in text a tool printed. */
export function explainPassword(tail: string[], what: string, patterns: RegExp[]): Explanation {
  const m = patterns.map((p) => said(tail, p)).find((x) => x);
  return m ? [PasswordError, `${what}: ${m[0].trim()}`] : undefined;
}
