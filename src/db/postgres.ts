// PostgreSQL 15 as a db (Debian's postgresql-15): n1 starts as the primary, the other nodes as its
// streaming standbys (asynchronous, or synchronous with ANY 1 over the standbys), or a single server
// under --postgres-replication none. Clients (node-postgres) find the primary by asking every node
// pg_is_in_recovery(), their own node's answer first, and stay with it until it fails them.
//
//   list-append, rw-register, bank, register: one transaction each, BEGIN ISOLATION LEVEL <--isolation>
//   (postgres-sql.ts has the statements and how errors become outcomes)
//   reads of the register workload under --postgres-reads replicas: on a standby (may be stale)
//
// Failover is faultline's own (postgres-failover.ts: the decision and its fencing, after the fact):
// PostgreSQL promotes a standby only when told to (pg_promote), and Debian's Patroni would need a
// DCS (etcd) on the same nodes, whose own faults would blur what the test is about. The monitor
// runs on the controller from the first time the cluster is ready until no node runs.
//
// What PostgreSQL promises (its manual, chapter 13.2 "Transaction Isolation"): read committed sees
// a new snapshot per statement (lost updates, read skew, G2 all allowed); repeatable read is
// snapshot isolation (a concurrent update of a row it wrote fails with 40001; write skew allowed);
// serializable is SSI, serializable for committed transactions (failures come back as 40001). These
// hold on one server: a failover under async replication may lose acknowledged transactions.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import type { BankDb, DataFilesDb, DbContext, RegisterDb, RwRegisterDb, TxnDb } from './db.js';
import { hbaConf, postgresConf, type PostgresIsolation, type PostgresReplication } from './postgres-config.js';
import { note, openLink, probe } from './postgres-link.js';
import { Links } from './postgres-links.js';
import { FailoverMonitor } from './postgres-monitor.js';
import { listAppendTxn, pgBank, pgRegister, rwRegisterTxn, SCHEMA } from './postgres-sql.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';

/** PostgreSQL's knobs, declared for the CLI and test.json. */
export const postgresOptions = {
  replication: option.oneOf<PostgresReplication>(['none', 'async', 'sync'], {
    default: 'async', flag: 'postgres-replication',
    help: 'none (one server: --nodes 1), async (streaming standbys) or sync (a commit waits for ANY 1 standby to flush it)',
  }),
  failover: option.boolean({
    default: true, flag: 'postgres-failover',
    help: "faultline's failover monitor: promotes the most advanced standby when the primary is lost, and rewinds an old primary into a standby",
  }),
  failoverAfterMs: option.integer({
    min: 500, max: 600_000, default: 5000, flag: 'postgres-failover-after-ms',
    help: 'how long the primary must seem lost (unreachable, or no standby receiving from it) before a standby is promoted',
  }),
  reads: option.oneOf<'primary' | 'replicas'>(['primary', 'replicas'], {
    default: 'primary', flag: 'postgres-reads',
    help: "where the register workload's reads go: the primary, or a standby (may be stale; repeatable read there at most); transactions always go to the primary",
  }),
  isolation: option.oneOf<PostgresIsolation>(['read-committed', 'repeatable-read', 'serializable'], {
    default: 'serializable', flag: 'isolation',
    help: 'the isolation level of every transaction (BEGIN ISOLATION LEVEL ...)',
  }),
};

/** The resolved values of postgresOptions. */
export type PostgresOptions = OptionValues<typeof postgresOptions>;

/** Refuses a topology that cannot be what it says. */
export function assertTopology(replication: PostgresReplication, nodeCount: number): void {
  if (replication === 'none' && nodeCount !== 1) {
    throw new Error(`postgres: --postgres-replication none is one server, but --nodes is ${nodeCount}; expected --nodes 1 (the other nodes would run servers no client uses, and faults on them would test nothing)`);
  }
  if (replication !== 'none' && nodeCount < 2) throw new Error(`postgres: --postgres-replication ${replication} needs a standby, but --nodes is ${nodeCount}; expected --nodes 2 or more, or --postgres-replication none`);
}

