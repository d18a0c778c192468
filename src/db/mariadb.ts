// MariaDB as two dbs on one image (docker/mariadb: Debian's mariadb-server 10.11 and galera-4):
// --db mariadb, a single server, and --db galera, a multi-primary Galera cluster with one server
// per node. Clients (mysql2) talk SQL to their own node; every op is one transaction at the
// --isolation level (mariadb-clients.ts). All data lives in the node's directory, so a killed node
// restarts from it.
//
// How a Galera cluster forms and comes back (start() below; the choices are mariadb-config.ts's):
// - First start: n1 bootstraps a new cluster (--wsrep-new-cluster, as galera_new_cluster does) and
//   makes faultline's user and tables; the others wait for it, then join and get its state (SST by rsync).
// - A killed node restarts with gcomm:// naming every node, and catches up by IST from a donor's
//   gcache, or SST when it is too far behind; its crashed position is recovered first (--wsrep-recover).
// - Every node dead (the kill fault may take a majority or all): Galera's pc.recovery kept the last
//   primary component in each member's gvwstate.dat, and once all those members run again they form
//   it again by themselves and sync from the most advanced one. Where no node kept a gvwstate.dat,
//   the adapter does what Galera's manual says to do by hand: the node marked safe_to_bootstrap in
//   grastate.dat, else the one with the highest seqno, bootstraps (its safe_to_bootstrap set to 1),
//   and the others join it. When no node knows its seqno, the first node bootstraps, and writes any
//   other node committed alone may be lost: the checkers would say so.
// - Not handled: a majority killed and restarted can come back with no primary component (the
//   restarted nodes are new members), and a restarted node then never opens its SQL port; the
//   manual's remedy (stop all, bootstrap the most advanced) is not done, so the run is unrecovered.
// - Until then, and while a partition leaves a node outside the primary component, the node refuses
//   SQL with WSREP not ready (1047): those ops fail definitely.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import type { BankDb, DataFilesDb, DbContext, RegisterDb, RwRegisterDb, TxnDb } from './db.js';
import { bankClient, listAppendClient, registerClient, rwRegisterClient } from './mariadb-clients.js';
import { chooseBootstrap, initSql, ISOLATION_LEVELS, myCnf, parseGrastate, SQL_PORT, SQL_USER, type GraState, type IsolationLevel } from './mariadb-config.js';
import { MariaDbSession } from './mariadb-session.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';

/** A test cluster on a private network; the password only keeps the account from being empty. */
const PASSWORD = 'faultline';

/** Inside the container only: a path in the node's directory could pass the 107 bytes a socket's path may have. */
const SOCKET = '/run/mysqld/mysqld.sock';

/** The options both dbs share. */
export const mariadbOptions = {
  isolation: option.oneOf<IsolationLevel>(ISOLATION_LEVELS, {
    default: 'repeatable-read',
    flag: 'isolation',
    help: 'the isolation level of every transaction (SET SESSION TRANSACTION ISOLATION LEVEL; repeatable-read is MariaDB\'s own default)',
  }),
};

export type MariaDbOptions = OptionValues<typeof mariadbOptions>;

type MariaDb = TxnDb & RwRegisterDb & BankDb & RegisterDb & DataFilesDb;

function paths(ctx: DbContext, node: string) {
  const dir = ctx.nodeDir(node);
  return { dataDir: join(dir, 'data'), socket: SOCKET, pidFile: join(dir, 'mysqld.pid') };
}

function grastateOf(ctx: DbContext, node: string): GraState | undefined {
  const file = join(paths(ctx, node).dataDir, 'grastate.dat');
  return existsSync(file) ? parseGrastate(readFileSync(file, 'utf8')) : undefined;
}

function hasData(ctx: DbContext, node: string): boolean {
  return existsSync(join(paths(ctx, node).dataDir, 'mysql'));
}

