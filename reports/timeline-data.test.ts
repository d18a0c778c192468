import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { never, timelineData, type TimelineData } from './timeline-data.js';

/** What the browser does: inflate, undo the byte planes, look strings up. */
function decode(data: TimelineData): { cols: Record<string, number[]>; strings: string[] } {
  const bytes = gunzipSync(Buffer.from(data.columnBytes, 'base64'));
  const n = data.count;
  const cols: Record<string, number[]> = {};
  data.columns.forEach((name, c) => {
    const base = c * n * 4;
    cols[name] = Array.from({ length: n }, (_, i) => (bytes[base + i]! | (bytes[base + n + i]! << 8) | (bytes[base + 2 * n + i]! << 16) | (bytes[base + 3 * n + i]! << 24)) >>> 0);
  });
  return { cols, strings: JSON.parse(gunzipSync(Buffer.from(data.strings, 'base64')).toString('utf8')) as string[] };
}

const ms = 1e6;
const ops: Omit<Op, 'index'>[] = [
  { time: 0, process: 0, type: 'invoke', f: 'write', value: [3, 1], node: 'n1' },
  { time: 1 * ms, process: 1, type: 'invoke', f: 'read', value: [3, null], node: 'n2' },
  { time: 2 * ms, process: 'nemesis', type: 'invoke', f: 'start-partition', value: null },
  { time: 3 * ms, process: 1, type: 'ok', f: 'read', value: [3, 1], node: 'n2' },
  { time: 4 * ms, process: 'nemesis', type: 'info', f: 'start-partition', value: { description: 'n1 | n2' } },
  { time: 1000 * ms, process: 0, type: 'info', f: 'write', value: [3, 1], node: 'n1', error: 'timeout' },
  // Worker 0 continues as process 2 after the info op; this op never completes.
  { time: 1001 * ms, process: 2, type: 'invoke', f: 'cas', value: [3, [1, 2]], node: 'n1' },
];
const history: Op[] = ops.map((op, index) => ({ index, ...op }));

describe('timelineData', () => {
  it('encodes each op as one row of columns, sorted by invocation, in µs', () => {
    const data = timelineData(history, { concurrency: 2 });
    const { cols, strings } = decode(data);
    expect(data.count).toBe(4);
    expect(data.unitNs).toBe(1000);
    expect(data.endUnits).toBe(1_001_000);
    expect(data.lanes).toEqual(['nemesis', '0', '1']);
    expect(cols.startDelta).toEqual([0, 1000, 1000, 999_000]);
    expect(cols.duration).toEqual([1_000_000, 2000, 2000, never]);
    expect(cols.lane).toEqual([1, 2, 0, 1]);
    // Process 0, then 1, then the nemesis (0 by convention), then 2 in worker 0's lane: +2.
    expect(cols.processDelta).toEqual([0, 1, 0, 2]);
    expect(cols.indexDelta).toEqual([0, 1, 1, 4]);
    expect(cols.completeGap).toEqual([5, 2, 2, 0]);
    expect(cols.type).toEqual([2, 0, 2, 3]);
    expect(cols.f!.map((id) => strings[id])).toEqual(['write', 'read', 'start-partition', 'cas']);
    expect(cols.node!.map((id) => strings[id])).toEqual(['n1', 'n2', '', 'n1']);
    expect(cols.value!.map((id) => strings[id])).toEqual(['[3,1]', '[3,null]', 'null', '[3,[1,2]]']);
    // The write's completion repeats its value: `never` says so without a string.
    expect(cols.result![0]).toBe(never);
    expect(strings[cols.result![1]!]).toBe('[3,1]');
    expect(strings[cols.result![2]!]).toBe('{"description":"n1 | n2"}');
    expect(cols.error!.map((id) => strings[id])).toEqual(['timeout', '', '', '']);
  });

  it('gives each process its own lane without a concurrency', () => {
    expect(timelineData(history).lanes).toEqual(['nemesis', '0', '1', '2']);
  });

  it('coarsens the time unit when a gap would not fit in 32 bits of µs', () => {
    const long: Op[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null },
      { index: 1, time: 2 * 3600e9, process: 0, type: 'ok', f: 'read', value: 1 },
    ];
    const data = timelineData(long);
    expect(data.unitNs).toBeGreaterThan(1000);
    expect(decode(data).cols.duration![0]! * data.unitNs).toBeCloseTo(2 * 3600e9, -6);
  });

  it('cuts long values and stops embedding new ones past the budget', () => {
    const big: Op[] = [0, 1, 2].flatMap((i) => [
      { index: 2 * i, time: i * 10, process: 0, type: 'invoke' as const, f: 'add', value: 'x'.repeat(50) + i },
      { index: 2 * i + 1, time: i * 10 + 5, process: 0, type: 'ok' as const, f: 'add', value: 'x'.repeat(50) + i },
    ]);
    const data = timelineData(big, { maxStringChars: 20, stringBudgetChars: 45 });
    const { cols, strings } = decode(data);
    expect(strings[cols.value![0]!]).toBe(`"${'x'.repeat(18)}\u2026`);
    expect(data.cutStrings).toBe(2);
    // The third add's invocation and completion both carry the dropped value.
    expect(data.droppedStrings).toBe(2);
    expect(strings[cols.value![2]!]).toContain('not embedded');
  });

  it('names the op of a completion without an invocation', () => {
    expect(() => timelineData([{ index: 7, time: 0, process: 3, type: 'ok', f: 'read', value: null }])).toThrow('op 7: process 3 completed read');
  });
});
