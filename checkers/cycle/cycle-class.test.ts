import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyCycle, inFamily } from './cycle-class.js';
import { simplify } from './cycle-search.js';
import { PROCESS, REALTIME, RW, WR, WW } from './dependency-graph.js';

describe('classifyCycle', () => {
  it.each([
    [[WW, WW], 'G0'],
    [[WW, WR], 'G1c'],
    [[WW, REALTIME], 'G0-realtime'],
    [[RW, WR, PROCESS], 'G-single-item-process'],
    [[RW, WR, RW, WW], 'G-nonadjacent-item'],
    [[RW, RW], 'G2-item'],
    // The last edge is next to the first: rw ... rw around the cycle is adjacent.
    [[RW, WR, RW], 'G2-item'],
    [[RW, REALTIME, RW, PROCESS], 'G-nonadjacent-item-realtime'],
  ])('%j is %s', (types, anomaly) => {
    expect(classifyCycle(types)).toBe(anomaly);
  });

  it('refuses a cycle of order edges alone and unknown edge types', () => {
    expect(() => classifyCycle([REALTIME, PROCESS])).toThrow(/no data dependency/);
    expect(() => classifyCycle([WW, 64])).toThrow(/edge type 64/);
  });

  it('places anomalies in families by base and variant', () => {
    expect(inFamily('G-single-item-process', 'nonadjacent-rw', '-process')).toBe(true);
    expect(inFamily('G-single-item-realtime', 'nonadjacent-rw', '-process')).toBe(false);
    expect(inFamily('G2-item', 'nonadjacent-rw', '-realtime')).toBe(false);
    expect(inFamily('G0', 'ww+wr', '')).toBe(true);
  });
});

describe('simplify', () => {
  // A closed walk over nodes 0..4: a sequence of (node, type of the edge leaving it).
  const walk = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom(WW, WR, RW, REALTIME)), { minLength: 2, maxLength: 12 });
  const noAdjacentRw = (types: number[]): boolean => !types.some((t, i) => t === RW && types[(i + 1) % types.length] === RW);
  const edgesOf = (nodes: number[], types: number[]): string[] => nodes.map((v, i) => `${v}-${types[i]}-${nodes[(i + 1) % nodes.length]}`);

  it('cuts a closed walk with no adjacent rw edges into a simple cycle of its own edges with none', () => {
    fc.assert(
      fc.property(walk, (steps) => {
        const nodes = steps.map(([v]) => v);
        const types = steps.map(([, t]) => t);
        fc.pre(noAdjacentRw(types) && nodes.every((v, i) => v !== nodes[(i + 1) % nodes.length]));
        const cycle = simplify(nodes, types, noAdjacentRw);
        expect(new Set(cycle.nodes).size).toBe(cycle.nodes.length);
        expect(noAdjacentRw(cycle.types)).toBe(true);
        expect(edgesOf(nodes, types)).toEqual(expect.arrayContaining(edgesOf(cycle.nodes, cycle.types)));
      }),
      { numRuns: 500 },
    );
  });
});
