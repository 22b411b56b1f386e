// The router's importPolicy: which modules children may load from the master. The module
// responder is the only place code leaves the master, so it is checked there, once per graph
// (the verdict is kept with the graph), on every module of the graph: its resolved path and
// every specifier that names it (the request's, and those written in the graph's import maps).
import { fileURLToPath } from 'node:url';

/**
 * Which modules children may load from the master. A rule is a RegExp, tested against the
 * specifier and the resolved path, or a string: an absolute path (or `file:` URL) matches that
 * file and everything under it; any other string matches that specifier, the specifiers under
 * it (`lodash` matches `lodash/fp`) and the files of the package of that name (a path containing
 * `/node_modules/<name>/`). Deny wins over allow; without `allow` everything not denied loads.
 */
export interface ImportPolicy {
  /** When given, only modules some rule matches may load (an empty list allows nothing). */
  allow?: readonly (string | RegExp)[];
  /** Modules a rule matches are refused, even if an allow rule matches them too. */
  deny?: readonly (string | RegExp)[];
}

/** One module of a graph as the policy sees it: its id and the specifiers naming it. */
export interface PolicySubject {
  id: string;
  specifiers: readonly string[];
}

const describeRule = (rule: string | RegExp): string => (typeof rule === 'string' ? JSON.stringify(rule) : String(rule));

function normalRule(rule: string | RegExp): string | RegExp {
  return typeof rule === 'string' && rule.startsWith('file:') ? fileURLToPath(rule) : rule;
}

function matches(rule: string | RegExp, subject: PolicySubject): boolean {
  if (typeof rule !== 'string') {
    if (rule.global || rule.sticky) rule.lastIndex = 0;
    if (rule.test(subject.id)) return true;
    return subject.specifiers.some((s) => {
      if (rule.global || rule.sticky) rule.lastIndex = 0;
      return rule.test(s);
    });
  }
  if (rule.startsWith('/')) {
    const dir = rule.endsWith('/') ? rule : `${rule}/`;
    return subject.id === rule || subject.id.startsWith(dir);
  }
  const name = rule.endsWith('/') ? rule.slice(0, -1) : rule;
  return subject.id.includes(`/node_modules/${name}/`) || subject.specifiers.some((s) => s === name || s.startsWith(`${name}/`));
}

/** The policy's refusal of `subject` in words naming the rule, or null when it may load. */
export function refusal(policy: ImportPolicy, subject: PolicySubject): string | null {
  const named = subject.specifiers[0] !== undefined && subject.specifiers[0] !== subject.id ? `'${subject.specifiers[0]}' (${subject.id})` : subject.id;
  const deny = policy.deny ?? [];
  for (let i = 0; i < deny.length; i++) {
    const rule = normalRule(deny[i]!);
    if (matches(rule, subject)) return `module ${named} is refused by the router's importPolicy: deny[${i}] ${describeRule(deny[i]!)} matches it`;
  }
  const allow = policy.allow;
  if (allow === undefined) return null;
  for (const rule of allow) if (matches(normalRule(rule), subject)) return null;
  return `module ${named} is refused by the router's importPolicy: no allow rule matches it (allow: ${allow.map(describeRule).join(', ') || 'empty'})`;
}

/** Whether the policy checks anything at all (the default allows everything, at no cost). */
export const isOpen = (policy: ImportPolicy | undefined): boolean => policy === undefined || (policy.allow === undefined && (policy.deny?.length ?? 0) === 0);