/** Writes the node's my.cnf and init SQL, then starts mariadbd through the image's wrapper. */
async function spawnNode(ctx: DbContext, node: string, db: string, cluster: readonly string[] | undefined, init: boolean, args: string[]): Promise<void> {
  const p = paths(ctx, node);
  mkdirSync(p.dataDir, { recursive: true });
  const cnf = join(ctx.nodeDir(node), 'my.cnf');
  writeFileSync(cnf, myCnf({ paths: p, host: hostOf(ctx, node, db), node, ...(cluster && { cluster }) }));
  const sql = join(ctx.nodeDir(node), 'init.sql');
  writeFileSync(sql, initSql(PASSWORD));
  await ctx.runtime.spawn(node, { command: 'faultline-mariadb-node', args: [cnf, init ? sql : '-', ...args], image: 'mariadb', dataDir: p.dataDir }, nodeLog(ctx, node));
}

/** Runs one statement on a node with a short connection; its rows. */
async function probe(ctx: DbContext, node: string, db: string, sql: string): Promise<Record<string, unknown>[]> {
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({ host: hostOf(ctx, node, db), port: SQL_PORT, user: SQL_USER, password: PASSWORD, connectTimeout: 1000 });
  connection.on('error', () => undefined);
  try {
    return (await connection.query({ sql, timeout: 1000 }))[0] as Record<string, unknown>[];
  } finally {
    connection.destroy();
  }
}

/** A Galera node is ready when it is Synced in a primary component: it then takes reads and writes. */
async function galeraState(ctx: DbContext, node: string): Promise<true | string> {
  const rows = await probe(ctx, node, 'galera', "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size')");
  const status = Object.fromEntries(rows.map((r) => [String(r['Variable_name']), String(r['Value'])]));
  if (status['wsrep_ready'] === 'ON' && status['wsrep_cluster_status'] === 'Primary' && status['wsrep_local_state_comment'] === 'Synced') return true;
  return `wsrep_ready ${status['wsrep_ready']}, cluster ${status['wsrep_cluster_status']} of size ${status['wsrep_cluster_size']}, state ${status['wsrep_local_state_comment']}`;
}

