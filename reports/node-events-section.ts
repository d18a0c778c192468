// The nodes' own account of the run: links to each node's log and a table of the events they
// logged (role changes, elections, failovers, repairs), each time opening the timeline there.
import { escapeHtml } from '../src/html-escape.js';
import { nodeEventColor } from './fault-colors.js';
import type { NodeAnnotation, NodeLogLink } from './node-annotations.js';
import { formatCount } from './time-format.js';

/** Rows in the table; the timeline shows more, and the logs have all. */
const maxRows = 500;

/** Renders the section, or '' when the run has neither logs nor events. */
export function renderNodeEventsSection(events: readonly NodeAnnotation[], logs: readonly NodeLogLink[], note?: string): string {
  if (events.length === 0 && logs.length === 0 && note === undefined) return '';
  const parts = ['<section id="node-events"><h2>Node logs and events</h2>'];
  if (logs.length > 0) {
    parts.push(`<p>Logs: ${logs.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.node)}</a> <span class="muted">(${formatKiB(l.bytes)})</span>`).join(' \u00b7 ')}</p>`);
  }
  if (note !== undefined) parts.push(`<p class="muted">${escapeHtml(note)}</p>`);
  if (events.length === 0) {
    parts.push('<p class="muted">The logs hold no events (only the bundled store logs role changes, elections, failovers and repairs).</p>');
  } else {
    const kinds = new Map<string, number>();
    for (const e of events) kinds.set(e.event, (kinds.get(e.event) ?? 0) + 1);
    parts.push(`<p>${[...kinds].map(([kind, n]) => `<span class="event-dot" style="background:${nodeEventColor(kind)}"></span>${escapeHtml(kind)} ${formatCount(n)}`).join(' &nbsp; ')}</p>`);
    const rows = events.slice(0, maxRows).map((e) => {
      const when = e.atNs < 0 ? `${(e.atNs / 1e9).toFixed(3)} <span class="muted">(before the workload)</span>` : `<a href="#timeline" data-at-ns="${Math.round(e.atNs)}">${(e.atNs / 1e9).toFixed(3)}</a>`;
      return `<tr><td class="num">${when}</td><td>${escapeHtml(e.node)}</td><td class="event"><span class="event-dot" style="background:${nodeEventColor(e.event)}"></span>${escapeHtml(e.event)}</td><td>${escapeHtml(e.message)}</td></tr>`;
    });
    const table = `<table class="events"><thead><tr><th class="num">time (s)</th><th>node</th><th>event</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
    const cut = events.length > maxRows ? ` (the first ${formatCount(maxRows)} listed)` : '';
    parts.push(`<details${events.length <= 40 ? ' open' : ''}><summary>${formatCount(events.length)} events${cut}</summary>${table}</details>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

function formatKiB(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
