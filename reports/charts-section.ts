// The markup around the charts; the drawing itself is chart-script.ts and extra-charts-script.ts, in the browser.
import { escapeHtml } from '../src/html-escape.js';
import type { ChartData } from './chart-data.js';

/** Renders the charts' canvases with notes that stay readable without JavaScript. */
export function renderChartsSection(data: ChartData): string {
  const faults = data.faults.length === 0 ? 'no faults' : `${data.faults.length} fault window${data.faults.length === 1 ? '' : 's'} shaded`;
  const events = data.events.length === 0 ? '' : `; node events ticked along the top (see the timeline)`;
  const parts = [
    '<section id="charts"><h2>Latency and throughput</h2>',
    '<noscript><p class="muted">The charts need JavaScript; everything else on this page is plain text.</p></noscript>',
    `<h3>Latency</h3><p class="muted chart-note">${escapeHtml(data.latency.note)}; colour is the outcome, shape is the f; ${faults}${events}.</p>`,
    '<div class="chart"><canvas id="latency-chart" aria-label="latency of each op over time"></canvas></div>',
    `<h3>Latency quantiles</h3><p class="muted chart-note">p50, p90, p99 and max latency of the ok ops completed in each ${data.throughput.bucketS} s bucket.</p>`,
    '<div class="chart short"><canvas id="quantiles-chart" aria-label="latency quantiles over time"></canvas></div>',
    `<h3>Throughput</h3><p class="muted chart-note">Completions per second in ${data.throughput.bucketS} s buckets, by outcome; ${faults}.</p>`,
    '<div class="chart short"><canvas id="throughput-chart" aria-label="throughput over time"></canvas></div>',
  ];
  if (data.clock) {
    parts.push(
      `<h3>Clock offsets</h3><p class="muted chart-note">Each node's clock offset as the clock nemesis recorded it after each change (${data.clock.steps.length - 1} changes); a strobe flips between its values while it runs.</p>`,
      '<div class="chart short"><canvas id="clock-chart" aria-label="clock offset of each node over time"></canvas></div>',
    );
  }
  if (data.availability) {
    parts.push(
      `<h3>Availability per fault window</h3><p class="muted chart-note">The share of client ops invoked in each window that ended ok (fail, info and never completed count against it).</p>`,
      `<div class="chart" style="height:${Math.min(600, 60 + 22 * data.availability.length)}px"><canvas id="availability-chart" aria-label="availability per fault window"></canvas></div>`,
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}
