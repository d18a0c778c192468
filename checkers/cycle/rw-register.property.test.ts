// Properties of the rw-register checker over histories of a simulated strictly serializable store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRwRegisterHistory } from '../../bench/list-append-history.js';
import type { Op } from '../../src/op.js';
import { checkRwRegister } from './rw-register.js';

const params = fc.record({
  txns: fc.integer({ min: 2, max: 60 }),
  seed: fc.integer(),
  processes: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 4 }),
  maxWritesPerKey: fc.integer({ min: 1, max: 8 }),
  failShare: fc.constantFrom(0, 0.1),
  infoShare: fc.constantFrom(0, 0.1),
});

const guarantees = fc.record({ wfrKeys: fc.boolean(), sequentialKeys: fc.boolean(), linearizableKeys: fc.boolean() });

type Mop = [string, number, unknown];

describe('rw-register checker properties', () => {
  it('finds no anomaly in a strictly serializable execution, whatever key guarantees are claimed', () => {
    fc.assert(
      fc.property(params, guarantees, (p, g) => {
        const r = checkRwRegister(generateRwRegisterHistory(p), { ...g, initialState: 'empty' });
        expect(r.anomalyTypes.filter((t) => t !== 'empty-transaction-graph')).toEqual([]);
        expect(r.valid).not.toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('catches a read changed to a value never written: a garbage read, invalid when keys start empty', () => {
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const history = generateRwRegisterHistory({ ...p, failShare: 0, infoShare: 0 });
        const changed = changeOneRead(history, pick, 1_000_000);
        fc.pre(changed !== undefined);
        const unknown = checkRwRegister(changed!);
        expect(unknown.anomalyTypes).toContain('garbage-read');
        const empty = checkRwRegister(changed!, { initialState: 'empty' });
        expect(empty.valid).toBe(false);
        expect(empty.not).toEqual(['read-committed']);
      }),
      { numRuns: 200 },
    );
  });

  it('catches a read of a written value changed to nil after that write completed (strict serializability)', () => {
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const history = generateRwRegisterHistory({ ...p, failShare: 0, infoShare: 0 });
        const changed = changeOneRead(history, pick, null);
        fc.pre(changed !== undefined);
        expect(checkRwRegister(changed!).valid).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Changes the value of one ok external read of a written value (picked by `pick`) to `value`, when
 * the read's writer completed before the reader began (so a nil read contradicts real time), or
 * undefined when there is none.
 */
function changeOneRead(history: Op[], pick: number, value: unknown): Op[] | undefined {
  const completedAt = new Map<string, number>();
  const invokedAt = new Map<number, number>();
  const open = new Map<unknown, number>();
  const candidates: { op: number; mop: number }[] = [];
  history.forEach((op, i) => {
    if (op.type === 'invoke') {
      open.set(op.process, i);
      return;
    }
    invokedAt.set(i, open.get(op.process)!);
    if (op.type !== 'ok') return;
    const mops = op.value as Mop[];
    mops.forEach(([f, k, v], m) => {
      const external = mops.slice(0, m).every(([, k2]) => k2 !== k);
      if (f === 'r' && v !== null && external && (completedAt.get(`${k}:${String(v)}`) ?? Infinity) < invokedAt.get(i)!) candidates.push({ op: i, mop: m });
    });
    for (const [f, k, v] of mops) if (f === 'w') completedAt.set(`${k}:${String(v)}`, i);
  });
  if (candidates.length === 0) return undefined;
  const { op, mop } = candidates[pick % candidates.length]!;
  return history.map((o, i) => (i !== op ? o : { ...o, value: (o.value as Mop[]).map((m, j) => (j === mop ? [m[0], m[1], value] : m)) }));
}