/** Waits for the first node to form the cluster; it may not even be spawned yet (all nodes start at once). */
async function awaitFirst(ctx: DbContext, first: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let seenRunning = false;
  for (;;) {
    const answer = await galeraState(ctx, first).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (answer === true) return;
    const running = ctx.runtime.isRunning(first);
    if (seenRunning && !running) throw new Error(`node ${first} exited before it formed the cluster (${answer}), so the others cannot join it`);
    seenRunning ||= running;
    if (Date.now() > deadline) throw new Error(`node ${first} had not formed the cluster within ${deadlineMs / 1000} s (${answer}), so the others cannot join it`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The clients of either db: a session per connection, bound to its own node. */
function clients(db: string, isolation: IsolationLevel) {
  const session = (node: string, ctx: DbContext) => new MariaDbSession({ host: hostOf(ctx, node, db), node, password: PASSWORD, isolation, timeoutMs: ctx.test.opTimeoutMs });
  return {
    // start() keeps the data directory; my.cnf and init.sql beside it are configuration, and so is
    // Galera's grastate.dat and gvwstate.dat (state, which the restart logic reads). The tables live
    // in faultline/*.ibd, the redo log in ib_logfile0, Galera's write-set cache in galera.cache.
    dataFiles: ['ibdata1', 'ib_logfile*', 'faultline/*.ibd', 'galera.cache'],
    openTxn: async (node: string, ctx: DbContext) => listAppendClient(session(node, ctx)),
    openRwRegister: async (node: string, ctx: DbContext) => rwRegisterClient(session(node, ctx)),
    openBank: async (node: string, ctx: DbContext) => bankClient(session(node, ctx)),
    openRegister: async (node: string, ctx: DbContext) => registerClient(session(node, ctx)),
  };
}

/** A single MariaDB server on the one node. */
export function mariadbDb(given: Partial<MariaDbOptions> = {}): MariaDb {
  const { isolation } = resolveOptions(mariadbOptions, given, { nodeCount: 1 }, 'db mariadb');
  return {
    name: 'mariadb',
    ...clients('mariadb', isolation),
    async start(node, ctx) {
      await spawnNode(ctx, node, 'mariadb', undefined, true, []);
    },
    async awaitReady(nodes, ctx, deadlineMs) {
      await awaitNodes(nodes, ctx, deadlineMs, async (node) => {
        await probe(ctx, node, 'mariadb', 'SELECT 1');
        return true;
      });
    },
  };
}

/** Which way a Galera node starts now, and why (mariadb.ts's opening comment tells the story). */
export function galeraStart(node: string, nodes: readonly string[], facts: { hasData(n: string): boolean; isRunning(n: string): boolean; hasViewState(n: string): boolean; grastate(n: string): GraState | undefined }): 'new-cluster' | 'join-first' | 'join' | 'bootstrap' {
  const first = nodes[0] as string;
  if (!nodes.some((n) => facts.hasData(n))) return node === first ? 'new-cluster' : 'join-first';
  if (!facts.hasData(node)) return 'join';
  if (nodes.some((n) => n !== node && facts.isRunning(n))) return 'join';
  if (nodes.some((n) => facts.hasViewState(n))) return 'join';
  const chosen = chooseBootstrap(new Map(nodes.map((n) => [n, facts.grastate(n)]))) ?? nodes.find((n) => facts.hasData(n));
  return chosen === node ? 'bootstrap' : 'join';
}

/** A Galera cluster, one server per node, every node a primary. */
export function galeraDb(given: Partial<MariaDbOptions> = {}): MariaDb {
  const { isolation } = resolveOptions(mariadbOptions, given, { nodeCount: 3 }, 'db galera');
  return {
    name: 'galera',
    ...clients('galera', isolation),
    async start(node, ctx) {
      const nodes = ctx.runtime.nodes;
      const cluster = nodes.map((n) => hostOf(ctx, n, 'galera'));
      const how = galeraStart(node, nodes, {
        hasData: (n) => hasData(ctx, n),
        isRunning: (n) => ctx.runtime.isRunning(n),
        hasViewState: (n) => existsSync(join(paths(ctx, n).dataDir, 'gvwstate.dat')),
        grastate: (n) => grastateOf(ctx, n),
      });
      if (how === 'new-cluster') return spawnNode(ctx, node, 'galera', cluster, true, ['--wsrep-new-cluster']);
      if (how === 'join-first') {
        // Joining before n1 has formed the cluster would find no primary component and give up.
        await awaitFirst(ctx, nodes[0] as string, Number(ctx.test['readyTimeoutS'] ?? 60) * 1000);
      }
      if (how === 'bootstrap') {
        // Galera refuses --wsrep-new-cluster on a node not marked safe: this is the manual's own step.
        const file = join(paths(ctx, node).dataDir, 'grastate.dat');
        if (existsSync(file)) writeFileSync(file, readFileSync(file, 'utf8').replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1'));
        return spawnNode(ctx, node, 'galera', cluster, false, ['--wsrep-new-cluster']);
      }
      return spawnNode(ctx, node, 'galera', cluster, false, []);
    },
    async awaitReady(nodes, ctx, deadlineMs) {
      await awaitNodes(nodes, ctx, deadlineMs, (node) => galeraState(ctx, node));
    },
  };
}

/** A Galera cluster, as --db galera names it. */
export const galera = defineDb({
  name: 'galera',
  description: "MariaDB 10.11 with Galera 4 (Debian's galera-4): a multi-primary cluster, transactions at --isolation",
  options: mariadbOptions,
  runtimes: ['docker'],
  validate: (_options, { nodeCount }) => {
    if (nodeCount < 3) throw new Error(`db galera needs a quorum that survives a node: --nodes ${nodeCount} is not valid; expected 3 or more (use --db mariadb for one server)`);
  },
  describe: (options) => [options.isolation],
  create: (options) => galeraDb(options),
});

/** A single MariaDB server, as --db mariadb names it. */
export const mariadb = defineDb({
  name: 'mariadb',
  description: "MariaDB 10.11 (Debian's mariadb-server), one server, transactions at --isolation",
  options: mariadbOptions,
  runtimes: ['docker'],
  validate: (_options, { nodeCount }) => {
    if (nodeCount !== 1) throw new Error(`db mariadb is a single server: --nodes ${nodeCount} is not valid; expected --nodes 1 (use --db galera for a cluster)`);
  },
  describe: (options) => [options.isolation],
  create: (options) => mariadbDb(options),
});
