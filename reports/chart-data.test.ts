import { describe, expect, it } from 'vitest';
import { faultWindows } from '../src/fault-window.js';
import type { Op } from '../src/op.js';
import { chartData } from './chart-data.js';

const ms = 1e6;

/** n sequential ops on one process; every 10th fails and every 25th is info (which retires the process). */
function history(n: number): Op[] {
  const ops: Op[] = [];
  let process = 0;
  for (let i = 0; i < n; i++) {
    const t = i * 10 * ms;
    const type = i % 25 === 0 ? 'info' : i % 10 === 0 ? 'fail' : 'ok';
    ops.push({ index: ops.length, time: t, process, type: 'invoke', f: i % 2 ? 'read' : 'write', value: [1, i] });
    ops.push({ index: ops.length, time: t + (i % 7) * ms, process, type, f: i % 2 ? 'read' : 'write', value: [1, i] });
    if (type === 'info') process++;
  }
  return ops;
}

function points(data: ReturnType<typeof chartData>, type: string): number {
  return data.latency.series.filter((s) => s.type === type).reduce((sum, s) => sum + s.xy.length / 2, 0);
}

describe('chartData', () => {
  it('keeps every op when under the cap', () => {
    const data = chartData(history(500), []);
    expect(data.latency.shown).toBe(500);
    expect(data.latency.total).toBe(500);
    expect(data.latency.note).toBe('500 completed client ops');
  });

  it('keeps every fail and info op and samples ok ops evenly down to the cap', () => {
    const data = chartData(history(10_000), [], { maxPoints: 3_000 });
    expect(data.latency.shown).toBe(3_000);
    expect(points(data, 'info')).toBe(400);
    expect(points(data, 'fail')).toBe(800);
    expect(points(data, 'ok')).toBe(1_800);
    expect(data.latency.note).toBe('showing 3,000 of 10,000 completed client ops: every fail and info op, 1,800 of 8,800 ok ops sampled evenly');
    // Even sampling spans the whole run, not just its start.
    const okXs = data.latency.series.filter((s) => s.type === 'ok').flatMap((s) => s.xy.filter((_, i) => i % 2 === 0));
    expect(Math.max(...okXs)).toBeGreaterThan(99);
  });

  it('samples fail and info ops too when they would take more than half the points', () => {
    const data = chartData(history(10_000), [], { maxPoints: 400 });
    expect(data.latency.shown).toBe(400);
    expect(points(data, 'fail') + points(data, 'info')).toBe(200);
    expect(data.latency.note).toContain('200 of 1,200 fail/info ops');
  });

  it('is deterministic', () => {
    expect(chartData(history(5_000), [], { maxPoints: 700 })).toEqual(chartData(history(5_000), [], { maxPoints: 700 }));
  });

  it('gives each f one point style and each series one f and one outcome', () => {
    const data = chartData(history(100), []);
    const styles = new Map(data.latency.series.map((s) => [s.f, s.pointStyle]));
    for (const s of data.latency.series) expect(s.pointStyle).toBe(styles.get(s.f));
    expect(new Set(styles.values()).size).toBe(2);
    expect(data.latency.series.map((s) => s.type)).toEqual(['ok', 'ok', 'fail', 'info', 'info'].slice(0, data.latency.series.length));
  });

  it('counts every completion once in the throughput buckets', () => {
    const data = chartData(history(3_000), []); // 30 s
    const { bucketS, perS, centersS } = data.throughput;
    expect(bucketS).toBe(1);
    const total = (['ok', 'fail', 'info'] as const).reduce((sum, type) => sum + perS[type].reduce((a, b, i) => a + b * (i === perS[type].length - 1 ? Math.max(bucketS, data.endS - i * bucketS) : bucketS), 0), 0);
    expect(Math.round(total)).toBe(3_000);
    expect(centersS).toHaveLength(perS.ok.length);
  });

  it('ignores nemesis ops in latency and throughput, and turns fault windows into seconds', () => {
    const ops: Op[] = [
      { index: 0, time: 0, process: 'nemesis', type: 'invoke', f: 'start-partition', value: null },
      { index: 1, time: 2e9, process: 'nemesis', type: 'info', f: 'start-partition', value: { description: 'n1 | n2 n3' } },
      { index: 2, time: 3e9, process: 0, type: 'invoke', f: 'read', value: [1, null] },
      { index: 3, time: 3.5e9, process: 0, type: 'ok', f: 'read', value: [1, 2] },
    ];
    const data = chartData(ops, faultWindows(ops), { markers: [{ atNs: 3e9, label: 'stuck' }] });
    expect(data.latency.total).toBe(1);
    expect(data.faults).toEqual([{ fault: 'partition', label: 'partition n1 | n2 n3', startS: 2, endS: null, color: expect.stringMatching(/^rgba\(/) }]);
    expect(data.markers).toEqual([{ atS: 3, label: 'stuck' }]);
    expect(data.endS).toBe(3.5);
  });

  it('gives latency quantiles per throughput bucket, of ok ops only', () => {
    const data = chartData(history(3_000), []);
    const { p50, p99, max } = data.quantiles;
    expect(p50).toHaveLength(data.throughput.centersS.length);
    // Latencies cycle through 0..6 ms (rounded up to 1 µs); fail and info ops are left out.
    expect(p50[5]).toBe(3);
    expect(max[5]).toBe(6);
    expect(p99[5]!).toBeLessThanOrEqual(6);
  });

  it('draws clock offsets and availability per window only when the run had them, and ticks node events', () => {
    const ops: Op[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: [1, null] },
      { index: 1, time: 1e9, process: 0, type: 'ok', f: 'read', value: [1, 2] },
      { index: 2, time: 1.1e9, process: 'nemesis', type: 'invoke', f: 'start-clock', value: null },
      { index: 3, time: 1.2e9, process: 'nemesis', type: 'info', f: 'start-clock', value: { offsetsS: { n1: 0.5, n2: 0 }, description: 'n1 bump +0.500 s' } },
      { index: 4, time: 1.3e9, process: 0, type: 'invoke', f: 'read', value: [1, null] },
      { index: 5, time: 1.4e9, process: 0, type: 'fail', f: 'read', value: [1, null] },
    ];
    const events = [{ atNs: 1.25e9, node: 'n1', event: 'election', message: 'standing for primary', detail: {} }, { atNs: -1e9, node: 'n2', event: 'role', message: 'before the workload', detail: {} }];
    const data = chartData(ops, faultWindows(ops), { events });
    expect(data.clock).toEqual({ nodes: ['n1', 'n2'], steps: [{ atS: 0, offsetsS: { n1: 0, n2: 0 }, label: 'start' }, { atS: 1.2, offsetsS: { n1: 0.5, n2: 0 }, label: 'n1 bump +0.500 s' }] });
    expect(data.availability).toEqual([
      { label: 'clock n1 bump +0.500 s', color: expect.stringMatching(/^rgb\(/), okShare: 0, ops: 1 },
      { label: 'outside faults', color: '#4e79a7', okShare: 1, ops: 1 },
    ]);
    expect(data.events).toEqual([{ atS: 1.25, label: 'n1 election: standing for primary', color: expect.any(String) }]);
    const plain = chartData(history(10), []);
    expect(plain.clock).toBeNull();
    expect(plain.availability).toBeNull();
  });

  it('handles an empty history', () => {
    const data = chartData([], []);
    expect(data.latency.shown).toBe(0);
    expect(data.throughput.perS.ok).toEqual([0]);
  });
});
