// The register workload: reads, writes and compare-and-sets on independent keys, checked for
// linearizability per key.
//
//   { f: 'read',  value: [k, null] }      -> ok  [k, v | null]
//   { f: 'write', value: [k, v] }         -> ok  [k, v]
//   { f: 'cas',   value: [k, [from, to]] } -> ok | fail (the register did not hold `from`; no cas where the db lacks it)
//
// Each key gets `opsPerKey` ops from a group of processes, one process per node, so a key sees
// concurrent ops through every node. Final reads, after healing, read every key from every node.
import { convergence } from '../checkers/convergence.js';
import { linearizable } from '../checkers/linearizable/index.js';
import { defineWorkload } from '../src/define/workload.js';
import { option } from '../src/define/options.js';
import type { Checker } from '../src/checker.js';
import { lacksCas, supportsRegister, type Db, type DbContext, type RegisterConnection } from '../src/db-contract.js';
import { eachThread, limit, mix, stagger, type Gen, type OpTemplate } from '../src/generator.js';
import { independentKeys } from '../src/independent.js';
import type { History, Op } from '../src/op.js';
import { failedResult, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';

export interface RegisterOptions extends WorkloadOptions {
  /** Ops on each key before its group moves on to a fresh key. */
  opsPerKey: number;
  /** Values are drawn from 0..valueRange-1, so cas has a fair chance to succeed. */
  valueRange: number;
}

type RegisterValue = [number, unknown];

/** Creates the register workload against a db that can serve registers. */
export function registerWorkload(db: Db, dbCtx: DbContext, options: RegisterOptions): Workload {
  if (!supportsRegister(db)) {
    throw new Error(`db "${db.name}" does not support the register workload; expected a db with registers (bundled, etcd, ...)`);
  }
  const groupSize = Math.min(options.nodes.length, options.concurrency);
  const value = (ctx: { random: { int(n: number): number } }) => ctx.random.int(options.valueRange);
  const opsOnOneKey = (): Gen =>
    limit(options.opsPerKey, mix([
      () => ({ f: 'read', value: null }),
      (ctx) => ({ f: 'write', value: value(ctx) }),
      // A db whose registers cannot cas would only fill the history with certain failures.
      ...(lacksCas(db) ? [] : [(ctx: { random: { int(n: number): number } }) => ({ f: 'cas', value: [value(ctx), value(ctx)] })]),
    ]));
  return {
    name: 'register',
    generator: stagger(1e9 / options.rate, independentKeys(groupSize, opsOnOneKey)),
    finalGenerator: (history) => eachThread(finalReads(history)),
    open: async (node) => registerClient(await db.openRegister(node, dbCtx), node),
  };
}

/** The register workload's checkers: linearizability of every key (the report names each bad one) against a cas-register. */
export function registerCheckers(options: { checkTimeoutMs: number }): Record<string, Checker> {
  return { linearizable: linearizable({ model: 'cas-register', timeoutMs: options.checkTimeoutMs, exhaustive: true }) };
}

/** One read of every key the history touched. */
function finalReads(history: Iterable<Op>): OpTemplate[] {
  const keys = new Set<number>();
  for (const op of history) {
    if (op.type === 'invoke' && op.process !== 'nemesis' && Array.isArray(op.value)) keys.add(op.value[0] as number);
  }
  return [...keys].sort((a, b) => a - b).map((k) => ({ f: 'read', value: [k, null] }));
}

function registerClient(conn: RegisterConnection, node: string): Client {
  return {
    async invoke(op: Op): Promise<ClientResult> {
      const [key, arg] = op.value as RegisterValue;
      try {
        switch (op.f) {
          case 'read':
            return { type: 'ok', value: [key, await conn.read(String(key))] };
          case 'write':
            await conn.write(String(key), arg);
            return { type: 'ok', value: op.value };
          case 'cas': {
            const [from, to] = arg as [unknown, unknown];
            return { type: (await conn.cas(String(key), from, to)) ? 'ok' : 'fail', value: op.value };
          }
          default:
            return { type: 'fail', value: op.value, error: `register client cannot do f="${op.f}" on ${node}; expected read | write | cas` };
        }
      } catch (err) {
        return failedResult(op, err, op.f === 'read');
      }
    },
    close: () => conn.close(),
  };
}

/** The register workload, as --workload register names it. */
export default defineWorkload({
  name: 'register',
  description: 'reads, writes and compare-and-sets on independent keys, checked for linearizability per key',
  options: { opsPerKey: option.integer({ min: 1, max: 1_000_000, default: 100, flag: 'ops-per-key', help: 'ops on each key before its group of processes moves to a fresh one' }) },
  needs: ['register'],
  keyGroups: true,
  create: (ctx) => registerWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, opsPerKey: ctx.options.opsPerKey, valueRange: 5 }),
  checkers: (ctx) => ({
    ...registerCheckers({ checkTimeoutMs: ctx.checkTimeoutMs }),
    // Registers without cas change only by writes, so convergence can name lost updates (a write
    // acknowledged after another completed, yet overwritten by it: LWW under clock skew).
    ...(lacksCas(ctx.db) && { convergence: convergence({ type: 'register' }) }),
  }),
});