export function postgresDb(given: Partial<PostgresOptions> = {}): TxnDb & RwRegisterDb & BankDb & RegisterDb & PrimaryDb & DataFilesDb {
  const options = resolveOptions(postgresOptions, given, { nodeCount: 1 }, 'db postgres');
  const monitor = new FailoverMonitor(options);
  const connect = (ctx: DbContext, node: string) => new Links(ctx, node, options.isolation);

  const db: TxnDb & RwRegisterDb & BankDb & RegisterDb & PrimaryDb & DataFilesDb = {
    name: 'postgres',
    // start() keeps the data directory (a restart recovers from it); the conf files live beside it.
    dataFiles: ['base/**', 'global/*', 'pg_wal/*', 'pg_xact/*'],
    ...(options.reads === 'replicas' && { staleReads: true }),

    async start(node, ctx) {
      assertTopology(options.replication, ctx.runtime.nodes.length);
      const host = hostOf(ctx, node, 'postgres');
      const nodeDir = ctx.nodeDir(node);
      const dataDir = join(nodeDir, 'data');
      mkdirSync(nodeDir, { recursive: true });
      const conf = join(nodeDir, 'postgresql.conf');
      const hba = join(nodeDir, 'pg_hba.conf');
      writeFileSync(conf, postgresConf(host, node, ctx.runtime.nodes, options.replication));
      writeFileSync(hba, hbaConf());
      const [mode, upstream] = await startMode(node, ctx, existsSync(join(dataDir, 'PG_VERSION')), options.failover ? monitor.primary : undefined);
      note(ctx, node, `starting as ${mode}${upstream ? ` of ${upstream}` : ''}`);
      await ctx.runtime.spawn(node, {
        command: 'faultline-postgres-node',
        args: [dataDir, conf, hba, mode, ...(upstream ? [hostOf(ctx, upstream, 'postgres')] : [])],
        image: 'postgres',
        dataDir,
      }, nodeLog(ctx, node));
      monitor.resume(ctx);
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      // Ready when every node answers, one node is the primary, and every standby streams from it.
      await awaitNodes(nodes, ctx, deadlineMs, async (node) => {
        const views = await Promise.all(ctx.runtime.nodes.map((n) => probe(ctx, n)));
        const primaries = views.filter((v) => v.reachable && v.inRecovery === false);
        const me = views.find((v) => v.node === node)!;
        if (!me.reachable) return `${node} does not answer`;
        if (primaries.length !== 1) return primaries.length === 0 ? 'no node is the primary' : `${primaries.map((p) => p.node).join(' and ')} are both primaries`;
        const primary = primaries[0]!.node;
        if (me.inRecovery && !(me.receiving && me.upstream === hostOf(ctx, primary, 'postgres'))) return `${node} is not streaming from the primary ${primary}`;
        return true;
      });
      const primary = (await db.primaries(ctx))[0]!;
      const link = await openLink(ctx, primary, 10_000);
      try {
        for (const statement of SCHEMA) await link.query(statement);
      } finally {
        await link.end();
      }
      monitor.resume(ctx, true);
    },

    async primaries(ctx) {
      const views = await Promise.all(ctx.runtime.nodes.map((n) => probe(ctx, n)));
      return views.filter((v) => v.reachable && v.inRecovery === false).map((v) => v.node);
    },

    async openTxn(node, ctx) {
      const links = connect(ctx, node);
      return { txn: (mops) => links.withPrimary((link) => listAppendTxn(link, options.isolation, mops)), close: () => links.close() };
    },

    async openRwRegister(node, ctx) {
      const links = connect(ctx, node);
      return { txn: (mops) => links.withPrimary((link) => rwRegisterTxn(link, options.isolation, mops)), close: () => links.close() };
    },

    async openBank(node, ctx) {
      const links = connect(ctx, node);
      const bank = pgBank(links.primaryLink, options.isolation);
      return {
        createAccounts: (b) => links.guard('primary', () => bank.createAccounts(b)),
        transfer: (f, t, a) => links.guard('primary', () => bank.transfer(f, t, a)),
        read: (a) => links.guard('primary', () => bank.read(a)),
        close: () => links.close(),
      };
    },

    async openRegister(node, ctx) {
      const links = connect(ctx, node);
      const readsFrom = options.reads === 'replicas' ? 'standby' : 'primary';
      // "The strictest isolation level currently supported in hot standby mode is repeatable read" (PostgreSQL 15 manual, 27.4.1).
      const readIsolation = readsFrom === 'standby' && options.isolation === 'serializable' ? 'repeatable-read' : options.isolation;
      const register = pgRegister(links.primaryLink, readsFrom === 'standby' ? links.standbyLink : links.primaryLink, options.isolation, readIsolation);
      return {
        read: (k) => links.guard(readsFrom, () => register.read(k)),
        write: (k, v) => links.guard('primary', () => register.write(k, v)),
        cas: (k, f, t) => links.guard('primary', () => register.cas(k, f, t)),
        close: () => links.close(),
      };
    },
  };
  return db;
}

/**
 * How a node starts: from nothing (the first primary, or a replica), or from its data. With failover,
 * a node the monitor does not take for the primary follows the one it does (an old primary's data is
 * rewound first), even if that one is down now; else it resumes as its data says. Without a monitor's
 * choice (failover off, or before the cluster was first ready) it follows any other primary found.
 */
async function startMode(node: string, ctx: DbContext, hasData: boolean, chosen: string | undefined): Promise<[mode: string, upstream?: string]> {
  const first = ctx.runtime.nodes[0]!;
  if (chosen !== undefined) {
    if (chosen === node) return hasData ? ['resume'] : ['primary'];
    return hasData ? ['follow', chosen] : ['replica', chosen];
  }
  const others = ctx.runtime.nodes.filter((n) => n !== node);
  const primaries = hasData || node !== first ? (await Promise.all(others.map((n) => probe(ctx, n)))).filter((v) => v.reachable && v.inRecovery === false) : [];
  const newest = primaries.sort((a, b) => (b.timeline ?? 0) - (a.timeline ?? 0))[0]?.node;
  if (!hasData) return node === first && newest === undefined ? ['primary'] : ['replica', newest ?? first];
  return newest !== undefined ? ['follow', newest] : ['resume'];
}

/** PostgreSQL, as --db postgres names it. */
export default defineDb({
  name: 'postgres',
  description: "PostgreSQL 15 (Debian's postgresql-15): a primary with streaming standbys (async or sync), faultline's failover monitor",
  options: postgresOptions,
  runtimes: ['docker'],
  validate: (options, { nodeCount }) => assertTopology(options.replication, nodeCount),
  describe: (options) => [
    options.replication !== 'async' ? options.replication : '',
    options.isolation,
    options.failover ? '' : 'no-failover',
    options.reads === 'replicas' ? 'replica-reads' : '',
  ].filter(Boolean),
  create: (options) => postgresDb(options),
});
