// One section per checker: its verdict and summary, then its evidence in the richest form the
// report knows for its shape (linearizability failures, cycles, lost elements, ...), else as escaped JSON.
import type { ReportSection } from '../src/define/workload.js';
import type { CheckResult, Validity } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { anchorId, escapeHtml } from '../src/html-escape.js';
import { availabilityKeys, isAvailabilityResult, renderAvailabilityBody } from './availability-section.js';
import { bankKeys, isBankResult, renderBankBody } from './bank-section.js';
import { convergenceKeys, isConvergenceResult, renderConvergenceBody } from './convergence-section.js';
import { counterKeys, isCounterResult, renderCounterBody } from './counter-section.js';
import { cycleKeys, isCycleResult, renderCycleBody } from './cycle-section.js';
import type { FaultColor } from './fault-colors.js';
import { isLinearizableResult, linearizableKeys, renderLinearizableBody } from './linearizable-section.js';
import { isSessionResult, renderSessionBody, sessionKeys } from './session-section.js';
import { isSetResult, renderSetBody, setKeys } from './set-section.js';
import { isStatsResult, renderStatsBody, statsKeys } from './stats-section.js';

/** JSON longer than this is cut in the page, with a note; results.json has all of it. */
const maxJsonChars = 200_000;

interface Context {
  name: string;
  windows: readonly FaultWindow[];
  colors: ReadonlyMap<string, FaultColor>;
}

interface View {
  matches(r: CheckResult): boolean;
  /** The result keys the view shows; the rest are listed as JSON. */
  keys: readonly string[];
  render(r: CheckResult, c: Context): string;
}

function view<R extends CheckResult>(matches: (r: CheckResult) => r is R, keys: readonly string[], render: (r: R, c: Context) => string): View {
  return { matches, keys, render: (r, c) => render(r as R, c) };
}

/** The views the report knows, tried in order (stats last: its `counts` shape is the loosest). */
const views: View[] = [
  view(isLinearizableResult, linearizableKeys, (r, c) => renderLinearizableBody(c.name, r, c.windows, c.colors)),
  view(isCycleResult, cycleKeys, renderCycleBody),
  view(isSetResult, setKeys, renderSetBody),
  view(isBankResult, bankKeys, (r, c) => renderBankBody(r, c.windows, c.colors)),
  view(isCounterResult, counterKeys, (r, c) => renderCounterBody(r, c.windows, c.colors)),
  view(isConvergenceResult, convergenceKeys, renderConvergenceBody),
  view(isAvailabilityResult, availabilityKeys, renderAvailabilityBody),
  view(isSessionResult, sessionKeys, renderSessionBody),
  view(isStatsResult, statsKeys, renderStatsBody),
];

/** Renders one checker's section, anchored at `#checker-<name>`: verdict, summary, evidence (smallest witness first). */
export function renderCheckerSection(name: string, result: CheckResult, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>, own?: ReportSection): string {
  const parts = [
    `<section class="checker" id="${anchorId('checker', name)}">`,
    `<h2><code>${escapeHtml(name)}</code> ${validityBadge(result.valid)}</h2>`,
  ];
  if (result.summary !== undefined) parts.push(`<p class="summary">${escapeHtml(result.summary)}</p>`);
  if (result.error !== undefined) parts.push(`<pre class="error">${escapeHtml(result.error)}</pre>`);
  // A workload's own section for its checker comes first; the result's other fields still show as JSON.
  const view = own !== undefined ? { keys: ['valid', 'summary', 'error'], render: (r: CheckResult) => own(r) } : views.find((v) => v.matches(result));
  let rendered: readonly string[] = ['valid', 'summary', 'error'];
  if (view) {
    try {
      parts.push(view.render(result, { name, windows, colors }));
      rendered = view.keys;
    } catch (err) {
      // A result of an unexpected shape still shows, as JSON below.
      parts.push(`<pre class="error">could not render this result's evidence: ${escapeHtml(err instanceof Error ? err.message : String(err))}</pre>`);
    }
  }
  const known = view !== undefined;
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
