import { describe, expect, it } from 'vitest';
import { quantile, stats, type StatsResult } from './stats.js';
import type { Op } from '../src/op.js';

const ms = 1e6;
function op(index: number, process: number | 'nemesis', type: Op['type'], f: string, time: number): Op {
  return { index, process, type, f, time, value: null };
}

describe('stats checker', () => {
  it('counts by f and type and computes latency and throughput', async () => {
    const h: Op[] = [
      op(0, 0, 'invoke', 'read', 0), op(1, 1, 'invoke', 'write', 0),
      op(2, 0, 'ok', 'read', 10 * ms), op(3, 1, 'info', 'write', 5000 * ms),
      op(4, 0, 'invoke', 'read', 20 * ms), op(5, 0, 'fail', 'read', 40 * ms),
      op(6, 'nemesis', 'invoke', 'start-kill', 30 * ms), op(7, 'nemesis', 'info', 'start-kill', 31 * ms),
      op(8, 2, 'invoke', 'write', 100 * ms), op(9, 2, 'ok', 'write', 130 * ms),
    ];
    const r = (await stats(h, {})) as StatsResult;
    expect(r.counts).toEqual({ read: { ok: 1, fail: 1, info: 0 }, write: { ok: 1, fail: 0, info: 1 } });
    expect(r.latencyMs.read!.p50).toBe(10);
    expect(r.latencyMs.write!.max).toBe(30);
    expect(r.valid).toBe(true);
    expect(r.throughputPerS).toBeCloseTo(4 / 0.13, 3);
  });

  it('is invalid when some f never succeeded', async () => {
    const r = await stats([op(0, 0, 'invoke', 'cas', 0), op(1, 0, 'fail', 'cas', 1), op(2, 0, 'invoke', 'read', 2), op(3, 0, 'ok', 'read', 3)], {});
    expect(r.valid).toBe(false);
    expect(r.summary).toMatch(/cas/);
  });

  it('is unknown, never valid, when no client op completed ok', async () => {
    expect((await stats([], {})).valid).toBe('unknown');
    const onlyFails = await stats([op(0, 0, 'invoke', 'cas', 0), op(1, 0, 'fail', 'cas', 1), op(2, 'nemesis', 'invoke', 'start-kill', 2), op(3, 'nemesis', 'info', 'start-kill', 3)], {});
    expect(onlyFails.valid).toBe('unknown');
    expect(onlyFails.summary).toMatch(/nothing was tested/);
  });

  it('takes f names that are Object.prototype members as plain data', async () => {
    const h = ['__proto__', 'constructor', 'toString'].flatMap((f, i) => [op(2 * i, 0, 'invoke', f, i), op(2 * i + 1, 0, 'ok', f, i + 1)]);
    const r = (await stats(h, {})) as StatsResult;
    expect(r.valid).toBe(true);
    expect(Object.keys(r.counts).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(r.counts['__proto__']).toEqual({ ok: 1, fail: 0, info: 0 });
  });

  it('quantile uses nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.5)).toBe(0);
  });
});
