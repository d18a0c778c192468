// Properties of the cycle checker over histories of a simulated strictly serializable store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateListAppendHistory } from '../../bench/list-append-history.js';
import type { Op } from '../../src/op.js';
import { checkListAppend } from './index.js';

const params = fc.record({
  txns: fc.integer({ min: 2, max: 60 }),
  seed: fc.integer(),
  processes: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 4 }),
  maxWritesPerKey: fc.integer({ min: 1, max: 8 }),
  failShare: fc.constantFrom(0, 0.1),
  infoShare: fc.constantFrom(0, 0.1),
});

describe('cycle checker properties', () => {
  it('finds no anomaly in a strictly serializable execution', () => {
    fc.assert(
      fc.property(params, (p) => {
        const r = checkListAppend(generateListAppendHistory(p));
        expect(r.anomalyTypes.filter((t) => t !== 'empty-transaction-graph')).toEqual([]);
        expect(r.valid).not.toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('finds an anomaly once two appends to a key are swapped in every read', () => {
    fc.assert(
      fc.property(params, (p) => {
        const history = generateListAppendHistory({ ...p, failShare: 0, infoShare: 0 });
        const swapped = swapFirstTwoAppends(history);
        fc.pre(swapped !== undefined);
        const r = checkListAppend(swapped!);
        expect(r.valid).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Rewrites every ok read of the first key read with two or more values so that its first two values
 * swap places, when the first was appended before the second's transaction began: the order the
 * reads show then contradicts real time.
 */
function swapFirstTwoAppends(history: Op[]): Op[] | undefined {
  const reads = history.flatMap((op) => (op.type === 'ok' ? (op.value as [string, number, number[]][]) : [])).filter(([f, , v]) => f === 'r' && v.length >= 2);
  const target = reads[0];
  if (!target) return undefined;
  const [, key, [a, b]] = target;
  const appendsOf = (op: Op): number[] => (op.value as [string, number, number][]).filter(([f, k]) => f === 'append' && k === key).map(([, , v]) => v);
  const writerA = history.find((op) => op.type === 'ok' && appendsOf(op).includes(a!));
  const writerB = history.find((op) => op.type === 'ok' && appendsOf(op).includes(b!));
  // Only when the appends are ordered in real time must the swap show. (Two appends of one
  // transaction swapped is not caught: like Elle, the checker does not order a transaction's own appends.)
  const invokeB = history.find((op) => op.type === 'invoke' && op.process === writerB?.process && op.index < writerB.index && appendsOf(op).includes(b!));
  if (!writerA || !invokeB || writerA.index > invokeB.index) return undefined;
  return history.map((op) => {
    if (op.type !== 'ok') return op;
    const mops = (op.value as [string, number, unknown][]).map(([f, k, v]) =>
      f === 'r' && k === key && Array.isArray(v) && v.length >= 2 ? ([f, k, [v[1], v[0], ...v.slice(2)]] as [string, number, unknown]) : ([f, k, v] as [string, number, unknown]),
    );
    return { ...op, value: mops };
  });
}
