import { describe, expect, it } from 'vitest';
import type { CheckResult, LinearizabilityFailure } from '../src/checker.js';
import type { Op } from '../src/op.js';
import { chartJsSource } from './chart-js-source.js';
import { chartScript } from './chart-script.js';
import { extraChartsScript } from './extra-charts-script.js';
import { timelineScript } from './timeline-script.js';
import { renderReport, type ReportInput } from './render-report.js';
import { sampleRun } from '../test-support/sample-run.js';

const img = '<img src=x onerror=alert(1)>';
const breakout = '</script><script>alert(1)</script>';

function embeddedData(html: string): { charts: { faults: { label: string }[]; latency: { series: { f: string }[] } } | null } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!) as ReturnType<typeof embeddedData>;
}

/** A small run where every string that comes from the database or the history is hostile. */
function hostileRun(): ReportInput {
  const ops: Op[] = [
    { index: 0, time: 0, process: 'nemesis', type: 'invoke', f: 'start-partition', value: null },
    { index: 1, time: 1e9, process: 'nemesis', type: 'info', f: 'start-partition', value: { description: `${img} | ${breakout}` } },
    { index: 2, time: 1.5e9, process: 0, type: 'invoke', f: breakout, value: [img, breakout], node: img },
    { index: 3, time: 1.6e9, process: 0, type: 'fail', f: breakout, value: [img, breakout], node: img, error: img },
    { index: 4, time: 2e9, process: 1, type: 'invoke', f: 'read', value: [img, null], node: 'n2' },
    { index: 5, time: 2.1e9, process: 1, type: 'ok', f: 'read', value: [img, breakout], node: 'n2' },
  ];
  const witness = { index: 4, process: 1, f: 'read', value: [img, null], result: [img, breakout], start: 2e9, end: 2.1e9, node: img, description: `read ${img} -> ${breakout}` };
  const failure: LinearizabilityFailure = {
    key: img,
    linearized: [{ op: { ...witness, index: 2, process: 0, description: `write ${img}`, end: null }, stateAfter: breakout }],
    state: img,
    stuck: [{ op: witness, reason: `${breakout} is not ${img}` }],
  };
  return {
    test: { name: img, seed: breakout, nodes: [img, 'n2'], workload: { [img]: breakout } },
    history: ops,
    results: {
      valid: false,
      results: {
        linearizable: { valid: false, summary: img, failures: [failure] },
        stats: { valid: true, summary: breakout, counts: { [breakout]: { ok: 0, fail: 1, info: 0 } }, latencyMs: { [img]: { p50: 1 } } },
        [img]: { valid: 'unknown', summary: breakout, error: img, detail: { [breakout]: img } },
      },
    },
    run: {
      dir: img, startedAt: breakout, durationMs: 1, replayCommand: `faultline test --name '${img}'`, recheckCommand: breakout, scheduleReplayCommand: `faultline test --replay ${img}`,
      replayOf: { report: `../${img}/report.html`, unreplayed: 2, timing: { ops: 1200, missing: 3, lagMs: { p50: 4.4, p99: 2363.7, max: 2485.7 } }, primaries: { recorded: ['n2'], got: ['n2'], restarts: 3 } },
    },
  };
}

