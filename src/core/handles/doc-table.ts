// docs/protocol.md's table of reserved handles, rendered from the table in this folder.
// scripts/handles-doc.mjs writes it between the markers; test/core/handles.test.ts fails when
// the doc is out of date. Never imported by runtime code (its prose stays out of the payload).
import { HANDLE_DOCS, type HandleDoc } from './index.js';
import type { ReservedHandle } from './reserved-handle.js';

/** The line before the generated table in docs/protocol.md. */
export const TABLE_BEGIN = '<!-- reserved-handles:begin (generated from src/core/handles/ by `node scripts/handles-doc.mjs`; edit those files, not this table) -->';
/** The line after it. */
export const TABLE_END = '<!-- reserved-handles:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function handledBy(h: ReservedHandle): string {
  if (h.handledIn.length === 0) return 'nobody';
  return h.handledIn.map((p) => (p === 'master' ? 'master' : `child (${h.thread})`)).join(', ');
}

function policyOf(h: ReservedHandle): string {
  return h.masterPolicy ? `${h.policy.name} (master: ${h.masterPolicy.name})` : h.policy.name;
}

/** The markdown table: one row per reserved handle, in number order. */
export function renderHandleTable(docs: readonly HandleDoc[] = HANDLE_DOCS): string {
  const rows = [
    '| handle | name | handled by | policy | data | reply | purpose |',
    '|---:|---|---|---|---|---|---|',
  ];
  for (const [h, purpose, reply] of docs) {
    rows.push(`| ${h.id} | \`${h.name}\` | ${handledBy(h)} | ${policyOf(h)} | ${cell(h.data)} | ${cell(reply ?? 'none')} | ${cell(purpose)} |`);
  }
  return rows.join('\n');
}

/** `markdown` with the text between the markers replaced by the current table. */
export function withHandleTable(markdown: string, table: string = renderHandleTable()): string {
  const begin = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`the markers of the reserved handle table are missing (${TABLE_BEGIN} ... ${TABLE_END})`);
  return `${markdown.slice(0, begin + TABLE_BEGIN.length)}\n${table}\n${markdown.slice(end)}`;
}
