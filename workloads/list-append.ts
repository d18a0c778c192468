// The list-append workload (Elle's): transactions of appends to and reads of lists, over a few keys
// at a time; after healing, every process reads every key.
//
//   { f: 'txn', value: [['append', k, v], ['r', k, null], ...] }
//     -> ok [['append', k, v], ['r', k, [v1, v2, ...]], ...] | fail | info
//
// Keys are numbers. `activeKeys` are in use at once; a key is retired for a fresh one after
// `maxWritesPerKey` appends, so lists stay short and reads pin down the order of every key's appends.
// Values are unique per key (1, 2, 3, ... in the order the generator issued them), which is what
// lets the cycle checker (checkers/cycle) infer each key's version order from the reads.
import { cycle } from '../checkers/cycle/index.js';
import type { Checker } from '../src/checker.js';
import { defineWorkload } from '../src/define/workload.js';
import { randomTxns } from './txn-generator.js';
import { supportsTxn, type Db, type DbContext, type ListMicroOp, type TxnConnection } from '../src/db-contract.js';
import { eachThread, op, stagger, type Gen, type OpTemplate } from '../src/generator.js';
import type { History, Op } from '../src/op.js';
import { failedResult, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';

export interface ListAppendOptions extends WorkloadOptions {
  activeKeys: number;
  /** Micro-ops per transaction: 1..maxTxnLength, each a read or an append with equal odds. */
  maxTxnLength: number;
  maxWritesPerKey: number;
}

export const DEFAULT_LIST_APPEND = { activeKeys: 5, maxTxnLength: 4, maxWritesPerKey: 32 };

/** Keys read per transaction in the final reads. */
const FINAL_READ_KEYS = 8;

type MicroOp = ['append', number, number] | ['r', number, unknown[] | null];

/** Creates the list-append workload against a db with transactions. */
export function listAppendWorkload(db: Db, dbCtx: DbContext, options: ListAppendOptions): Workload {
  if (!supportsTxn(db)) throw new Error(`db "${db.name}" cannot run the list-append workload; expected a db with transactions (bundled in mode raft or primary, or etcd)`);
  return {
    name: 'list-append',
    generator: stagger(1e9 / options.rate, randomTxns('append', options)),
    finalGenerator: (history) => eachThread(finalReads(history)),
    open: async (node) => listAppendClient(await db.openTxn(node, dbCtx), node),
  };
}

/** The list-append checker: Elle's cycle search against the given consistency models. */
export function listAppendCheckers(options: { consistencyModels: readonly string[] }): Record<string, Checker> {
  return { cycle: cycle({ consistencyModels: options.consistencyModels }) };
}

/** Read-only transactions covering every key the history touched. */
function finalReads(history: Iterable<Op>): OpTemplate[] {
  const keys = new Set<number>();
  for (const o of history) {
    if (o.type !== 'invoke' || o.f !== 'txn' || !Array.isArray(o.value)) continue;
    for (const mop of o.value as MicroOp[]) keys.add(mop[1]);
  }
  const sorted = [...keys].sort((a, b) => a - b);
  const reads: OpTemplate[] = [];
  for (let i = 0; i < sorted.length; i += FINAL_READ_KEYS) {
    reads.push({ f: 'txn', value: sorted.slice(i, i + FINAL_READ_KEYS).map((k): MicroOp => ['r', k, null]) });
  }
  return reads;
}

function listAppendClient(conn: TxnConnection, node: string): Client {
  return {
    async invoke(o: Op): Promise<ClientResult> {
      if (o.f !== 'txn') return { type: 'fail', value: o.value, error: `list-append client cannot do f="${o.f}" on ${node}; expected txn` };
      const mops = o.value as MicroOp[];
      try {
        const done = await conn.txn(mops.map(([f, k, v]): ListMicroOp => (f === 'r' ? ['r', String(k), null] : ['append', String(k), v])));
        // Keys go back to the numbers the history uses; values are what the store returned.
        return { type: 'ok', value: done.map(([f, , v], i) => [f, mops[i]![1], v]) };
      } catch (err) {
        return failedResult(o, err, mops.every((m) => m[0] === 'r'));
      }
    },
    close: () => conn.close(),
  };
}

/** The list-append workload, as --workload list-append names it. */
export default defineWorkload({
  name: 'list-append',
  description: "transactions of appends and reads on lists, checked for Elle's anomalies: strict-serializable, or serializable where the database's reads may be stale",
  needs: ['txn'],
  create: (ctx) => listAppendWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, ...DEFAULT_LIST_APPEND }),
  // A database whose reads may be stale (a replica's prefix) is serializable at best.
  checkers: (ctx) => listAppendCheckers({ consistencyModels: [ctx.db.staleReads === true ? 'serializable' : 'strict-serializable'] }),
});
