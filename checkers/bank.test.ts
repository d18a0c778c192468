import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBank } from './bank.js';
import { historyBuilder } from '../test-support/history-builder.js';

describe('bank checker', () => {
  it('is valid when every read sums to the total, and gives the totals over time', () => {
    const h = historyBuilder()
      .run(0, 'read', null, { a: 10, b: 10 })
      .run(1, 'transfer', { from: 'a', to: 'b', amount: 3 })
      .run(0, 'read', null, { a: 7, b: 13 });
    const r = checkBank(h.history);
    expect(r.valid).toBe(true);
    expect(r.totals).toEqual([[0.002, 20], [0.006, 20]]);
    expect(r.summary).toBe('2 reads, every total 20, no negative balance');
  });

  it('finds a wrong total against the configured total, first and worst', () => {
    const h = historyBuilder()
      .run(0, 'read', null, { a: 10, b: 9 })
      .run(0, 'read', null, { a: 10, b: 10 })
      .run(0, 'read', null, { a: 15, b: 10 });
    const r = checkBank(h.history, { total: 20 });
    expect(r.valid).toBe(false);
    expect(r.errors['wrong-total']).toMatchObject({ count: 2, first: { total: 19 }, worst: { total: 25 }, last: { total: 25 } });
    expect(r.summary).toBe('2 wrong-total in 3 reads; first: op 0, total 19, expected 20');
  });

  it('finds negative balances unless they are allowed', () => {
    const h = historyBuilder().run(0, 'read', null, { 0: 21, 1: -1 });
    const r = checkBank(h.history);
    expect(r.firstError).toMatchObject({ type: 'negative-value', negative: { 1: -1 } });
    expect(checkBank(h.history, { negativeAllowed: true }).valid).toBe(true);
  });

  it('checks the set of accounts and missing balances when asked', () => {
    const h = historyBuilder().run(0, 'read', null, { 0: 10, 2: 10, 3: null });
    const r = checkBank(h.history, { accounts: [0, 1, 2], total: 20 });
    expect(Object.keys(r.errors).sort()).toEqual(['missing-account', 'nil-balance', 'unexpected-account']);
    expect(r.errors['missing-account']!.first.accounts).toEqual(['1']);
  });

  it('is unknown without reads and names a malformed read', () => {
    expect(checkBank(historyBuilder().run(0, 'transfer', { from: 0, to: 1, amount: 1 }).history).valid).toBe('unknown');
    expect(() => checkBank(historyBuilder().run(0, 'read', null, [1, 2]).history)).toThrow(/op 1: read returned \[1,2\]; expected a map/);
  });

  it('accepts any serial execution of transfers that keep balances non-negative', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(5)), { maxLength: 40 }), (transfers) => {
        const balances: Record<string, number> = { 0: 5, 1: 5, 2: 5, 3: 5 };
        const h = historyBuilder();
        for (const [from, to, amount] of transfers) {
          const ok = balances[from]! >= amount && from !== to;
          h.run(0, 'transfer', { from, to, amount }, undefined, ok ? 'ok' : 'fail');
          if (ok) {
            balances[from]! -= amount;
            balances[to]! += amount;
          }
          h.run(1, 'read', null, { ...balances });
        }
        expect(checkBank(h.history, { total: 20 }).valid).toBe(transfers.length > 0 ? true : 'unknown');
      }),
    );
  });
});
