import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRandom } from './random.js';

describe('random', () => {
  it('replays the same sequence from the same seed', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const a = createRandom(seed), b = createRandom(seed);
      for (let i = 0; i < 20; i++) expect(a.next()).toBe(b.next());
    }));
  });

  it('gives different streams for different seeds and labels', () => {
    const draws = (r: ReturnType<typeof createRandom>) => Array.from({ length: 8 }, () => r.int(1000)).join();
    expect(draws(createRandom(1))).not.toBe(draws(createRandom(2)));
    expect(draws(createRandom(1).fork('nemesis'))).not.toBe(draws(createRandom(1).fork('workload')));
    expect(draws(createRandom(1).fork('nemesis'))).toBe(draws(createRandom(1).fork('nemesis')));
  });

  it('stays within bounds and is roughly uniform', () => {
    const r = createRandom(42);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = r.int(10);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(10);
      counts[v]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('shuffles into a permutation', () => {
    fc.assert(fc.property(fc.integer(), fc.array(fc.integer(), { maxLength: 30 }), (seed, items) => {
      const shuffled = createRandom(seed).shuffle(items);
      expect([...shuffled].sort((x, y) => x - y)).toEqual([...items].sort((x, y) => x - y));
    }));
  });

  it('rejects a non-integer seed with the value in the message', () => {
    expect(() => createRandom(1.5)).toThrow(/1\.5/);
  });
});
