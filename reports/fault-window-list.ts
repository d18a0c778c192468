// The fault windows of a run as a table: which fault, what exactly, from when to when.
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { FaultColor } from './fault-colors.js';
import { formatSeconds } from './time-format.js';

/** Renders one row per window, with the colour it has on the charts; an open window says so. */
export function renderFaultWindowList(windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  if (windows.length === 0) return '<p class="muted">No faults were injected.</p>';
  const rows = windows.map((w) => {
    const swatch = `<span class="swatch" style="background:${colors.get(w.fault)?.solid ?? '#999'}"></span>`;
    const duration = w.end === null ? '' : ((w.end - w.start) / 1e9).toFixed(3);
    return (
      `<tr><td>${swatch}${escapeHtml(w.fault)}</td><td>${escapeHtml(w.label)}</td><td class="num">${formatSeconds(w.start)}</td>` +
      `<td class="num">${w.end === null ? '<span class="muted">still active at the end</span>' : formatSeconds(w.end)}</td><td class="num">${duration}</td></tr>`
    );
  });
  return `<table class="faults"><thead><tr><th>fault</th><th>label</th><th class="num">start (s)</th><th class="num">end (s)</th><th class="num">duration (s)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
