// One section per checker: its verdict and summary, then its evidence in the richest form the
// report knows for its shape (stats table, linearizability failures), else as escaped JSON.
import type { CheckResult, Validity } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import type { FaultColor } from './fault-colors.js';
import { anchorId, escapeHtml } from './html-escape.js';
import { isLinearizableResult, linearizableKeys, renderLinearizableBody } from './linearizable-section.js';
import { isStatsResult, renderStatsBody, statsKeys } from './stats-section.js';

/** JSON longer than this is cut in the page, with a note; results.json has all of it. */
const maxJsonChars = 200_000;

/** Renders one checker's section, anchored at `#checker-<name>`. */
export function renderCheckerSection(name: string, result: CheckResult, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  const parts = [
    `<section class="checker" id="${anchorId('checker', name)}">`,
    `<h2><code>${escapeHtml(name)}</code> ${validityBadge(result.valid)}</h2>`,
  ];
  if (result.summary !== undefined) parts.push(`<p class="summary">${escapeHtml(result.summary)}</p>`);
  if (result.error !== undefined) parts.push(`<pre class="error">${escapeHtml(result.error)}</pre>`);
  let rendered = ['valid', 'summary', 'error'];
  const known = isStatsResult(result) || isLinearizableResult(result);
  if (isStatsResult(result)) {
    parts.push(renderStatsBody(result));
    rendered = statsKeys;
  } else if (isLinearizableResult(result)) {
    parts.push(renderLinearizableBody(name, result, windows, colors));
    rendered = linearizableKeys;
  }
  // Whatever the report has no special view for is still shown; unknown checkers that failed open it.
  const rest = Object.fromEntries(Object.entries(result).filter(([key]) => !rendered.includes(key)));
  if (Object.keys(rest).length > 0) {
    const open = !known && result.valid !== true ? ' open' : '';
    parts.push(`<details${open}><summary>${known ? 'other fields' : 'result'} (JSON)</summary><pre class="json">${escapeHtml(prettyJson(rest))}</pre></details>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** A small coloured label for a validity: valid, invalid or unknown. */
export function validityBadge(valid: Validity | unknown): string {
  const word = validityWord(valid);
  return `<span class="badge ${word}">${word}</span>`;
}

/** valid | invalid | unknown, for text and CSS classes; anything unexpected counts as unknown. */
export function validityWord(valid: Validity | unknown): 'valid' | 'invalid' | 'unknown' {
  return valid === true ? 'valid' : valid === false ? 'invalid' : 'unknown';
}

/** Pretty JSON for people: never throws (cycles, BigInt), cut at a size the page can hold. */
export function prettyJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) ?? String(value);
  } catch (err) {
    text = `(not serialisable as JSON: ${err instanceof Error ? err.message : String(err)}) ${String(value)}`;
  }
  return text.length > maxJsonChars ? `${text.slice(0, maxJsonChars)}\n\u2026 cut at ${maxJsonChars} of ${text.length} characters; see results.json` : text;
}
