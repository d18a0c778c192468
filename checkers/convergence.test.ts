import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkConvergence, subsetSums } from './convergence.js';
import { historyBuilder } from '../test-support/history-builder.js';

const read = (h: ReturnType<typeof historyBuilder>, process: number, node: string, key: string, value: unknown) => h.run(process, 'read', [key, null], [key, value], 'ok', node);

describe('convergence checker', () => {
  it('accepts a counter whose final reads agree and equal the ok adds plus some indeterminate ones', () => {
    const h = historyBuilder().run(0, 'add', ['c', 1]).run(1, 'add', ['c', 2], undefined, 'info').run(2, 'add', ['c', 5], undefined, 'info').nemesis('stop-partition');
    read(h, 0, 'n1', 'c', 6);
    read(h, 0, 'n2', 'c', 6);
    const r = checkConvergence(h.history, { type: 'counter' });
    expect(r).toMatchObject({ valid: true, keys: 1, nodes: ['n1', 'n2'], finalReads: 2 });
  });

  it('finds diverged counters and a total no subset of indeterminate adds explains', () => {
    const h = historyBuilder().run(0, 'add', ['c', 1]).run(1, 'add', ['c', 2], undefined, 'info').nemesis('stop-partition');
    read(h, 0, 'n1', 'c', 3);
    read(h, 0, 'n2', 'c', 2);
    const r = checkConvergence(h.history, { type: 'counter' });
    expect(r.valid).toBe(false);
    expect(r.diverged).toEqual([{ key: 'c', values: [{ value: 3, nodes: ['n1'] }, { value: 2, nodes: ['n2'] }] }]);
    expect(r.unexplained).toMatchObject([{ key: 'c', problem: 'not-a-sum', value: 2, nodes: ['n2'] }]);
    expect(r.unexplained[0]!.explanation).toBe('counter c reads 2 on n2, but the ok adds sum to 1 and no subset of the 1 indeterminate adds ([2]) makes up the difference of 1');
    expect(r.summary).toMatch(/^1 of 1 keys diverged, 1 final values unexplained; first: key c reads 3 on n1 vs 2 on n2$/);
  });

  it('finds lost and unexpected set elements per replica, reading every key at once', () => {
    const h = historyBuilder().run(0, 'add', ['s', 'a']).run(1, 'add', ['s', 'b']).run(1, 'add', ['s', 'x'], undefined, 'fail').nemesis('stop-partition');
    h.run(0, 'read', null, { s: ['b', 'a'] }, 'ok', 'n1');
    h.run(0, 'read', null, { s: ['a', 'x'] }, 'ok', 'n2');
    const r = checkConvergence(h.history, { type: 'set' });
    expect(r.diverged[0]!.values.map((v) => v.nodes)).toEqual([['n1'], ['n2']]);
    expect(r.unexplained.map((u) => [u.problem, u.nodes, u.elements])).toEqual([
      ['lost', ['n2'], ['b']],
      ['unexpected', ['n2'], ['x']],
    ]);
  });

  it('finds a register that kept a write an acknowledged later write should have replaced', () => {
    const h = historyBuilder().run(0, 'write', ['r', 1]).run(1, 'write', ['r', 2]).nemesis('stop-partition');
    read(h, 0, 'n1', 'r', 1);
    read(h, 0, 'n2', 'r', 1);
    const r = checkConvergence(h.history, { type: 'register' });
    expect(r.valid).toBe(false);
    expect(r.diverged).toEqual([]);
    expect(r.unexplained[0]).toMatchObject({ problem: 'superseded', write: { index: 2 } });
    expect(r.unexplained[0]!.explanation).toMatch(/a lost update$/);
  });

  it('accepts either of two concurrent register writes, and reports an unwritten value', () => {
    const h = historyBuilder().invoke(0, 'write', ['r', 1]).run(1, 'write', ['r', 2]).ok(0).nemesis('stop-partition');
    read(h, 0, 'n1', 'r', 1);
    read(h, 0, 'n2', 'r', 1);
    expect(checkConvergence(h.history, { type: 'register' }).valid).toBe(true);
    read(h, 0, 'n3', 'r', 7);
    expect(checkConvergence(h.history, { type: 'register' }).unexplained.map((u) => u.problem)).toEqual(['unwritten']);
  });

  it('measures how long each write took to be visible on every node', () => {
    const h = historyBuilder().run(0, 'add', ['s', 'a'], undefined, 'ok', 'n1'); // completes at 2 ms
    read(h, 1, 'n2', 's', []).at(10);
    read(h, 1, 'n2', 's', []); // invoked at 10 ms: still missing, 8 ms after the add was acknowledged
    read(h, 1, 'n2', 's', ['a']);
    read(h, 0, 'n1', 's', ['a']);
    h.nemesis('stop-partition');
    read(h, 0, 'n1', 's', ['a']);
    read(h, 0, 'n2', 's', ['a']);
    const r = checkConvergence(h.history, { type: 'set' });
    expect(r.valid).toBe(true);
    expect(r.staleness).toMatchObject({ writes: 1, measured: 1, neverVisible: 0, maxMs: 8 });
    expect(r.staleness.worst[0]).toMatchObject({ key: 's', node: 'n2', lagMs: 8 });
    expect(r.staleness.histogram).toEqual([1, 2, 4, 8].map((upToMs) => ({ upToMs, count: upToMs === 8 ? 1 : 0 })));
  });

  it('counts a counter add as visible once a node reads at least the sum due by then', () => {
    const h = historyBuilder().run(0, 'add', ['c', 1]).run(0, 'add', ['c', 1]);
    read(h, 1, 'n2', 'c', 1).at(20); // invoked at 5 ms: shows the first add, not the second (done at 4 ms)
    read(h, 1, 'n2', 'c', 2);
    const r = checkConvergence(h.history, { type: 'counter', finalFrom: 0 });
    expect(r.staleness).toMatchObject({ writes: 2, measured: 2, maxMs: 1 });
    expect(r.staleness.worst.map((w) => w.write.index)).toEqual([2, 0]);
  });

  it('is unknown without final reads, or when a node did not read some key', () => {
    const h = historyBuilder().run(0, 'add', ['c', 1]);
    read(h, 0, 'n1', 'c', 1);
    h.nemesis('stop-partition');
    expect(checkConvergence(h.history, { type: 'counter' }).valid).toBe('unknown');
    read(h, 0, 'n1', 'c', 1);
    h.run(0, 'add', ['d', 1]);
    read(h, 0, 'n2', 'd', 1);
    const r = checkConvergence(h.history, { type: 'counter' });
    expect(r.valid).toBe('unknown');
    expect(r.missingFinalReads).toEqual([{ key: 'c', nodes: ['n2'] }, { key: 'd', nodes: ['n1'] }]);
  });

  it('names malformed ops', () => {
    expect(() => checkConvergence(historyBuilder().run(0, 'add', 5).history, { type: 'counter' })).toThrow(/op 0: add of 5; expected \[key, amount\]/);
    expect(() => checkConvergence([], { type: 'map' as never })).toThrow(/convergence type "map"; expected counter \| set \| register/);
  });

  it('subset sums are exact for small integers', () => {
    expect(subsetSums([2, 5], 7)).toBe(true);
    expect(subsetSums([2, 5], 3)).toBe(false);
    expect(subsetSums([-3, 4], 1)).toBe(true);
    expect(subsetSums([0.5, 0.25], 0.75)).toBe('bounds');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -6, max: 6 }), { maxLength: 10 }), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), (amounts, pick) => {
        const target = amounts.reduce((s, a, i) => s + (pick[i] ? a : 0), 0);
        expect(subsetSums(amounts, target)).toBe(true);
      }),
    );
  });
});
