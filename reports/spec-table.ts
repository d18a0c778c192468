// The resolved test spec as a two-column table, so a reader sees exactly what was run.
import { escapeHtml } from '../src/html-escape.js';

/** Longest value shown inline; longer values (e.g. big nested options) are cut with a note. */
const maxValueChars = 4_000;

/** Renders the spec's top-level fields in their own order; nested values as compact JSON. */
export function renderSpecTable(test: Record<string, unknown>): string {
  const entries = Object.entries(test);
  if (entries.length === 0) return '<p class="muted">The test spec is empty.</p>';
  const rows = entries.map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${specValue(value)}</td></tr>`);
  return `<table class="spec"><tbody>${rows.join('')}</tbody></table>`;
}

function specValue(value: unknown): string {
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return `<code>${String(value)}</code>`;
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > maxValueChars) text = `${text.slice(0, maxValueChars)}\u2026 (${text.length} characters; see test.json)`;
  return `<code>${escapeHtml(text)}</code>`;
}
