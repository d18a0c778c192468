// The markup around the two charts; the drawing itself is chart-script.ts, in the browser.
import type { ChartData } from './chart-data.js';
import { escapeHtml } from './html-escape.js';

/** Renders the charts' canvases with notes that stay readable without JavaScript. */
export function renderChartsSection(data: ChartData): string {
  const faults = data.faults.length === 0 ? 'no faults' : `${data.faults.length} fault window${data.faults.length === 1 ? '' : 's'} shaded`;
  return [
    '<section id="charts"><h2>Latency and throughput</h2>',
    '<noscript><p class="muted">The charts need JavaScript; everything else on this page is plain text.</p></noscript>',
    `<h3>Latency</h3><p class="muted chart-note">${escapeHtml(data.latency.note)}; colour is the outcome, shape is the f; ${faults}.</p>`,
    '<div class="chart"><canvas id="latency-chart" aria-label="latency of each op over time"></canvas></div>',
    `<h3>Throughput</h3><p class="muted chart-note">Completions per second in ${data.throughput.bucketS} s buckets, by outcome; ${faults}.</p>`,
    '<div class="chart short"><canvas id="throughput-chart" aria-label="throughput over time"></canvas></div>',
    '</section>',
  ].join('\n');
}
