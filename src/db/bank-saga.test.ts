import { describe, expect, it } from 'vitest';
import { sagaBank } from './bank-saga.js';
import { OpFailure, type CounterConnection } from './db.js';

/** In-memory counters whose adds can be made to fail: definitely (not applied) or not (applied, then lost). */
function counters(failAdd: (key: string, amount: number) => 'definite' | 'indefinite' | null = () => null) {
  const values = new Map<string, number>();
  const conn: CounterConnection = {
    async add(key, amount) {
      const failure = failAdd(key, amount);
      if (failure === 'definite') throw new OpFailure(`add ${amount} to ${key} refused`, true);
      values.set(key, (values.get(key) ?? 0) + amount);
      if (failure === 'indefinite') throw new OpFailure(`add ${amount} to ${key} timed out`, false);
    },
    async read(key) {
      return values.get(key) ?? 0;
    },
    async close() {},
  };
  const registers = { write: async (key: string, value: unknown) => void values.set(key, value as number), close: async () => {} };
  return { values, bank: sagaBank(conn, registers) };
}

async function failureOf(p: Promise<unknown>): Promise<OpFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpFailure);
  return err as OpFailure;
}

describe('the bank as a saga over counters', () => {
  it('withdraws then deposits, and refuses a transfer the balance does not cover', async () => {
    const { bank } = counters();
    await bank.createAccounts({ a: 10, b: 0 });
    expect(await bank.transfer('a', 'b', 4)).toBe(true);
    expect(await bank.transfer('a', 'b', 7)).toBe(false);
    expect(await bank.read(['a', 'b'])).toEqual({ a: 6, b: 4 });
  });

  it('compensates a deposit that certainly failed: a definite failure, the total intact', async () => {
    const { bank } = counters((key, amount) => (key === 'b' && amount > 0 ? 'definite' : null));
    await bank.createAccounts({ a: 10, b: 0 });
    const err = await failureOf(bank.transfer('a', 'b', 4));
    expect(err.definite).toBe(true);
    expect(err.message).toBe('deposit to b failed (add 4 to b refused); the withdrawal from a was compensated');
    expect(await bank.read(['a', 'b'])).toEqual({ a: 10, b: 0 });
  });

  it('leaves a deposit that may have happened alone: an indefinite failure (here it did happen)', async () => {
    const { bank } = counters((key, amount) => (key === 'b' && amount > 0 ? 'indefinite' : null));
    await bank.createAccounts({ a: 10, b: 0 });
    expect((await failureOf(bank.transfer('a', 'b', 4))).definite).toBe(false);
    expect(await bank.read(['a', 'b'])).toEqual({ a: 6, b: 4 });
  });

  it('reports money lost when the compensation itself fails: indefinite, and the total drifts', async () => {
    const { bank } = counters((key, amount) => (key === 'b' && amount > 0 ? 'definite' : key === 'a' && amount > 0 ? 'definite' : null));
    await bank.createAccounts({ a: 10, b: 0 });
    const err = await failureOf(bank.transfer('a', 'b', 4));
    expect(err.definite).toBe(false);
    expect(err.message).toContain('compensating a may not have happened');
    expect(await bank.read(['a', 'b'])).toEqual({ a: 6, b: 0 });
  });

  it('fails definitely when the withdrawal certainly did not happen', async () => {
    const { bank, values } = counters((key) => (key === 'a' ? 'definite' : null));
    await bank.createAccounts({ a: 10, b: 0 });
    expect((await failureOf(bank.transfer('a', 'b', 4))).definite).toBe(true);
    expect(Object.fromEntries(values)).toEqual({ a: 10, b: 0 });
  });
});
