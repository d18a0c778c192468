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
import { existsSync, mkdirSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import type { BankDb, DataFilesDb, DbContext, RegisterDb, RwRegisterDb, TxnDb } from './db.js';
import { OpFailure } from './db.js';
import { hbaConf, postgresConf, POSTGRES_PORT, type PostgresIsolation, type PostgresReplication } from './postgres-config.js';
import { conninfoHost, decideFailover, INITIAL_FAILOVER_STATE, parseLsn, type FailoverAction, type FailoverState, type NodeView } from './postgres-failover.js';
import { listAppendTxn, pgBank, pgRegister, rwRegisterTxn, SCHEMA, type PgLink } from './postgres-sql.js';
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

/** A standby counts as receiving while its upstream was heard from this recently (the primary sends keepalives every 1.5 s). */
const RECEIVING_WINDOW_S = 4;
const MONITOR_INTERVAL_MS = 500;
/** A node asked to rejoin is not asked again for this long (it stops, rewinds, starts). */
const FOLLOW_BACKOFF_MS = 15_000;

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

/** A short-lived connection for the monitor and setup. */
async function openLink(ctx: DbContext, node: string, timeoutMs: number): Promise<PgLink & { end(): Promise<void> }> {
  const client = new pg.Client({
    host: hostOf(ctx, node, 'postgres'), port: POSTGRES_PORT, user: 'postgres', database: 'postgres',
    connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs, keepAlive: true,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    destroy(client);
    throw err;
  }
  return {
    node,
    query: (text, params) => client.query(text, params as unknown[] | undefined),
    end: async () => destroy(client),
  };
}

function destroy(client: pg.Client): void {
  // end() waits for the server's goodbye, which a paused node never sends: drop the socket too.
  client.end().catch(() => undefined);
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

const PROBE = `SELECT pg_is_in_recovery() AS recovery,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS walfile,
  (SELECT status FROM pg_stat_wal_receiver) AS receiver,
  (SELECT received_tli FROM pg_stat_wal_receiver) AS received_tli,
  (SELECT extract(epoch FROM now() - last_msg_receipt_time) FROM pg_stat_wal_receiver)::float8 AS heard_s,
  (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli,
  current_setting('primary_conninfo') AS conninfo,
  COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text AS lsn`;

/** What a node says of itself; unreachable when it does not answer within a second. */
async function probe(ctx: DbContext, node: string): Promise<NodeView> {
  let link: Awaited<ReturnType<typeof openLink>> | undefined;
  try {
    link = await openLink(ctx, node, 1000);
    const row = (await link.query(PROBE)).rows[0]!;
    const recovery = row['recovery'] === true;
    const walfile = row['walfile'] as string | null;
    const timeline = walfile ? parseInt(walfile.slice(0, 8), 16) : Number(row['received_tli'] ?? row['checkpoint_tli'] ?? 0);
    const heard = row['heard_s'] as number | null;
    const lsn = parseLsn(row['lsn'] as string | null);
    const upstream = recovery ? conninfoHost(row['conninfo'] as string) : undefined;
    return {
      node, reachable: true, inRecovery: recovery, timeline,
      ...(recovery && { receiving: row['receiver'] === 'streaming' && heard !== null && heard < RECEIVING_WINDOW_S }),
      ...(upstream !== undefined && { upstream }),
      ...(lsn !== undefined && { lsn }),
    };
  } catch {
    return { node, reachable: false };
  } finally {
    await link?.end();
  }
}

/** A line in the node's log from faultline's side (start modes, failover actions). */
function note(ctx: DbContext, node: string, line: string): void {
  try {
    appendFileSync(nodeLog(ctx, node), `${new Date().toISOString()} faultline: ${line}\n`);
  } catch {
    // The log is for people; a missing directory must not fail a start or a failover.
  }
}

/**
 * A client's connections: one to the primary (found by asking every node, its own first), and one
 * to a standby for reads that may go there. A connection that fails in a way that may leave it
 * unusable (a lost connection, a timeout, a read-only error on a demoted primary) is dropped; the
 * next op finds the primary again.
 */
class Links {
  private readonly current: Partial<Record<'primary' | 'standby', Promise<PgLink & { end(): Promise<void> }>>> = {};
  private closed = false;

  constructor(private readonly ctx: DbContext, private readonly node: string, readonly isolation: PostgresIsolation) {}

  readonly primaryLink = (): Promise<PgLink> => this.link('primary');
  readonly standbyLink = (): Promise<PgLink> => this.link('standby');

  /** Runs an op on the primary's link, dropping the link when the op failed in a way that may have broken it. */
  withPrimary<T>(op: (link: PgLink) => Promise<T>): Promise<T> {
    return this.guard('primary', async () => op(await this.link('primary')));
  }

  async guard<T>(role: 'primary' | 'standby', op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      // A server error that leaves the session fine (a serialization failure) keeps the link.
      if (!(err instanceof OpFailure) || !/SQLSTATE (40001|40P01|23505)\)/.test(err.message)) this.drop(role);
      throw err;
    }
  }

  private link(role: 'primary' | 'standby'): Promise<PgLink & { end(): Promise<void> }> {
    if (this.closed) return Promise.reject(new OpFailure(`the postgres client of ${this.node} is closed`, true));
    const existing = this.current[role];
    if (existing) return existing;
    const opened = this.open(role);
    this.current[role] = opened;
    opened.catch(() => {
      if (this.current[role] === opened) delete this.current[role];
    });
    return opened;
  }

  private async open(role: 'primary' | 'standby'): Promise<PgLink & { end(): Promise<void> }> {
    const nodes = this.ctx.runtime.nodes;
    const ordered = [this.node, ...nodes.filter((n) => n !== this.node)];
    const views = await Promise.all(ordered.map((n) => probe(this.ctx, n)));
    const wanted = views.filter((v) => v.reachable && v.inRecovery === (role === 'standby'));
    if (wanted.length === 0) throw new OpFailure(`no node answers as ${role === 'primary' ? 'the primary' : 'a standby'} (asked ${ordered.join(', ')}): nothing sent`, true);
    const target = wanted[0]!.node;
    // Each statement gets the op's time, so a paused or cut-off server cannot hold the client beyond it.
    const timeoutMs = Math.max(500, this.ctx.test.opTimeoutMs);
    try {
      return await openLink(this.ctx, target, timeoutMs);
    } catch (err) {
      throw new OpFailure(`cannot connect to ${target}: ${err instanceof Error ? err.message : String(err)}: nothing sent`, true);
    }
  }

  private drop(role: 'primary' | 'standby'): void {
    const link = this.current[role];
    delete this.current[role];
    void link?.then((l) => l.end(), () => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop('primary');
    this.drop('standby');
  }
}

/**
 * The failover monitor's loop: probes every node, asks decideFailover, carries its actions out.
 * It runs from the first readiness until no node runs (the run's teardown), and again when a node starts.
 */
class FailoverMonitor {
  private state: FailoverState = INITIAL_FAILOVER_STATE;
  private running = false;
  private ready = false;
  private readonly lastFollowMs = new Map<string, number>();

  constructor(private readonly options: PostgresOptions) {}

  /** The node the monitor takes for the primary (undefined before it first looked, and without failover). */
  get primary(): string | undefined {
    return this.options.failover ? this.state.primary : undefined;
  }

  /** Called at every start and readiness: the loop runs once the cluster was ready once. */
  resume(ctx: DbContext, readiness = false): void {
    if (this.options.replication === 'none') return;
    // Only readiness switches the monitor on: before it, standbys are still copying the primary.
    if (!this.ready && !readiness) return;
    this.ready = true;
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      if (!ctx.runtime.nodes.some((n) => safeRunning(ctx, n))) {
        this.running = false;
        return;
      }
      await this.round(ctx).catch(() => undefined);
      setTimeout(() => void loop(), MONITOR_INTERVAL_MS).unref();
    };
    setTimeout(() => void loop(), MONITOR_INTERVAL_MS).unref();
  }

  private async round(ctx: DbContext): Promise<void> {
    const settings = {
      enabled: this.options.failover,
      failoverAfterMs: this.options.failoverAfterMs,
      stuckAfterMs: 10_000,
      hostOf: (n: string) => hostOf(ctx, n, 'postgres'),
    };
    const look = async () => decideFailover(this.state, await Promise.all(ctx.runtime.nodes.map((n) => probe(ctx, n))), Date.now(), settings);
    let { state, actions } = await look();
    // A promotion is asked twice: the old primary may have just come back (a resume), and the
    // candidate must be the most advanced standby as things are now, not as they were a round ago.
    const promote = actions.find((a) => a.kind === 'promote');
    if (promote) {
      ({ state, actions } = await look());
      if (actions.find((a) => a.kind === 'promote')?.node !== promote.node) return;
    }
    this.state = state;
    for (const action of actions) await this.act(ctx, action).catch((err: unknown) => note(ctx, action.node, `failover: ${action.kind} failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async act(ctx: DbContext, action: FailoverAction): Promise<void> {
    if (action.kind === 'follow') {
      const last = this.lastFollowMs.get(action.node);
      if (last !== undefined && Date.now() - last < FOLLOW_BACKOFF_MS) return;
      this.lastFollowMs.set(action.node, Date.now());
      note(ctx, action.node, `failover: asking ${action.node} to rejoin as a standby of ${action.primary} (${action.why})`);
      writeFileSync(join(ctx.nodeDir(action.node), 'follow'), hostOf(ctx, action.primary, 'postgres'));
      return;
    }
    const link = await openLink(ctx, action.node, 10_000);
    try {
      if (action.kind === 'promote') {
        note(ctx, action.node, `failover: promoting ${action.node} (${action.why})`);
        await link.query('SELECT pg_promote(true, 10)');
      } else {
        note(ctx, action.node, `failover: pointing ${action.node} at ${action.primary} (${action.why})`);
        const conninfo = `host=${hostOf(ctx, action.primary, 'postgres')} port=${POSTGRES_PORT} user=postgres application_name=${action.node} connect_timeout=2`;
        await link.query(`ALTER SYSTEM SET primary_conninfo = '${conninfo.replace(/'/g, "''")}'`);
        await link.query('SELECT pg_reload_conf()');
      }
    } finally {
      await link.end();
    }
  }
}

function safeRunning(ctx: DbContext, node: string): boolean {
  try {
    return ctx.runtime.isRunning(node);
  } catch {
    return false;
  }
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
