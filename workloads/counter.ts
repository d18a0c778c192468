// The counter workload: clients add small positive amounts to counters and read them, on
// independent keys; after healing and a quiet period, every node reads every key.
//
//   { f: 'add',  value: [k, n] }    -> ok | fail | info      (n in 1..5)
//   { f: 'read', value: [k, null] } -> ok [k, x]
//
// Checked per key by the counter checker (every read within the bounds the adds imply: Jepsen's,
// so a replica that serves a stale value mid-run is caught too) and, across nodes, by convergence
// (the final reads agree, and equal the ok adds plus some subset of the indeterminate ones).
import { convergence } from '../checkers/convergence.js';
import { checkCounter } from '../checkers/counter.js';
import type { Checker } from '../src/checker.js';
import { option } from '../src/define/options.js';
import { defineWorkload } from '../src/define/workload.js';
import { supportsCounter, type CounterConnection, type Db, type DbContext } from '../src/db-contract.js';
import { eachThread, limit, mix, sleep, stagger } from '../src/generator.js';
import { independentKeys } from '../src/independent.js';
import type { Op } from '../src/op.js';
import { failedResult, FINAL_QUIESCE_S, type Client, type ClientResult, type Workload } from '../src/workload.js';
import { perKey } from '../checkers/per-key.js';
import { finalReads, type SetWorkloadOptions } from './set.js';

export type CounterWorkloadOptions = SetWorkloadOptions;

/** Creates the counter workload against a db that can serve counters. */
export function counterWorkload(db: Db, dbCtx: DbContext, options: CounterWorkloadOptions): Workload {
  if (!supportsCounter(db)) throw new Error(`db "${db.name}" cannot run the counter workload; expected a db with counters (bundled in mode raft, primary, quorum or crdt)`);
  const groupSize = Math.min(options.nodes.length, options.concurrency);
  return {
    name: 'counter',
    generator: stagger(1e9 / options.rate, independentKeys(groupSize, () => limit(options.opsPerKey, mix([
      (ctx) => ({ f: 'add', value: 1 + ctx.random.int(5) }),
      () => ({ f: 'read', value: null }),
    ])))),
    finalGenerator: (history) => eachThread([sleep(options.quiesceS * 1e9), ...finalReads(history)]),
    open: async (node) => counterClient(await db.openCounter(node, dbCtx), node),
  };
}

/** The counter workload's checkers: bounds per key and convergence across nodes. */
export function counterCheckers(): Record<string, Checker> {
  return { counter: perKey((history) => checkCounter(history)), convergence: convergence({ type: 'counter' }) };
}

function counterClient(conn: CounterConnection, node: string): Client {
  return {
    async invoke(o: Op): Promise<ClientResult> {
      const [key, amount] = o.value as [number, unknown];
      try {
        switch (o.f) {
          case 'add':
            await conn.add(String(key), amount as number);
            return { type: 'ok', value: o.value };
          case 'read':
            return { type: 'ok', value: [key, await conn.read(String(key))] };
          default:
            return { type: 'fail', value: o.value, error: `counter client cannot do f="${o.f}" on ${node}; expected add | read` };
        }
      } catch (err) {
        return failedResult(o, err, o.f === 'read');
      }
    },
    close: () => conn.close(),
  };
}

/** The counter workload, as --workload counter names it. */
export default defineWorkload({
  name: 'counter',
  description: 'adds to counters and reads them; reads must lie between the acknowledged and the attempted sums',
  options: { opsPerKey: option.integer({ min: 1, max: 1_000_000, default: 100, flag: 'ops-per-key', help: 'ops on each key before its group of processes moves to a fresh one' }) },
  needs: ['counter'],
  keyGroups: true,
  create: (ctx) => counterWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, opsPerKey: ctx.options.opsPerKey, quiesceS: FINAL_QUIESCE_S }),
  checkers: () => counterCheckers(),
});
