// The bank workload (Jepsen's bank): accounts created once with known balances, then transfers
// between random accounts and reads of every balance; after healing, every process reads them all.
//
//   { f: 'create',   value: { [account]: balance } } -> ok | fail | info   (one process, until ok, before any transfer)
//   { f: 'transfer', value: { from, to, amount } }   -> ok | fail (from held less than amount) | info
//   { f: 'read',     value: null }                   -> ok { [account]: balance }
//
// Checked by the bank checker: every read must sum to the total the accounts were created with and
// show no negative balance. Where the db has transactions (bundled raft and primary) a transfer and
// a read are each one transaction, and the total holds under any fault (primary loses whole
// transfers on failover, which keeps the total: list-append is what catches it). Where it has only
// counters (bundled quorum) a transfer is a saga (src/db/bank-saga.ts): reads see money in flight
// and faults make the total drift for good, so expect wrong totals, and negative balances.
import { bank } from '../checkers/bank.js';
import type { Checker } from '../src/checker.js';
import { defineWorkload } from '../src/define/workload.js';
import { supportsBank, type BankConnection, type Db, type DbContext } from '../src/db-contract.js';
import { eachThread, mix, onThreads, phases, repeat, sleep, stagger, untilOk } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { failedResult, FINAL_QUIESCE_S, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';

export interface BankShape {
  /** Accounts are named 0..accounts-1. */
  accounts: number;
  /** What every account holds when created; the total is accounts x initialBalance. */
  initialBalance: number;
}

export interface BankWorkloadOptions extends WorkloadOptions, BankShape {
  /** Transfers move 1..maxTransfer. */
  maxTransfer: number;
  /** Seconds to wait after healing before the final reads. */
  quiesceS: number;
}

export const DEFAULT_BANK: BankShape & { maxTransfer: number } = { accounts: 5, initialBalance: 20, maxTransfer: 5 };

interface Transfer {
  from: number;
  to: number;
  amount: number;
}

/** Creates the bank workload against a db that can run it. */
export function bankWorkload(db: Db, dbCtx: DbContext, options: BankWorkloadOptions): Workload {
  if (!supportsBank(db)) {
    throw new Error(`db "${db.name}" cannot run the bank workload; expected a db with transactions or counters (bundled in mode raft, primary or quorum, or etcd)`);
  }
  const accounts = accountNames(options);
  const balances = Object.fromEntries(accounts.map((a) => [a, options.initialBalance]));
  const transfer = (ctx: { random: { int(n: number): number } }) => {
    const from = ctx.random.int(options.accounts);
    const to = (from + 1 + ctx.random.int(options.accounts - 1)) % options.accounts;
    return { f: 'transfer', value: { from, to, amount: 1 + ctx.random.int(options.maxTransfer) } satisfies Transfer };
  };
  // One process creates the accounts (a retry after an indefinite failure is harmless), then everyone starts.
  const create = onThreads((t) => t === 0, untilOk(repeat({ f: 'create', value: balances })));
  return {
    name: 'bank',
    generator: phases(create, stagger(1e9 / options.rate, mix([transfer, () => ({ f: 'read', value: null })]))),
    finalGenerator: () => eachThread([sleep(options.quiesceS * 1e9), { f: 'read', value: null }]),
    open: async (node) => bankClient(await db.openBank(node, dbCtx), accounts, node),
  };
}

/** The bank workload's checker: the known total in every read, every account present, none negative. */
export function bankCheckers(shape: BankShape = DEFAULT_BANK): Record<string, Checker> {
  return { bank: bank({ total: shape.accounts * shape.initialBalance, accounts: accountNames(shape) }) };
}

function accountNames(shape: BankShape): string[] {
  if (shape.accounts < 2) throw new Error(`the bank needs at least 2 accounts; got ${shape.accounts}`);
  return Array.from({ length: shape.accounts }, (_, i) => String(i));
}

function bankClient(conn: BankConnection, accounts: readonly string[], node: string): Client {
  return {
    async invoke(o: Op): Promise<ClientResult> {
      try {
        switch (o.f) {
          case 'create':
            await conn.createAccounts(o.value as Record<string, number>);
            return { type: 'ok', value: o.value };
          case 'transfer': {
            const { from, to, amount } = o.value as Transfer;
            if (await conn.transfer(String(from), String(to), amount)) return { type: 'ok', value: o.value };
            return { type: 'fail', value: o.value, error: `account ${from} holds less than ${amount}` };
          }
          case 'read':
            return { type: 'ok', value: await conn.read(accounts) };
          default:
            return { type: 'fail', value: o.value, error: `bank client cannot do f="${o.f}" on ${node}; expected create | transfer | read` };
        }
      } catch (err) {
        return failedResult(o, err, o.f === 'read');
      }
    },
    close: () => conn.close(),
  };
}

/** The bank workload, as --workload bank names it. */
export default defineWorkload({
  name: 'bank',
  description: "Jepsen's bank: transfers between 5 accounts of 20 and reads of every balance; the total stays 100 and no balance goes negative",
  needs: ['bank'],
  create: (ctx) => bankWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, ...DEFAULT_BANK, quiesceS: FINAL_QUIESCE_S }),
  checkers: () => bankCheckers(DEFAULT_BANK),
});
