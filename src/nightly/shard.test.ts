// Slicing a night: --shard parsing, and the assignment (every run on exactly one shard, the same
// whatever the order of the plan, balanced by expected time, from past nights when they have it).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeNight, fakeRun } from '../../test-support/fake-night.js';
import type { TestSpec } from '../spec.js';
import type { PlannedRun } from './matrix.js';
import { DEFAULT_OVERHEAD_S } from './run-night.js';
import { assignShards, parseShard, recordedDurations, runsOfShard, shardLoads } from './shard.js';

/** A planned run with only what the assignment reads. */
const planned = (index: number, test: string, timeLimitS: number, seed = 1): PlannedRun => ({
  index, test, seed, expect: 'valid', args: ['test', '--seed', String(seed)], capS: 100, spec: { timeLimitS } as TestSpec,
});

/** Plans of 0 to 30 runs: tests t0..t11 with 1 to 3 seeds each and time limits of 1 to 120 s. */
const plans = fc.array(fc.record({ test: fc.integer({ min: 0, max: 11 }), seeds: fc.integer({ min: 1, max: 3 }), timeLimitS: fc.integer({ min: 1, max: 120 }) }), { maxLength: 12 })
  .map((tests) => {
    const unique = [...new Map(tests.map((t) => [t.test, t])).values()];
    return unique.flatMap((t) => Array.from({ length: t.seeds }, (_, s) => ({ test: `t${t.test}`, seed: s + 1, timeLimitS: t.timeLimitS })))
      .map((r, i) => planned(i + 1, r.test, r.timeLimitS, r.seed));
  });

describe('parseShard', () => {
  it('reads K/N', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  });

  it.each(['3/2', '0/2', 'x', '1/0', '2/3x', '-1/2', '1.5/2', '', '1/999'])('refuses %j in one line', (text) => {
    expect(() => parseShard(text)).toThrow(`--shard "${text}" is not valid; expected K/N, the K-th of N shards with 1 <= K <= N <= 256 (e.g. 2/3)`);
  });
});

describe('assignShards', () => {
  it('puts every run on exactly one shard, N = 1..5', () => {
    fc.assert(fc.property(plans, fc.integer({ min: 1, max: 5 }), (plan, count) => {
      const assignment = assignShards(plan, count);
      expect(assignment.map((a) => a.index)).toEqual(plan.map((r) => r.index));
      for (const a of assignment) expect(a.shard >= 1 && a.shard <= count).toBe(true);
      const slices = Array.from({ length: count }, (_, k) => runsOfShard(plan, assignment, k + 1).map((r) => r.index));
      expect(slices.flat().sort((a, b) => a - b)).toEqual(plan.map((r) => r.index));
    }));
  });

  it('is stable: the same runs land on the same shards whatever the order of the plan or the seed values', () => {
    fc.assert(fc.property(plans.chain((plan) => fc.tuple(fc.constant(plan), fc.shuffledSubarray(plan, { minLength: plan.length }))), fc.integer({ min: 1, max: 5 }), ([plan, shuffled], count) => {
      // Shuffled and renumbered, as a matrix with its entries in another order would plan it: each
      // test's seeds stay in their order.
      const cursor = new Map<string, number>();
      const renumbered = shuffled.map((r, i) => {
        const k = cursor.get(r.test) ?? 0;
        cursor.set(r.test, k + 1);
        return { ...plan.filter((p) => p.test === r.test)[k]!, index: i + 1 };
      });
      const shardOf = (runs: PlannedRun[]) => new Map(assignShards(runs, count).map((a) => [`${a.test} ${a.seed}`, a.shard]));
      expect(shardOf(renumbered)).toEqual(shardOf(plan));
      expect(assignShards(plan, count)).toEqual(assignShards(plan, count));
      const freshSeeds = plan.map((r) => ({ ...r, seed: r.seed * 7919 + r.index }));
      expect(assignShards(freshSeeds, count).map((a) => a.shard)).toEqual(assignShards(plan, count).map((a) => a.shard));
    }));
  });

  it('is balanced: no shard is expected to end more than the longest run after another', () => {
    fc.assert(fc.property(plans, fc.integer({ min: 1, max: 5 }), (plan, count) => {
      const assignment = assignShards(plan, count);
      const loads = shardLoads(assignment, count);
      const longest = Math.max(0, ...assignment.map((a) => a.expectedS));
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(longest);
      expect(loads.reduce((a, b) => a + b, 0)).toBe(assignment.reduce((s, a) => s + a.expectedS, 0));
    }));
  });

  it('expects a time limit plus the default overhead, or what past nights recorded', () => {
    const plan = [planned(1, 'a', 10), planned(2, 'b', 10), planned(3, 'c', 10), planned(4, 'd', 10)];
    expect(assignShards(plan, 2).map((a) => a.expectedS)).toEqual([10 + DEFAULT_OVERHEAD_S, 30, 30, 30]);
    expect(assignShards(plan, 2).map((a) => a.shard)).toEqual([1, 2, 1, 2]);
    // Past nights say a takes 100 s: it gets a shard of its own.
    const assignment = assignShards(plan, 2, new Map([['a', 100.4]]));
    expect(assignment.map((a) => [a.test, a.expectedS, a.shard])).toEqual([['a', 100, 1], ['b', 30, 2], ['c', 30, 2], ['d', 30, 2]]);
  });
});

describe('recordedDurations', () => {
  it('takes the mean wall time of each test in the newest whole night that ran it', () => {
    const old = fakeNight('2026-11-20', [fakeRun({ test: 'a', wallS: 50 }), fakeRun({ test: 'b', wallS: 70 })]);
    const newer = fakeNight('2026-11-22', [
      fakeRun({ test: 'a', seed: 1, wallS: 30 }), fakeRun({ test: 'a', seed: 2, wallS: 40 }),
      fakeRun({ test: 'b', status: 'skipped', outcome: 'skipped', wallS: undefined }),
    ]);
    const shard = { ...fakeNight('2026-11-23.shard-1-of-2', [fakeRun({ test: 'a', wallS: 999 })]), shard: { index: 1, count: 2, matrixSha256: '', assignment: [] } };
    expect(recordedDurations([newer, shard, old])).toEqual(new Map([['a', 35], ['b', 70]]));
  });
});
