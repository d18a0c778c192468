// Renders one run as a single self-contained report.html: verdict first, then charts with fault
// windows, the timeline of every op with node events, each checker's evidence (smallest witness
// first), the node logs, the spec and the faults. Works offline: chart.js is inlined.
import { createHash } from 'node:crypto';
import type { CheckResult } from '../src/checker.js';
import { faultWindows } from '../src/fault-window.js';
import { anchorId, escapeHtml, jsonForScript } from '../src/html-escape.js';
import { chartData, type ChartData, type ChartMarker } from './chart-data.js';
import { chartJsSource } from './chart-js-source.js';
import { chartScript } from './chart-script.js';
import { renderChartsSection } from './charts-section.js';
import { renderCheckerSection, validityWord } from './checker-section.js';
import { extraChartsScript } from './extra-charts-script.js';
import { faultColors } from './fault-colors.js';
import { renderFaultWindowList } from './fault-window-list.js';
import { membershipSteps, renderMembershipSection } from './membership-section.js';
import { firstStuckLine, isLinearizableResult, stuckMarkers, type LinearizableResult } from './linearizable-section.js';
import { renderNodeEventsSection } from './node-events-section.js';
import { renderHeader } from './report-header.js';
import type { ReportInput } from './report-input.js';
import { reportCss } from './report-style.js';
import { renderSpecTable } from './spec-table.js';
import { timelineScript } from './timeline-script.js';
import { renderTimelineSection, type TimelineEmbed } from './timeline-section.js';
import { witnessMarks } from './witness-marks.js';
import { renderWitnessSection } from './witness-section.js';

export type { ReportInput } from './report-input.js';

/** Renders the whole report page. Never throws for odd data: a section that fails says so in place. */
export function renderReport(input: ReportInput): string {
  const windows = faultWindows(input.history);
  const colors = faultColors(windows);
  const checkers = checkerResults(input.results);
  const linearizable = Object.entries(checkers).filter((e): e is [string, LinearizableResult] => isLinearizableResult(e[1]));
  const problems = linearizable.flatMap(([name, r]) => firstStuckLine(name, r) ?? []);
  const markers: ChartMarker[] = linearizable.flatMap(([, r]) => stuckMarkers(r));
  const events = input.nodeEvents ?? [];

  let charts: ChartData | null = null;
  let chartsHtml: string;
  try {
    charts = chartData(input.history, windows, { markers, events });
    chartsHtml = renderChartsSection(charts);
  } catch (err) {
    chartsHtml = failedSection('Latency and throughput', err);
  }
  let timeline: TimelineEmbed | null = null;
  let timelineHtml: string;
  try {
    const concurrency = typeof input.test.concurrency === 'number' ? input.test.concurrency : undefined;
    const section = renderTimelineSection({ history: input.history, windows, colors, events, logs: input.nodeLogs ?? [], marks: witnessMarks(checkers), ...(concurrency !== undefined && { concurrency }) });
    timeline = section.embed;
    timelineHtml = section.html;
  } catch (err) {
    timelineHtml = failedSection('Timeline', err);
  }
  const nodeEventsHtml = guarded('Node logs and events', () => renderNodeEventsSection(events, input.nodeLogs ?? [], input.nodeEventsNote));
  const testNodes = Array.isArray(input.test.nodes) ? input.test.nodes.filter((n): n is string => typeof n === 'string') : [];
  const membershipHtml = guarded('Membership', () => renderMembershipSection(membershipSteps(input.history), testNodes));

  const name = String(input.test.name ?? 'unnamed test');
  const verdict = input.run.crashed !== undefined ? 'crashed' : validityWord(input.results.valid);
  const witnessHtml = guarded('Witness', () => renderWitnessSection(input.results, input.witness, input.run.dir, colors));
  const nav = [
    ...(witnessHtml ? [['witness', 'witness']] : []),
    ['charts', 'charts'],
    ['timeline', 'timeline'],
    ...Object.keys(checkers).map((c) => [anchorId('checker', c), c]),
    ...(nodeEventsHtml ? [['node-events', 'node logs']] : []),
    ...(membershipHtml ? [['membership', 'membership']] : []),
    ['spec', 'test spec'],
    ['faults', 'fault windows'],
  ].map(([id, text]) => `<a href="#${id}">${escapeHtml(text)}</a>`);

  const body = [
    guarded('Header', () => renderHeader(input, checkers, problems)),
    `<nav>${nav.join('')}</nav>`,
    witnessHtml,
    chartsHtml,
    timelineHtml,
    ...Object.entries(checkers).map(([checker, result]) => guarded(`checker ${checker}`, () => renderCheckerSection(checker, result, windows, colors, input.sections?.[checker]))),
    nodeEventsHtml,
    membershipHtml,
    `<section id="spec"><h2>Test spec</h2>${guarded('Test spec', () => renderSpecTable(input.test))}</section>`,
    `<section id="faults"><h2>Fault windows</h2>${guarded('Fault windows', () => renderFaultWindowList(windows, colors))}</section>`,
    `<footer>faultline report \u00b7 run directory <code>${escapeHtml(input.run.dir)}</code></footer>`,
  ].join('\n');

  // The timeline goes first: it opens asynchronously, so its decoding overlaps the charts' drawing.
  const scripts = [timelineScript, chartJsSource(), chartScript, extraChartsScript];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Only the scripts below may run and nothing may be fetched: defence in depth behind the escaping.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${scripts.map(scriptHash).join(' ')}; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(`${verdict.toUpperCase()} \u00b7 ${name} \u00b7 faultline`)}</title>`,
    `<style>${reportCss}</style>`,
    '</head><body><main>',
    body,
    '</main>',
    `<script type="application/json" id="report-data">${jsonForScript({ charts })}</script>`,
    timeline === null ? '' : `<script type="application/json" id="timeline-data">${jsonForScript(timeline)}</script>`,
    // Concatenated, never passed through String.replace: the bundle is full of "$" sequences.
    ...scripts.map((source) => '<script>' + source + '</script>'),
    '</body></html>',
    '',
  ].join('\n');
}

/** The composed result's sub-results by checker name; a bare result counts as one checker. */
function checkerResults(results: CheckResult): Record<string, CheckResult> {
  const nested = results.results;
  if (typeof nested !== 'object' || nested === null || Array.isArray(nested)) return { checker: results };
  return Object.fromEntries(
    Object.entries(nested).map(([name, r]) => [name, typeof r === 'object' && r !== null ? (r as CheckResult) : { valid: 'unknown', summary: `not a checker result: ${JSON.stringify(r)}` }]),
  );
}

function guarded(what: string, render: () => string): string {
  try {
    return render();
  } catch (err) {
    return failedSection(what, err);
  }
}

function failedSection(what: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `<section><pre class="error">could not render ${escapeHtml(what)}: ${escapeHtml(message)}</pre></section>`;
}

function scriptHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}
