// The rw-register workload (Elle's): transactions of register writes and reads over a few keys at a
// time, checked by the rw-register checker (checkers/cycle/rw-register.ts).
//
//   { f: 'txn', value: [['w', k, v], ['r', k, null], ...] }
//     -> ok [['w', k, v], ['r', k, v'], ...] (v' null: never written) | fail | info
//
// Keys are numbers. `activeKeys` are in use at once; a key is retired for a fresh one after
// `maxWritesPerKey` writes. Values are unique per key (1, 2, 3, ... in the order the generator issued
// them), so a read names the transaction that wrote what it saw. A register read does not reveal
// the versions before it, so the checker orders versions from what the user says the database
// guarantees per key (--sequential-keys, --linearizable-keys, --wfr-keys); with none, only the
// initial nil precedes every value. No final reads: as in Elle, they would add wr edges only.
import { consistencyModels } from '../checkers/cycle/consistency-models.js';
import { rwRegister, type RwRegisterOptions } from '../checkers/cycle/rw-register.js';
import type { Checker } from '../src/checker.js';
import { option } from '../src/define/options.js';
import { defineWorkload } from '../src/define/workload.js';
import { randomTxns } from './txn-generator.js';
import { supportsRwRegister, type Db, type DbContext, type RegisterMicroOp, type RwRegisterConnection } from '../src/db-contract.js';
import { op, stagger, type Gen } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { failedResult, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';

export interface RwRegisterWorkloadOptions extends WorkloadOptions {
  activeKeys: number;
  /** Micro-ops per transaction: 1..maxTxnLength, each a read or a write with equal odds. */
  maxTxnLength: number;
  maxWritesPerKey: number;
}

export const DEFAULT_RW_REGISTER = { activeKeys: 5, maxTxnLength: 4, maxWritesPerKey: 32 };

type MicroOp = ['w', number, number] | ['r', number, unknown];

/** Creates the rw-register workload against a db with register transactions. */
export function rwRegisterWorkload(db: Db, dbCtx: DbContext, options: RwRegisterWorkloadOptions): Workload {
  if (!supportsRwRegister(db)) throw new Error(`db "${db.name}" cannot run the rw-register workload; expected a db with register transactions (openRwRegister)`);
  return {
    name: 'rw-register',
    generator: stagger(1e9 / options.rate, randomTxns('w', options)),
    open: async (node) => rwRegisterClient(await db.openRwRegister(node, dbCtx), node),
  };
}

/** The rw-register checker with the models and key guarantees asked for. */
export function rwRegisterCheckers(options: RwRegisterOptions): Record<string, Checker> {
  return { cycle: rwRegister(options) };
}

function rwRegisterClient(conn: RwRegisterConnection, node: string): Client {
  return {
    async invoke(o: Op): Promise<ClientResult> {
      if (o.f !== 'txn') return { type: 'fail', value: o.value, error: `rw-register client cannot do f="${o.f}" on ${node}; expected txn` };
      const mops = o.value as MicroOp[];
      try {
        const done = await conn.txn(mops.map(([f, k, v]): RegisterMicroOp => (f === 'r' ? ['r', String(k), null] : ['w', String(k), v])));
        // Keys go back to the numbers the history uses; values are what the store returned.
        return { type: 'ok', value: done.map(([f, , v], i) => [f, mops[i]![1], v ?? null]) };
      } catch (err) {
        return failedResult(o, err, mops.every((m) => m[0] === 'r'));
      }
    },
    close: () => conn.close(),
  };
}

const MODELS = ['auto', ...consistencyModels] as const;

/** The rw-register workload, as --workload rw-register names it. */
export default defineWorkload({
  name: 'rw-register',
  description: "transactions of register writes and reads, checked for Elle's anomalies; version orders from the key guarantees given (sequential, linearizable, writes follow reads)",
  options: {
    activeKeys: option.integer({ min: 1, max: 1000, default: DEFAULT_RW_REGISTER.activeKeys, help: 'keys in use at once' }),
    maxTxnLength: option.integer({ min: 1, max: 64, default: DEFAULT_RW_REGISTER.maxTxnLength, help: 'most micro-ops per transaction (each a read or a write)' }),
    maxWritesPerKey: option.integer({ min: 1, max: 1_000_000, default: DEFAULT_RW_REGISTER.maxWritesPerKey, help: 'writes a key takes before a fresh key replaces it' }),
    consistencyModels: option.list(MODELS, { default: ['auto'], help: 'models the history must satisfy; auto: strict-serializable, or serializable where the database\'s reads may be stale' }),
    sequentialKeys: option.boolean({ default: false, help: 'the database keeps each key sequentially consistent: infer versions from each process\'s order' }),
    linearizableKeys: option.boolean({ default: false, help: 'the database keeps each key linearizable: infer versions from real-time order' }),
    wfrKeys: option.boolean({ default: false, help: 'within a transaction writes follow reads: a read value precedes the value written after it' }),
    initialState: option.oneOf(['empty', 'unknown'], { default: 'empty', help: 'keys start empty (a read of a value nobody wrote is garbage) or unknown (as Elle assumes: it rules nothing out)' }),
  },
  describe: (o) => [...(o.linearizableKeys ? ['linearizable-keys'] : []), ...(o.sequentialKeys ? ['sequential-keys'] : []), ...(o.wfrKeys ? ['wfr-keys'] : [])],
  needs: ['rw-register'],
  create: (ctx) => {
    const { activeKeys, maxTxnLength, maxWritesPerKey } = ctx.options;
    return rwRegisterWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, activeKeys, maxTxnLength, maxWritesPerKey });
  },
  checkers: (ctx) => {
    const o = ctx.options;
    const models = o.consistencyModels.map((m) => (m !== 'auto' ? m : ctx.db.staleReads === true ? 'serializable' : 'strict-serializable'));
    return rwRegisterCheckers({ consistencyModels: models, sequentialKeys: o.sequentialKeys, linearizableKeys: o.linearizableKeys, wfrKeys: o.wfrKeys, initialState: o.initialState });
  },
});
