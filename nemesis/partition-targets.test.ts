import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bisect, bridge, isolate, majoritiesRing, partitionTargets } from './partition-targets.js';
import { createRandom } from '../src/random.js';
import { complete, describeGrudge, drops } from '../src/runtime/grudge.js';

const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
const nodeLists = fc.integer({ min: 2, max: 9 }).map((n) => Array.from({ length: n }, (_, i) => `n${i + 1}`));

describe('partition targets', () => {
  it('isolate cuts one node off both ways', () => {
    const g = isolate(five, 'n3');
    expect(g.n3).toEqual(['n1', 'n2', 'n4', 'n5']);
    for (const n of ['n1', 'n2', 'n4', 'n5']) expect(g[n]).toEqual(['n3']);
    expect(describeGrudge(g)).toBe('n1 n2 n4 n5 | n3');
  });

  it('bisect makes a minority and a majority', () => {
    const [a, b] = bisect(five);
    expect(a).toEqual(['n1', 'n2']);
    expect(b).toEqual(['n3', 'n4', 'n5']);
    expect(describeGrudge(complete([a, b]))).toBe('n1 n2 | n3 n4 n5');
  });

  it('complete partitions are symmetric and keep components connected', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), (nodes, seed) => {
      const g = partitionTargets.halves(nodes, createRandom(seed));
      for (const a of nodes) for (const b of nodes) expect(drops(g, a, b)).toBe(drops(g, b, a));
      for (const a of nodes) expect(drops(g, a, a)).toBe(false);
    }));
  });

  it('majorities ring: every node sees a majority, and no two see the same one (5 nodes)', () => {
    fc.assert(fc.property(nodeLists, (nodes) => {
      const g = majoritiesRing(nodes);
      const majority = Math.floor(nodes.length / 2) + 1;
      for (const n of nodes) expect(nodes.length - (g[n] ?? []).length).toBe(majority);
    }));
    const g = majoritiesRing(five);
    const views = five.map((n) => five.filter((m) => !drops(g, n, m)).join());
    expect(new Set(views).size).toBe(5);
  });

  it('bridge: halves talk to the middle node only', () => {
    const g = bridge(five);
    expect(g.n3).toEqual([]);
    expect(drops(g, 'n1', 'n4')).toBe(true);
    expect(drops(g, 'n1', 'n3')).toBe(false);
  });
});
