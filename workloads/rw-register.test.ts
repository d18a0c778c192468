import { describe, expect, it } from 'vitest';
import { composeCheckers } from '../src/checker.js';
import { rwRegisterConnection } from '../src/db/bundled-txn.js';
import type { Db, DbContext, RwRegisterDb } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { KvOp, KvResponse, TxnMicroOp } from '../src/kv/client.js';
import { commandOf, KvState, replyOf, type TxnCommand } from '../src/kv/kv-state.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import definition, { DEFAULT_RW_REGISTER, rwRegisterCheckers, rwRegisterWorkload } from './rw-register.js';

/** The bundled store's own state machine behind a fake connection: every txn applied atomically when it arrives. */
function memoryCall(state = new KvState()) {
  return Object.assign(async (req: KvOp): Promise<KvResponse> => {
    if (req.op !== 'txn') throw new Error(`unexpected ${req.op}`);
    return { id: 0, ...replyOf(state.apply(commandOf(req))) } as KvResponse;
  }, { close() {} });
}

const fakeDb: RwRegisterDb = { name: 'fake', start: async () => {}, awaitReady: async () => {}, openRwRegister: async () => rwRegisterConnection(memoryCall()) };
const options = { nodes: ['n1', 'n2', 'n3'], concurrency: 6, rate: 1000, ...DEFAULT_RW_REGISTER };
const toStore = (mops: unknown[]): TxnCommand => ({ op: 'txn', ops: (mops as [string, number, unknown][]).map(([f, k, v]) => [f, String(k), f === 'r' ? null : v] as TxnMicroOp) });

/** Runs the workload against a serial in-memory store; `staleFrom(i)` may serve the i-th read-only txn from an older state. */
async function run(staleFrom?: (readIndex: number) => number | undefined): Promise<Op[]> {
  const workload = rwRegisterWorkload(fakeDb, {} as DbContext, options);
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
    const value = result.results!.map(([f, , v], i) => [f, (invoke.value as unknown[][])[i]![1], v ?? null]);
    return { type: 'ok' as const, value };
  };
  return simulate(clients(timeLimit(2e9, workload.generator)), { concurrency: 6, complete });
}

describe('the rw-register workload', () => {
  it('issues txns of 1..4 reads and writes with values unique per key, retiring keys after 32 writes, and no final reads', async () => {
    const history = await run();
    const invokes = history.filter((o) => o.type === 'invoke');
    const writes = invokes.flatMap((o) => (o.value as [string, number, unknown][]).filter((m) => m[0] === 'w'));
    expect(writes.length).toBeGreaterThan(500);
    expect(new Set(writes.map(([, k, v]) => `${k}:${String(v)}`)).size).toBe(writes.length);
    const perKey = new Map<number, number>();
    for (const [, k] of writes) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    expect(Math.max(...perKey.values())).toBe(32);
    expect(perKey.size).toBeGreaterThan(DEFAULT_RW_REGISTER.activeKeys);
    expect(new Set(invokes.map((o) => (o.value as unknown[]).length))).toEqual(new Set([1, 2, 3, 4]));
    expect(rwRegisterWorkload(fakeDb, {} as DbContext, options).finalGenerator).toBeUndefined();
  });

  it('is strict-serializable against a serial store under every key guarantee, and caught when reads come from a lagging copy', async () => {
    const check = composeCheckers(rwRegisterCheckers({ consistencyModels: ['strict-serializable'], linearizableKeys: true, sequentialKeys: true, wfrKeys: true, initialState: 'empty' }));
    const ok = await check(await run(), {});
    expect(ok.valid).toBe(true);
    const stale = (await check(await run((i) => (i % 7 === 3 ? 3 : undefined)), {})) as { valid: unknown; results: Record<string, { not: string[]; alsoNot: string[] }> };
    expect(stale.valid).toBe(false);
    expect([...stale.results.cycle!.not, ...stale.results.cycle!.alsoNot]).toContain('strict-serializable');
  });

  it('stores its key guarantees and models as options, and the checker follows them', () => {
    const serializableDb = { name: 'lagging', staleReads: true } as Db;
    const values = { ...DEFAULT_RW_REGISTER, consistencyModels: ['auto'] as const, sequentialKeys: false, linearizableKeys: true, wfrKeys: false, initialState: 'unknown' as const };
    expect(definition.describe(values)).toEqual(['linearizable-keys']);
    expect(Object.keys(definition.checkers({ options: values, db: serializableDb, checkTimeoutMs: 1000 }))).toEqual(['cycle']);
    expect(definition.options.sequentialKeys!.parse('on', 'sequential-keys')).toBe(true);
    expect(() => definition.options.consistencyModels!.parse('serialisable', 'consistency-models')).toThrow(/names "serialisable", which is not known/);
  });

  it('its client sends one txn and fills in the reads, null for a key never written', async () => {
    const client = await rwRegisterWorkload(fakeDb, {} as DbContext, options).open('n1');
    const invoke = { index: 0, time: 0, process: 0, type: 'invoke' as const, f: 'txn', value: [['w', 1, 1], ['r', 1, null], ['r', 2, null]] };
    expect(await client.invoke(invoke)).toEqual({ type: 'ok', value: [['w', 1, 1], ['r', 1, 1], ['r', 2, null]] });
  });

  it('refuses a db without register transactions, naming it', () => {
    expect(() => rwRegisterWorkload({ name: 'plain' } as Db, {} as DbContext, options)).toThrow('db "plain" cannot run the rw-register workload; expected a db with register transactions');
  });
});
