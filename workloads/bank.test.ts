import { describe, expect, it } from 'vitest';
import { composeCheckers } from '../src/checker.js';
import { txnBank } from '../src/db/bundled-txn.js';
import type { BankDb, Db, DbContext } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { KvOp, KvResponse } from '../src/kv/client.js';
import { commandOf, KvState, replyOf } from '../src/kv/kv-state.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import { bankCheckers, bankWorkload, DEFAULT_BANK } from './bank.js';

/** The bundled store's own state machine behind a fake connection. */
function memoryCall(state = new KvState()) {
  return Object.assign(async (req: KvOp): Promise<KvResponse> => {
    if (req.op !== 'txn') throw new Error(`unexpected ${req.op}`);
    return { id: 0, ...replyOf(state.apply(commandOf(req))) } as KvResponse;
  }, { close() {} });
}

const fakeDb: BankDb = { name: 'fake', start: async () => {}, awaitReady: async () => {}, openBank: async () => txnBank(memoryCall()) };
const options = { nodes: ['n1', 'n2', 'n3'], concurrency: 6, rate: 1000, quiesceS: 1, ...DEFAULT_BANK };

/** Runs the workload against an in-memory bank; `createFails` creates fail before one succeeds; `lose` drops one deposit. */
async function run(opts: { createFails?: number; lose?: number } = {}): Promise<Op[]> {
  const workload = bankWorkload(fakeDb, {} as DbContext, options);
  const balances: Record<string, number> = {};
  let creates = 0;
  let transfers = 0;
  const complete = (invoke: Op) => {
    if (invoke.f === 'create') {
      if (creates++ < (opts.createFails ?? 0)) return { type: 'info' as const };
      Object.assign(balances, invoke.value);
      return { type: 'ok' as const };
    }
    if (invoke.f === 'read') return { type: 'ok' as const, value: { ...balances } };
    const { from, to, amount } = invoke.value as { from: number; to: number; amount: number };
    if (balances[from]! < amount) return { type: 'fail' as const };
    balances[from]! -= amount;
    if (transfers++ !== opts.lose) balances[to]! += amount;
    return { type: 'ok' as const };
  };
  const main = await simulate(clients(timeLimit(1e9, workload.generator)), { concurrency: 6, complete });
  const final = await simulate(clients(workload.finalGenerator!(main)), { concurrency: 6, complete });
  const end = main.at(-1)!.time;
  return [...main, ...final.map((o) => ({ ...o, index: o.index + main.length, time: o.time + end, process: (o.process as number) + 100 }))];
}

describe('the bank workload', () => {
  it('creates the accounts from one process (retrying until ok) before any transfer or read', async () => {
    const history = await run({ createFails: 2 });
    const firstOther = history.findIndex((o) => o.f !== 'create');
    const creates = history.slice(0, firstOther);
    expect(creates.map((o) => o.type)).toEqual(['invoke', 'info', 'invoke', 'info', 'invoke', 'ok']);
    expect(creates[0]!.value).toEqual({ 0: 20, 1: 20, 2: 20, 3: 20, 4: 20 });
    expect(history.slice(firstOther).some((o) => o.f === 'create')).toBe(false);
    const transfers = history.filter((o) => o.type === 'invoke' && o.f === 'transfer').map((o) => o.value as { from: number; to: number; amount: number });
    expect(transfers.length).toBeGreaterThan(100);
    expect(transfers.every((t) => t.from !== t.to && t.amount >= 1 && t.amount <= 5 && t.to >= 0 && t.to < 5)).toBe(true);
  });

  it('is valid against a correct bank and catches a lost deposit', async () => {
    const check = composeCheckers(bankCheckers());
    expect((await check(await run(), {})).valid).toBe(true);
    const lost = (await check(await run({ lose: 10 }), {})) as { valid: unknown; results: Record<string, { summary: string }> };
    expect(lost.valid).toBe(false);
    expect(lost.results.bank!.summary).toMatch(/wrong-total.*expected 100/);
  });

  it('its client runs transfers as guarded txns: an uncovered transfer fails, a second create is harmless', async () => {
    const client = await bankWorkload(fakeDb, {} as DbContext, options).open('n1');
    const op = (f: string, value: unknown): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f, value });
    expect(await client.invoke(op('create', { 0: 5, 1: 0, 2: 0, 3: 0, 4: 0 }))).toMatchObject({ type: 'ok' });
    expect(await client.invoke(op('create', { 0: 5, 1: 0, 2: 0, 3: 0, 4: 0 }))).toMatchObject({ type: 'ok' });
    expect(await client.invoke(op('transfer', { from: 0, to: 1, amount: 3 }))).toMatchObject({ type: 'ok' });
    expect(await client.invoke(op('transfer', { from: 0, to: 1, amount: 3 }))).toEqual({ type: 'fail', value: { from: 0, to: 1, amount: 3 }, error: 'account 0 holds less than 3' });
    expect(await client.invoke(op('read', null))).toEqual({ type: 'ok', value: { 0: 2, 1: 3, 2: 0, 3: 0, 4: 0 } });
  });

  it('refuses a db without transactions or counters, naming it', () => {
    expect(() => bankWorkload({ name: 'plain' } as Db, {} as DbContext, options)).toThrow('db "plain" cannot run the bank workload');
  });
});
