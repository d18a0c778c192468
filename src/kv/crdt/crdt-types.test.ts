import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDelta, counterDelta, crdtValue, mergeCrdt, removeDelta, type CounterState, type CrdtState, type OrSetState } from './crdt-types.js';

describe('counters', () => {
  it('count every add exactly once whatever order, duplication or grouping deltas arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (adds, shuffle) => {
          // Each node folds its own adds into its state and ships the deltas.
          const local = new Map<string, CounterState | null>();
          const deltas: CrdtState[] = [];
          for (const [node, delta] of adds) {
            const d = counterDelta(local.get(node) ?? null, 'pn-counter', node, delta);
            local.set(node, mergeCrdt(local.get(node) ?? d, d) as CounterState);
            deltas.push(d);
          }
          const delivered = [...deltas, ...shuffle.map((i) => deltas[i % deltas.length]!)];
          const order = delivered.map((d, i) => ({ d, k: shuffle[i % Math.max(1, shuffle.length)] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.d);
          const merged = order.reduce((a, b) => mergeCrdt(a, b));
          expect(crdtValue(merged)).toBe(adds.reduce((s, [, d]) => s + d, 0));
        },
      ),
    );
  });

  it('merge a G-counter into a PN-counter without losing counts', () => {
    const g: CrdtState = { t: 'g-counter', p: { n1: 3 }, n: {} };
    const pn: CrdtState = { t: 'pn-counter', p: { n2: 2 }, n: { n2: 1 } };
    expect(mergeCrdt(g, pn)).toEqual({ t: 'pn-counter', p: { n1: 3, n2: 2 }, n: { n2: 1 } });
  });
});

describe('OR-set', () => {
  it('lets an add concurrent with a remove win, and a remove win over the adds it saw', () => {
    const seen = addDelta('x', 'n1:1');
    const removed = mergeCrdt(seen, removeDelta(seen, 'x'));
    expect(crdtValue(removed)).toEqual([]);
    const concurrentAdd = addDelta('x', 'n2:7');
    expect(crdtValue(mergeCrdt(removed, concurrentAdd))).toEqual(['x']);
    // A late copy of the removed add stays removed.
    expect(crdtValue(mergeCrdt(removed, seen))).toEqual([]);
  });

  it('merges as a join', () => {
    const state = fc.record({
      a: fc.dictionary(fc.constantFrom('"a"', '"b"', '1'), fc.uniqueArray(fc.constantFrom('n1:1', 'n1:2', 'n2:1'), { minLength: 1 })),
      r: fc.uniqueArray(fc.constantFrom('n1:1', 'n2:1', 'n3:1')),
    }).map((s) => mergeCrdt({ t: 'or-set', ...s }, { t: 'or-set', ...s }) as OrSetState);
    fc.assert(
      fc.property(state, state, state, (a, b, c) => {
        expect(mergeCrdt(a, b)).toEqual(mergeCrdt(b, a));
        expect(mergeCrdt(mergeCrdt(a, b), c)).toEqual(mergeCrdt(a, mergeCrdt(b, c)));
        expect(mergeCrdt(a, a)).toEqual(a);
      }),
    );
  });
});
