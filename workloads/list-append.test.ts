import { describe, expect, it } from 'vitest';
import { collectTransactions } from '../checkers/cycle/transactions.js';
import { composeCheckers } from '../src/checker.js';
import { listAppendConnection } from '../src/db/bundled-txn.js';
import type { Db, DbContext, TxnDb } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { KvOp, KvResponse, TxnMicroOp } from '../src/kv/client.js';
import { commandOf, KvState, replyOf, type TxnCommand } from '../src/kv/kv-state.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import { DEFAULT_LIST_APPEND, listAppendCheckers, listAppendWorkload } from './list-append.js';

/** The bundled store's own state machine behind a fake connection: every txn applied atomically when it arrives. */
function memoryCall(state = new KvState()) {
  return Object.assign(async (req: KvOp): Promise<KvResponse> => {
    if (req.op !== 'txn') throw new Error(`unexpected ${req.op}`);
    return { id: 0, ...replyOf(state.apply(commandOf(req))) } as KvResponse;
  }, { close() {} });
}

const fakeDb: TxnDb = { name: 'fake', start: async () => {}, awaitReady: async () => {}, openTxn: async () => listAppendConnection(memoryCall()) };
const options = { nodes: ['n1', 'n2', 'n3'], concurrency: 6, rate: 1000, ...DEFAULT_LIST_APPEND };
const toStore = (mops: unknown[]): TxnCommand => ({ op: 'txn', ops: (mops as [string, number, unknown][]).map(([f, k, v]) => [f, String(k), f === 'r' ? null : v] as TxnMicroOp) });

/**
 * Runs the main and final phases against a serial in-memory store. `staleFrom(i)` may name an older
 * state for the i-th read-only txn to be served from (a replica that lags).
 */
async function run(staleFrom?: (readIndex: number) => number | undefined): Promise<Op[]> {
  const workload = listAppendWorkload(fakeDb, {} as DbContext, options);
  const state = new KvState();
  const past: KvState[] = [];
  let readOnly = 0;
  const complete = (invoke: Op) => {
    const cmd = toStore(invoke.value as unknown[]);
    let source = state;
    if (cmd.ops.every((m) => m[0] === 'r')) {
      const back = staleFrom?.(readOnly++);
      if (back !== undefined && past.length > back) source = past[past.length - 1 - back]!;
    } else {
      past.push(KvState.restore(state.snapshot()));
    }
    const result = source.apply(cmd);
    if (!result.ok) throw new Error(`txn failed: ${JSON.stringify(result)}`);
    const value = result.results!.map(([f, , v], i) => [f, (invoke.value as unknown[][])[i]![1], f === 'r' ? (v ?? []) : v]);
    return { type: 'ok' as const, value };
  };
  const main = await simulate(clients(timeLimit(2e9, workload.generator)), { concurrency: 6, complete });
  const final = await simulate(clients(workload.finalGenerator!(main)), { concurrency: 6, complete });
  const end = main.at(-1)!.time;
  return [...main, ...final.map((o) => ({ ...o, index: o.index + main.length, time: o.time + end, process: (o.process as number) + 100 }))];
}

describe('the list-append workload', () => {
  it('issues txns of 1..4 micro-ops with values unique per key, retiring keys after 32 appends', async () => {
    const history = await run();
    const invokes = history.filter((o) => o.type === 'invoke');
    const appends = invokes.flatMap((o) => (o.value as [string, number, unknown][]).filter((m) => m[0] === 'append'));
    expect(appends.length).toBeGreaterThan(500);
    expect(new Set(appends.map(([, k, v]) => `${k}:${String(v)}`)).size).toBe(appends.length);
    const perKey = new Map<number, number>();
    for (const [, k] of appends) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    expect(Math.max(...perKey.values())).toBe(32);
    expect(perKey.size).toBeGreaterThan(DEFAULT_LIST_APPEND.activeKeys);
    const lengths = new Set(invokes.filter((o) => (o.process as number) < 100).map((o) => (o.value as unknown[]).length));
    expect([...lengths].sort()).toEqual([1, 2, 3, 4]);
    expect(collectTransactions(history).okReads).toBeGreaterThan(0);
  });

  it('is strict-serializable against a serial store, and caught when reads come from a lagging copy', async () => {
    const check = composeCheckers(listAppendCheckers({ consistencyModels: ['strict-serializable'] }));
    const ok = await check(await run(), {});
    expect(ok.valid).toBe(true);
    const stale = (await check(await run((i) => (i % 7 === 3 ? 3 : undefined)), {})) as { valid: unknown; results: Record<string, { not: string[]; alsoNot: string[] }> };
    expect(stale.valid).toBe(false);
    expect([...stale.results.cycle!.not, ...stale.results.cycle!.alsoNot]).toContain('strict-serializable');
  });

  it('its client sends one txn and fills in the reads, [] for a key never appended to', async () => {
    const client = await listAppendWorkload(fakeDb, {} as DbContext, options).open('n1');
    const invoke = { index: 0, time: 0, process: 0, type: 'invoke' as const, f: 'txn', value: [['append', 1, 1], ['append', 1, 2], ['r', 1, null], ['r', 2, null]] };
    expect(await client.invoke(invoke)).toEqual({ type: 'ok', value: [['append', 1, 1], ['append', 1, 2], ['r', 1, [1, 2]], ['r', 2, []]] });
  });

  it('refuses a db without transactions, naming it', () => {
    expect(() => listAppendWorkload({ name: 'plain' } as Db, {} as DbContext, options)).toThrow('db "plain" cannot run the list-append workload; expected a db with transactions');
  });
});