describe('renderReport', () => {
  const sample = sampleRun();
  const html = renderReport(sample);

  it('inlines chart.js and loads nothing from the network', () => {
    expect(html).toContain(chartJsSource());
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref=/i);
    expect(html).not.toMatch(/\s(src|href)=["']?https?:/i);
    for (const script of [chartScript, extraChartsScript, timelineScript]) expect(script).not.toMatch(/<\/script/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+' 'sha256-[^']+' 'sha256-[^']+';/);
  });

  it('puts the verdict, each checker and the commands in the header', () => {
    expect(html).toContain('<header class="verdict invalid">');
    expect(html).toContain('<div class="verdict-word">INVALID</div>');
    for (const name of ['stats', 'linearizable', 'convergence']) expect(html).toContain(`<a href="#checker-${name}"><code>${name}</code></a>`);
    expect(html).toContain(sample.run.replayCommand);
    expect(html).toContain(sample.run.recheckCommand);
    expect(html).toMatch(/client ops<\/dt><dd>[\d,]+ ok · [\d,]+ fail · [\d,]+ info/);
  });

  it('lists the fault windows and hands them to the charts', () => {
    expect(html).toContain('<td>partition n1 | n2 n3 n4 n5</td><td class="num">5.000</td><td class="num">12.000</td>');
    expect(html).toContain('<td>kill n2</td><td class="num">16.000</td><td class="num">21.000</td>');
    expect(html).toContain('still active at the end');
    expect(embeddedData(html).charts!.faults.map((f) => f.label)).toEqual(['partition n1 | n2 n3 n4 n5', 'kill n2', 'partition n1 n2 n3 | n4 n5']);
    expect(html).toContain('<canvas id="latency-chart"');
    expect(html).toContain('<canvas id="throughput-chart"');
  });

  it('renders a linearizability failure stuck op first, then the linearization and a lane diagram', () => {
    const failure = (sample.results.results as Record<string, CheckResult>).linearizable!.failures as LinearizabilityFailure[];
    const stuck = failure[0]!.stuck[0]!;
    const section = html.slice(html.indexOf('id="failure-linearizable-1"'));
    expect(section.indexOf(stuck.reason)).toBeGreaterThan(0);
    expect(section.indexOf(stuck.reason)).toBeLessThan(section.indexOf('Partial linearization'));
    expect(section).toContain(`<code>${stuck.op.description.replace('>', '&gt;')}</code> <span class="muted"><a href="#timeline" data-op="${stuck.op.index}">op ${stuck.op.index}</a></span>`);
    expect(section).toContain('<g class="bar stuck">');
    expect(section).toContain(`all ${failure[0]!.linearized.length} linearized ops`);
    // The header points at it, so the answer is on screen without scrolling.
    expect(html).toMatch(/<ul class="problems"><li><a href="#failure-linearizable-1">first failure<\/a>/);
  });

  it('renders the stats table and unknown checkers as JSON', () => {
    expect(html).toMatch(/<table class="stats">.*<th scope="row"><code>read<\/code><\/th>/s);
    expect(html).toMatch(/<details open><summary>result \(JSON\)<\/summary><pre class="json">\{\n {2}&quot;missingFinalReads&quot;/);
  });

  it('escapes every hostile string from the database, the history and the spec', () => {
    const page = renderReport(hostileRun());
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script><');
    expect(page).not.toContain('alert(1)</script>');
    // Exactly our script elements: two data blocks, the timeline, chart.js and the two chart scripts.
    expect(page.match(/<script/g)).toHaveLength(6);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // A replay links its original and says how closely it kept the timing.
    expect(page).toContain('replay this run (the same ops and faults at the same offsets)');
    expect(page).toMatch(/A replay of <a href="\.\.\/&lt;img [^"]*\/report\.html">[^<]*<\/a>: 1,200 ops replayed, 3 never issued \(the time limit came first\); invoked late by p50 4\.4 ms, p99 2363\.7 ms, at most 2485\.7 ms; 2 fault ops that failed the first time were not replayed; first primary n2 as in the original \(after 3 cluster restarts\)\.<\/p>/);
  });

  it('keeps hostile strings intact inside the JSON block without letting them out', () => {
    const data = embeddedData(renderReport(hostileRun()));
    expect(data.charts!.faults[0]!.label).toBe(`partition ${img} | ${breakout}`);
    expect(data.charts!.latency.series.map((s) => s.f)).toContain(breakout);
  });

  it('shows unknown and crashed runs in their own colours', () => {
    const unknown = renderReport({ ...sample, results: { valid: 'unknown', results: { stats: { valid: 'unknown', summary: 'timed out' } } } });
    expect(unknown).toContain('<header class="verdict unknown">');
    const crashed = renderReport({ ...sample, results: { valid: 'unknown', results: {} }, run: { ...sample.run, crashed: `db setup failed on n3: ${img}` } });
    expect(crashed).toContain('<header class="verdict crashed">');
    expect(crashed).toContain('<pre class="error crash">db setup failed on n3: &lt;img');
    const valid = renderReport({ ...sample, results: { valid: true, results: { stats: { valid: true } } } });
    expect(valid).toContain('<div class="verdict-word">VALID</div>');
  });

  it('still renders a report for a malformed history, saying what went wrong', () => {
    const page = renderReport({ ...sample, history: [{ index: 0, time: 0, process: 3, type: 'ok', f: 'read', value: null }] });
    expect(page).toContain('could not render Latency and throughput: op 0: process 3 completed read');
    expect(page).toContain('<div class="verdict-word">INVALID</div>');
    expect(embeddedData(page).charts).toBeNull();
  });

  it('renders an empty run', () => {
    const page = renderReport({ test: {}, history: [], results: { valid: true }, run: { dir: 'x', startedAt: '', durationMs: 0, replayCommand: '', recheckCommand: '' } });
    expect(page).toContain('No faults were injected.');
    expect(page).toContain('unnamed test');
  });
});
