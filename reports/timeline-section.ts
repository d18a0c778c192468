// The timeline section: every op of the run, one row per worker, drawn on a canvas by
// timeline-script.ts from compact columns (timeline-data.ts), with fault windows, node events
// (elections, failovers, ...) linked to the node logs, and the failures' ops marked.
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { History } from '../src/op.js';
import { nodeEventColor, type FaultColor } from './fault-colors.js';
import type { NodeAnnotation, NodeLogLink } from './node-annotations.js';
import { timelineData, type TimelineData } from './timeline-data.js';
import { formatCount } from './time-format.js';

/** Most node events drawn; a log of hours of repairs would otherwise crowd out the elections. */
const maxEvents = 5_000;

/** What the timeline script reads from `#timeline-data`. */
export interface TimelineEmbed {
  data: TimelineData;
  faults: { fault: string; label: string; startNs: number; endNs: number | null; color: string; solid: string }[];
  events: { atNs: number; node: string; event: string; message: string; color: string }[];
  /** Log file links by node. */
  logs: Record<string, string>;
  /** Ops to mark as the witnesses of failures (history indices of invocations), with a label. */
  marks: { opIndex: number; label: string }[];
}

export interface TimelineInput {
  history: History;
  windows: readonly FaultWindow[];
  colors: ReadonlyMap<string, FaultColor>;
  concurrency?: number;
  events: readonly NodeAnnotation[];
  logs: readonly NodeLogLink[];
  marks: { opIndex: number; label: string }[];
}

/** Builds the section's markup and the data for its script. */
export function renderTimelineSection(input: TimelineInput): { html: string; embed: TimelineEmbed } {
  const data = timelineData(input.history, input.concurrency === undefined ? {} : { concurrency: input.concurrency });
  const events = input.events.slice(0, maxEvents).map((e) => ({ atNs: e.atNs, node: e.node, event: e.event, message: e.message, color: nodeEventColor(e.event) }));
  const embed: TimelineEmbed = {
    data,
    faults: input.windows.map((w) => ({
      fault: w.fault,
      label: w.label,
      startNs: w.start,
      endNs: w.end,
      color: input.colors.get(w.fault)?.band ?? 'rgba(0,0,0,0.1)',
      solid: input.colors.get(w.fault)?.solid ?? '#999',
    })),
    events,
    logs: Object.fromEntries(input.logs.map((l) => [l.node, l.href])),
    marks: input.marks,
  };
  const fs = new Set<string>();
  const nodes = new Set<string>(input.events.map((e) => e.node));
  for (const op of input.history) {
    if (op.process === 'nemesis') continue;
    fs.add(op.f);
    if (op.node !== undefined) nodes.add(op.node);
  }
  const options = (values: Iterable<string>): string => [...values].sort().map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('');
  const notes = [
    `${formatCount(data.count)} ops in ${data.lanes.length} rows (${data.lanes[0] === 'nemesis' ? 'the nemesis, then ' : ''}one per worker: a worker continues as a new process after an info op)`,
    events.length > 0 ? `${formatCount(events.length)} node events in the rows above${input.events.length > maxEvents ? ` (the first ${formatCount(maxEvents)} of ${formatCount(input.events.length)})` : ''}` : '',
    data.cutStrings + data.droppedStrings > 0 ? `${formatCount(data.cutStrings)} long values cut, ${formatCount(data.droppedStrings)} not embedded (see history.jsonl)` : '',
  ].filter(Boolean);
  const html = [
    '<section id="timeline"><h2>Timeline</h2>',
    `<p class="muted chart-note">${escapeHtml(notes.join('; '))}. Ctrl+wheel, a double click or the buttons zoom; drag or shift+wheel pans; hover an op, a fault or a node event for its details, click to pin it. Ops and events linked elsewhere on this page open here.</p>`,
    '<noscript><p class="muted">The timeline needs JavaScript.</p></noscript>',
    '<div class="timeline-controls">',
    '<label>outcome <select id="tl-type"><option value="">all</option><option value="ok">ok</option><option value="fail">fail</option><option value="info">info</option><option value="open">never completed</option><option value="not-ok">not ok</option></select></label>',
    `<label>f <select id="tl-f"><option value="">all</option>${options(fs)}</select></label>`,
    `<label>node <select id="tl-node"><option value="">all</option>${options(nodes)}</select></label>`,
    '<label>key <input id="tl-key" size="10" placeholder="any key" autocomplete="off"></label>',
    '<button type="button" id="tl-zoom-in" title="zoom in">+</button><button type="button" id="tl-zoom-out" title="zoom out">\u2212</button><button type="button" id="tl-reset">whole run</button>',
    '<span id="tl-status" class="muted"></span>',
    '</div>',
    '<div id="tl-scroll" class="timeline-scroll"><canvas id="tl-canvas" tabindex="0" aria-label="timeline of every op"></canvas><div id="tl-spacer"></div></div>',
    '<div id="tl-detail" class="timeline-detail muted">Hover an op or a node event for its details.</div>',
    '</section>',
  ].join('\n');
  return { html, embed };
}
