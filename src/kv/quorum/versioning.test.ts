import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LwwVersioning, type LwwState } from './lww.js';
import { decodeContext, descends, VcVersioning, type VcState } from './vclock.js';

/** Checks that merge is a join: commutative, associative, idempotent (on canonical text). */
function expectJoin<S>(merge: (a: S, b: S) => S, a: S, b: S, c: S): void {
  const text = (s: S): string => JSON.stringify(s);
  expect(text(merge(a, b))).toBe(text(merge(b, a)));
  expect(text(merge(merge(a, b), c))).toBe(text(merge(a, merge(b, c))));
  expect(text(merge(merge(a, b), b))).toBe(text(merge(a, b)));
}

describe('last-writer-wins', () => {
  // One timestamp is one write, so it always carries the same value.
  const lwwState = fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('n1', 'n2'))
    .map((ts): LwwState => ({ v: ts.join('/'), ts }));

  it('merges as a join, keeping the greatest timestamp', () => {
    const lww = new LwwVersioning('n1', () => 0);
    fc.assert(fc.property(lwwState, lwwState, lwwState, (a, b, c) => expectJoin((x, y) => lww.merge(x, y), a, b, c)));
  });

  it('lets an older write from a clock that is behind lose to a newer one: the lost update of clock skew', () => {
    let nowMs = 1000;
    const ahead = new LwwVersioning('n1', () => nowMs + 5000);
    const behind = new LwwVersioning('n2', () => nowMs);
    const first = ahead.write(1);
    nowMs += 10;
    const second = behind.write(2); // written later in real time
    expect(ahead.merge(first, second).v).toBe(1);
  });
});

describe('vector clocks with siblings', () => {
  it('keeps concurrent writes as siblings and lets a write with their context supersede them', () => {
    let event = 0;
    const n1 = new VcVersioning('n1', () => ++event);
    const n2 = new VcVersioning('n2', () => ++event);
    const x = n1.write('x', { context: undefined });
    const y = n2.write('y', { context: undefined });
    const both = n1.merge(x, y);
    expect(both.s.map((s) => s.v).sort()).toEqual(['x', 'y']);
    const read = n1.reply(both);
    expect(read.value).toBeUndefined();
    const z = n2.write('z', { context: read.context });
    expect(n1.merge(both, z).s.map((s) => s.v)).toEqual(['z']);
    expect(descends(z.s[0]!.c, decodeContext(read.context!))).toBe(true);
  });

  it('merges as a join for any interleaving of writes and contexts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('n1', 'n2', 'n3'), fc.integer({ min: 0, max: 9 }), fc.boolean()), { minLength: 3, maxLength: 12 }), (steps) => {
        let event = 0;
        const states: VcState[] = [];
        for (const [node, value, withContext] of steps) {
          const v = new VcVersioning(node, () => ++event);
          const basis = withContext && states.length > 0 ? { state: states[states.length - 1]! } : { context: undefined };
          states.push(v.write(value, basis));
        }
        const merge = (a: VcState, b: VcState) => new VcVersioning('n1', () => 0).merge(a, b);
        expectJoin(merge, states[0]!, states[1]!, states[2]!);
        // No sibling of a merge dominates another.
        const all = states.reduce(merge);
        for (const a of all.s) for (const b of all.s) if (a !== b) expect(descends(a.c, b.c) && !descends(b.c, a.c)).toBe(false);
      }),
    );
  });

  it('rejects a context that no read returned', () => {
    expect(() => decodeContext('not base64 json')).toThrow(/is not a context a read returned/);
  });
});
