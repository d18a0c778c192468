import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCounter } from './counter.js';
import { historyBuilder } from '../test-support/history-builder.js';

describe('counter checker', () => {
  it('accepts reads between the definite and the possible sum', () => {
    const h = historyBuilder()
      .run(0, 'add', 2)
      .invoke(1, 'add', 5) // concurrent with the read below: may or may not be counted
      .run(2, 'read', null, 7)
      .run(3, 'read', null, 2)
      .ok(1)
      .run(2, 'read', null, 7);
    const r = checkCounter(h.history);
    expect(r.valid).toBe(true);
    expect(r.series.map(([, value, lower, upper]) => [value, lower, upper])).toEqual([[7, 2, 7], [2, 2, 7], [7, 7, 7]]);
  });

  it('finds an over-count and an under-count, with the bounds', () => {
    const h = historyBuilder().run(0, 'add', 1).run(0, 'add', 1).run(1, 'read', null, 3).run(1, 'read', null, 1);
    const r = checkCounter(h.history);
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.value, e.lower, e.upper])).toEqual([[3, 2, 2], [1, 2, 2]]);
    expect(r.summary).toMatch(/^2 of 2 reads out of bounds; first: op 4 read 3, expected 2\.\.2/);
  });

  it('lets info adds count or not, and ignores failed adds', () => {
    const h = historyBuilder().run(0, 'add', 10, undefined, 'info').run(1, 'add', 3, undefined, 'fail').run(2, 'read', null, 10).run(2, 'read', null, 0);
    expect(checkCounter(h.history).valid).toBe(true);
    const bad = historyBuilder().run(1, 'add', 3, undefined, 'fail').run(2, 'read', null, 3);
    expect(checkCounter(bad.history).valid).toBe(false);
  });

  it('handles decrements of a PN-counter and an initial value', () => {
    const h = historyBuilder().invoke(0, 'add', -4).run(1, 'read', null, 6).ok(0).run(1, 'read', null, 6);
    const r = checkCounter(h.history, { initial: 10 });
    expect(r.series.map(([, value, lower, upper]) => [value, lower, upper])).toEqual([[6, 6, 10], [6, 6, 6]]);
    expect(r.valid).toBe(true);
    expect(checkCounter(historyBuilder().run(0, 'add', -4).run(1, 'read', null, 10).history, { initial: 10 }).valid).toBe(false);
  });

  it('names a non-numeric add', () => {
    expect(() => checkCounter(historyBuilder().run(0, 'add', 'x').history)).toThrow(/op 0: add of "x"; expected a finite number/);
  });

  it('accepts every read of a serial execution', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(null)), { maxLength: 50 }), (steps) => {
        const h = historyBuilder();
        let value = 0;
        steps.forEach((n, i) => {
          if (n === null) h.run(i % 4, 'read', null, value);
          else {
            h.run(i % 4, 'add', n);
            value += n;
          }
        });
        expect(checkCounter(h.history).valid).toBe(true);
      }),
    );
  });
});
