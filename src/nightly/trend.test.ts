// The trend over several made-up nights: the verdict grid, the figures per night, reading nights
// back from disk (a corrupt one named, not fatal), and the page.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeNight, fakeRun } from '../../test-support/fake-night.js';
import { buildTrend, readNightSummaries, relativeChange } from './trend.js';
import { renderTrendPage, sparkline } from './trend-page.js';

const raft = 'bundled-raft-register-partition';
const primary = 'bundled-primary-register-partition';
const crdt = 'bundled-crdt-counter-partition';
const hostile = '<img src=x onerror="window.__pwned=1">';

const nights = [
  // Given out of order: the trend sorts by start time.
  fakeNight('2026-11-22', [
    fakeRun({ test: raft, throughputPerS: 100, latencyMs: { read: { p50: 4, p99: 40 } } }),
    fakeRun({ test: primary, expect: 'invalid', status: 'invalid', outcome: 'pass', runDir: '../../store/p/1' }),
    fakeRun({ test: crdt, status: 'crashed', outcome: 'error', exitCode: 255, runDir: undefined, throughputPerS: undefined, latencyMs: undefined }),
  ], 255),
  fakeNight('2026-11-21', [
    fakeRun({ test: raft, throughputPerS: 90, latencyMs: { read: { p50: 5, p99: 30 }, write: { p50: 7, p99: 50 } } }),
    fakeRun({ test: `old ${hostile}` }),
  ]),
  fakeNight('2026-11-23', [
    fakeRun({ test: raft, seed: 1, throughputPerS: 40, latencyMs: { read: { p50: 10, p99: 100 } } }),
    fakeRun({ test: raft, seed: 2, status: 'invalid', outcome: 'failure', exitCode: 1, throughputPerS: 60, latencyMs: { read: { p50: 20, p99: 200 } } }),
    fakeRun({ test: primary, expect: 'invalid', status: 'valid', outcome: 'failure', exitCode: 1 }),
    fakeRun({ test: crdt, status: 'skipped', outcome: 'skipped', runDir: undefined, throughputPerS: undefined, latencyMs: undefined }),
  ], 1),
];

describe('buildTrend', () => {
  const trend = buildTrend(nights);
  const row = (test: string) => trend.rows.find((r) => r.test === test)!;

  it('has the nights oldest first, linked to their summaries, and tests in the newest night\u2019s order', () => {
    expect(trend.nights.map((n) => [n.night, n.exitCode, n.href])).toEqual([
      ['2026-11-21', 0, '2026-11-21/summary.html'],
      ['2026-11-22', 255, '2026-11-22/summary.html'],
      ['2026-11-23', 1, '2026-11-23/summary.html'],
    ]);
    expect(trend.rows.map((r) => r.test)).toEqual([raft, primary, crdt, `old ${hostile}`]);
  });

  it('colours a night by its worst run and marks runs that missed their expectation', () => {
    expect(row(raft).cells.map((c) => [c?.status, c?.unexpected, c?.runs.length])).toEqual([['valid', false, 1], ['valid', false, 1], ['invalid', true, 2]]);
    expect(row(primary).cells.map((c) => c && [c.status, c.unexpected])).toEqual([undefined, ['invalid', false], ['valid', true]]);
    expect(row(crdt).cells.map((c) => c?.status)).toEqual([undefined, 'crashed', 'skipped']);
    expect(row(`old ${hostile}`).cells.map((c) => c?.status)).toEqual(['valid', undefined, undefined]);
  });

  it('averages throughput and the slowest op kind\u2019s latency over a night\u2019s runs', () => {
    expect(row(raft).cells.map((c) => c?.throughputPerS)).toEqual([90, 100, 50]);
    expect(row(raft).cells.map((c) => [c?.p50Ms, c?.p99Ms])).toEqual([[7, 50], [4, 40], [15, 150]]);
    expect(row(crdt).cells.map((c) => c?.throughputPerS)).toEqual([undefined, undefined, undefined]);
  });

  it('links each run to its report relative to the trend page', () => {
    expect(row(primary).cells[1]?.runs[0]?.href).toBe('../store/p/1/report.html');
    expect(row(raft).cells[0]?.runs[0]?.href).toBe('../store/bundled-raft-register-partition/20261123T010000/report.html');
    expect(row(crdt).cells[1]?.runs[0]?.href).toBeUndefined();
  });

  it('keeps only the newest nights', () => {
    expect(buildTrend(nights, 2).nights.map((n) => n.night)).toEqual(['2026-11-22', '2026-11-23']);
  });
});

describe('relativeChange', () => {
  it('is the change from the night before, undefined without both values or from zero', () => {
    expect(relativeChange(100, 40)).toBeCloseTo(-0.6);
    expect(relativeChange(undefined, 40)).toBeUndefined();
    expect(relativeChange(0, 40)).toBeUndefined();
  });
});

describe('readNightSummaries', () => {
  it('reads every night directory and names a corrupt summary instead of failing', () => {
    const out = mkdtempSync(join(tmpdir(), 'faultline-nights-'));
    for (const night of nights) {
      mkdirSync(join(out, night.night));
      writeFileSync(join(out, night.night, 'summary.json'), JSON.stringify(night));
    }
    mkdirSync(join(out, '2026-11-24'));
    writeFileSync(join(out, '2026-11-24', 'summary.json'), '{"version": 1, "runs": [');
    mkdirSync(join(out, 'logs-only'));
    const { summaries, problems } = readNightSummaries(out);
    expect(summaries.map((s) => s.night).sort()).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^2026-11-24\/summary\.json left out: /);
  });
});

describe('renderTrendPage', () => {
  const html = renderTrendPage(buildTrend(nights), ['2026-11-24/summary.json left out: <b>bad</b>']);

  it('escapes test names and problems', () => {
    expect(html).not.toContain(hostile);
    expect(html).toContain('old &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
    expect(html).toContain('left out: &lt;b&gt;bad&lt;/b&gt;');
  });

  it('shows a cell per test and night, outlines unexpected ones, and marks bad changes', () => {
    expect(html.match(/<td class="grid" data-night="2026-11-23" data-status="invalid">/g)).toHaveLength(1);
    expect(html).toMatch(/<td class="grid" data-night="2026-11-23" data-status="valid"><a class="cell valid unexpected" title="bundled-primary-register-partition seed 1: valid"/);
    expect(html).toContain('<span class="worse">\u221250%</span>'); // raft throughput 100 -> 50
    expect(html).toContain('<span class="worse">+275%</span>'); // raft p99 40 -> 150
    expect(html.match(/<svg class="spark"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script|style="/);
  });
});

describe('sparkline', () => {
  it('draws a point per night with a value, skipping gaps', () => {
    expect(sparkline([1, undefined, 3], 100, 20)).toContain('points="3.0,17.0 97.0,3.0"');
    expect(sparkline([undefined])).toBe('');
  });
});
