import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bisect, bridge, isolate, majoritiesRing, minorityThirdSize, oneWay, oneWayMajoritiesRing, partitionTargets } from './partition-targets.js';
import { createRandom } from '../src/random.js';
import { complete, describeGrudge, drops, type Grudge } from '../src/runtime/grudge.js';

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

const targetNames = Object.keys(partitionTargets) as (keyof typeof partitionTargets)[];
const oneWayNames = targetNames.filter((t) => t.startsWith('one-way-'));

/** Every pair the grudge cuts, in either direction, as "a b" with a < b. */
function cutPairs(g: Grudge): Set<string> {
  const pairs = new Set<string>();
  for (const [node, dropped] of Object.entries(g)) for (const peer of dropped) pairs.add([node, peer].sort().join(' '));
  return pairs;
}

describe('partition targets by name', () => {
  it('every target draws a grudge over the nodes only, never a node dropping itself', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), fc.constantFrom(...targetNames), (nodes, seed, target) => {
      const g = partitionTargets[target](nodes, createRandom(seed));
      for (const [node, dropped] of Object.entries(g)) {
        expect(nodes).toContain(node);
        expect(dropped).not.toContain(node);
        for (const peer of dropped) expect(nodes).toContain(peer);
      }
      if (nodes.length >= 3) expect(cutPairs(g).size).toBeGreaterThan(0);
    }));
  });

  it('one cuts off one node and minority-third under a third (at least one), both ways', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), (nodes, seed) => {
      for (const [target, size] of [['one', 1], ['minority-third', minorityThirdSize(nodes.length)]] as const) {
        const g = partitionTargets[target](nodes, createRandom(seed));
        const cutOff = nodes.filter((n) => (g[n] ?? []).length === nodes.length - size);
        expect(cutOff).toHaveLength(size === nodes.length - size ? nodes.length : size);
        for (const a of nodes) for (const b of nodes) expect(drops(g, a, b)).toBe(drops(g, b, a));
      }
    }));
    expect([3, 4, 5, 7, 9, 10].map(minorityThirdSize)).toEqual([1, 1, 1, 2, 2, 3]);
  });

  it('majority is Jepsen\'s name for halves: the same grudge from the same seed', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), (nodes, seed) => {
      expect(partitionTargets.majority(nodes, createRandom(seed))).toEqual(partitionTargets.halves(nodes, createRandom(seed)));
    }));
  });

  it('halves are disjoint, cover the nodes, and hear nothing from each other', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), (nodes, seed) => {
      const g = partitionTargets.halves(nodes, createRandom(seed));
      const first = nodes[0] as string;
      const side = nodes.filter((n) => !drops(g, first, n));
      const other = nodes.filter((n) => drops(g, first, n));
      expect([side.length, other.length].sort()).toEqual([Math.floor(nodes.length / 2), Math.ceil(nodes.length / 2)].sort());
      for (const a of side) for (const b of other) expect(drops(g, a, b) && drops(g, b, a)).toBe(true);
      for (const part of [side, other]) for (const a of part) for (const b of part) expect(drops(g, a, b)).toBe(false);
    }));
  });

  it('bridge: the middle node hears everyone and everyone hears it; the halves are disjoint and cut both ways', () => {
    fc.assert(fc.property(nodeLists.filter((n) => n.length >= 3), fc.integer(), (nodes, seed) => {
      const g = partitionTargets.bridge(nodes, createRandom(seed));
      const middle = nodes.filter((n) => (g[n] ?? []).length === 0);
      expect(middle).toHaveLength(1);
      const bridgeNode = middle[0] as string;
      for (const n of nodes) expect(drops(g, n, bridgeNode) || drops(g, bridgeNode, n)).toBe(false);
      const first = nodes.find((n) => n !== bridgeNode) as string;
      const left = nodes.filter((n) => n !== bridgeNode && !drops(g, first, n));
      const right = nodes.filter((n) => n !== bridgeNode && drops(g, first, n));
      expect([left.length, right.length].sort()).toEqual([Math.floor(nodes.length / 2), nodes.length - Math.floor(nodes.length / 2) - 1].sort());
      for (const a of left) expect([...(g[a] ?? [])].sort()).toEqual(right);
      for (const b of right) expect([...(g[b] ?? [])].sort()).toEqual(left);
    }));
  });

  it('one-way targets are asymmetric: no pair is cut both ways, and someone is cut', () => {
    fc.assert(fc.property(nodeLists.filter((n) => n.length >= 3), fc.integer(), fc.constantFrom(...oneWayNames), (nodes, seed, target) => {
      const g = partitionTargets[target](nodes, createRandom(seed));
      for (const a of nodes) for (const b of nodes) expect(drops(g, a, b) && drops(g, b, a)).toBe(false);
      expect(cutPairs(g).size).toBeGreaterThan(0);
    }));
  });

  it('a one-way target cuts the same pairs as its two-way namesake, one direction each', () => {
    fc.assert(fc.property(nodeLists, fc.integer(), fc.constantFrom(...oneWayNames), (nodes, seed, target) => {
      const twoWay = target.slice('one-way-'.length) as keyof typeof partitionTargets;
      expect(cutPairs(partitionTargets[target](nodes, createRandom(seed)))).toEqual(cutPairs(partitionTargets[twoWay](nodes, createRandom(seed))));
    }));
  });

  it('one-way halves: one half hears the other, which hears nothing from it; either half may go deaf', () => {
    const deafSizes = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const g = partitionTargets['one-way-halves'](five, createRandom(seed));
      const deaf = five.filter((n) => (g[n] ?? []).length > 0);
      deafSizes.add(deaf.length);
      for (const a of deaf) for (const b of g[a] ?? []) expect(g[b]).toEqual([]);
    }
    expect(deafSizes).toEqual(new Set([2, 3]));
  });

  it('one-way majorities ring: every node still hears a majority', () => {
    fc.assert(fc.property(nodeLists, (nodes) => {
      const g = oneWayMajoritiesRing(nodes);
      for (const n of nodes) expect(nodes.length - (g[n] ?? []).length).toBeGreaterThanOrEqual(Math.floor(nodes.length / 2) + 1);
    }));
    expect(describeGrudge(oneWayMajoritiesRing(five))).toBe('n1 drops n3; n2 drops n4; n3 drops n5; n4 drops n1; n5 drops n2');
  });

  it('oneWay names every node, and only the deaf side drops anything', () => {
    const g = oneWay(five, ['n1'], ['n2', 'n3']);
    expect(g).toEqual({ n1: ['n2', 'n3'], n2: [], n3: [], n4: [], n5: [] });
    expect(describeGrudge(g)).toBe('n1 drops n2,n3');
    expect(describeGrudge(oneWay(five, ['n1', 'n2'], ['n4', 'n5']))).toBe('n1 n2 drop n4,n5');
  });
});
