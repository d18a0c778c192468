// The set workload: clients add unique elements to sets and read them back, on independent keys;
// after healing and a quiet period, every node reads every key.
//
//   { f: 'add',  value: [k, e] }    -> ok | fail | info      (e: a number unique within key k)
//   { f: 'read', value: [k, null] } -> ok [k, [e, ...]]
//
// Checked per key by set-full (an acknowledged element missing from a read after every read that
// saw it: lost) and, across nodes, by convergence (the final reads must agree, and hold every
// acknowledged element and nothing never added).
import { convergence } from '../checkers/convergence.js';
import { checkSet } from '../checkers/set.js';
import type { Checker } from '../src/checker.js';
import { option } from '../src/define/options.js';
import { defineWorkload } from '../src/define/workload.js';
import { supportsSet, type Db, type DbContext, type SetConnection } from '../src/db-contract.js';
import { eachThread, limit, mix, op, sleep, stagger, type Gen, type OpTemplate } from '../src/generator.js';
import { independentKeys } from '../src/independent.js';
import type { History, Op } from '../src/op.js';
import { failedResult, FINAL_QUIESCE_S, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';
import { perKey } from '../checkers/per-key.js';

export interface SetWorkloadOptions extends WorkloadOptions {
  /** Ops on each key before its group moves on to a fresh key. */
  opsPerKey: number;
  /** Seconds to wait after healing before the final reads, so replicas can converge. */
  quiesceS: number;
}

/** Creates the set workload against a db that can serve sets. */
export function setWorkload(db: Db, dbCtx: DbContext, options: SetWorkloadOptions): Workload {
  if (!supportsSet(db)) throw new Error(`db "${db.name}" cannot run the set workload; expected a db with sets (bundled in mode raft, primary, quorum, quorum-vc or crdt)`);
  const groupSize = Math.min(options.nodes.length, options.concurrency);
  return {
    name: 'set',
    generator: stagger(1e9 / options.rate, independentKeys(groupSize, () => limit(options.opsPerKey, mix([adds(0), () => ({ f: 'read', value: null })])))),
    finalGenerator: (history) => eachThread([sleep(options.quiesceS * 1e9), ...finalReads(history)]),
    open: async (node) => setClient(await db.openSet(node, dbCtx), node),
  };
}

/** The set workload's checkers: set-full per key and convergence across nodes. */
export function setCheckers(): Record<string, Checker> {
  return { set: perKey((history) => checkSet(history)), convergence: convergence({ type: 'set' }) };
}

/** Adds of next, next + 1, ...: each element is new to its key. */
function adds(next: number): Gen {
  return {
    op(ctx) {
      const result = op({ f: 'add', value: next }, ctx);
      return result === null || result === 'pending' ? result : [result[0], adds(next + 1)];
    },
  };
}

/** One read of every key the history touched. */
export function finalReads(history: Iterable<Op>): OpTemplate[] {
  const keys = new Set<number>();
  for (const o of history) if (o.type === 'invoke' && o.process !== 'nemesis' && Array.isArray(o.value)) keys.add(o.value[0] as number);
  return [...keys].sort((a, b) => a - b).map((k) => ({ f: 'read', value: [k, null] }));
}

function setClient(conn: SetConnection, node: string): Client {
  return {
    async invoke(o: Op): Promise<ClientResult> {
      const [key, element] = o.value as [number, unknown];
      try {
        switch (o.f) {
          case 'add':
            await conn.add(String(key), element);
            return { type: 'ok', value: o.value };
          case 'read':
            return { type: 'ok', value: [key, await conn.read(String(key))] };
          default:
            return { type: 'fail', value: o.value, error: `set client cannot do f="${o.f}" on ${node}; expected add | read` };
        }
      } catch (err) {
        return failedResult(o, err, o.f === 'read');
      }
    },
    close: () => conn.close(),
  };
}

/** The set workload, as --workload set names it. */
export default defineWorkload({
  name: 'set',
  description: 'adds unique elements to sets and reads them (set-full and convergence); every acknowledged add must be in the final reads',
  options: { opsPerKey: option.integer({ min: 1, max: 1_000_000, default: 100, flag: 'ops-per-key', help: 'ops on each key before its group of processes moves to a fresh one' }) },
  needs: ['set'],
  keyGroups: true,
  create: (ctx) => setWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, opsPerKey: ctx.options.opsPerKey, quiesceS: FINAL_QUIESCE_S }),
  checkers: () => setCheckers(),
});
