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
// - Stuck without a primary component: a majority killed and restarted can come back as new members,
//   which the saved primary component does not know, and then no primary component forms again by
//   itself (a restarted node never even opens its SQL port). After healing, when the run finds the
//   cluster not ready and no node in a primary component for STUCK_AFTER_MS, recover() does what the
//   manual says: stop every node, find the most advanced (grastate.dat's seqno, or --wsrep-recover
//   after a crash), bootstrap it, start the others to join it. run.json and the report say so. Write
//   sets are totally ordered, so the highest seqno holds every commit; when no node knows its seqno,
//   the first node with data bootstraps and what only another committed is lost (the checkers say so).
// - Until then, and while a partition leaves a node outside the primary component, the node refuses
//   SQL with WSREP not ready (1047): those ops fail definitely.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import type { BankDb, DataFilesDb, DbContext, RecoverableDb, RegisterDb, RwRegisterDb, TxnDb } from './db.js';
import { bankClient, listAppendClient, registerClient, rwRegisterClient } from './mariadb-clients.js';
import { chooseBootstrap, initSql, ISOLATION_LEVELS, judgeGaleraCluster, mostAdvanced, myCnf, parseGrastate, parseRecoveredPosition, SQL_PORT, SQL_USER, type GaleraLook, type GraState, type IsolationLevel } from './mariadb-config.js';
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

/**
 * How long no node may be in a primary component, once the final phase found the cluster not ready,
 * before it counts as stuck: a partition healed moments ago can take Galera a few seconds to merge.
 */
export const STUCK_AFTER_MS = 10_000;

/** One look at every node: whether it runs, and its wsrep_cluster_status where it answers SQL. */
async function lookAt(ctx: DbContext, nodes: readonly string[]): Promise<GaleraLook> {
  const atMs = Date.now();
  const views = await Promise.all(nodes.map(async (node) => {
    const running = ctx.runtime.isRunning(node);
    if (!running) return { node, running };
    const rows = await probe(ctx, node, 'galera', "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'").catch(() => undefined);
    const status = rows?.[0]?.['Value'];
    return { node, running, ...(status !== undefined && { clusterStatus: String(status) }) };
  }));
  return { atMs, views };
}

/** A line in the node's log the report places on its timeline (node-events.ts reads lines with an `event`). */
function logEvent(ctx: DbContext, node: string, event: string, msg: string): void {
  try {
    appendFileSync(nodeLog(ctx, node), `${JSON.stringify({ time: Date.now(), node, event, msg: `faultline: ${msg}` })}\n`);
  } catch {
    // The log is for people; a missing directory must not fail the recovery.
  }
}

/**
 * How far a stopped node got: grastate.dat's seqno, or after a crash (-1) the position InnoDB
 * holds, as `mariadbd --wsrep-recover` finds it (run in the node's container, then exiting);
 * undefined when neither tells (no data, or nothing recovered).
 */
async function positionOf(ctx: DbContext, node: string, deadline: number): Promise<number | undefined> {
  if (!hasData(ctx, node)) return undefined;
  const state = grastateOf(ctx, node);
  if (state !== undefined && state.seqno >= 0) return state.seqno;
  const log = join(ctx.nodeDir(node), 'wsrep-recover.log');
  rmSync(log, { force: true });
  const args = [`--defaults-file=${join(ctx.nodeDir(node), 'my.cnf')}`, '--user=root', '--wsrep-recover', `--log-error=${log}`];
  // It may exit before the runtime has set the container up: what it logged is what counts.
  await ctx.runtime.spawn(node, { command: 'mariadbd', args, image: 'mariadb', dataDir: paths(ctx, node).dataDir }, nodeLog(ctx, node)).catch(() => undefined);
  while (ctx.runtime.isRunning(node)) {
    if (Date.now() > deadline) throw new Error(`mariadbd --wsrep-recover on ${node} had not finished by the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const position = existsSync(log) ? parseRecoveredPosition(readFileSync(log, 'utf8')) : undefined;
  return position !== undefined && position.seqno >= 0 ? position.seqno : undefined;
}

/**
 * Galera's manual remedy for a cluster without a primary component (mariadb.ts's opening comment):
 * resolves to what it did, or undefined when the cluster has one, or gets one, before it is stuck.
 */
async function recoverGalera(nodes: readonly string[], ctx: DbContext, deadlineMs: number): Promise<string | undefined> {
  const deadline = Date.now() + deadlineMs;
  const looks: GaleraLook[] = [];
  for (;;) {
    looks.push(await lookAt(ctx, nodes));
    const verdict = judgeGaleraCluster(looks, STUCK_AFTER_MS);
    if (verdict === 'primary' || (verdict === 'watching' && Date.now() > deadline)) return undefined;
    if (verdict === 'stuck') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const seen = looks.at(-1)!.views.map((v) => `${v.node} ${!v.running ? 'down' : (v.clusterStatus ?? 'silent')}`).join(', ');
  for (const node of nodes) await ctx.runtime.kill(node);
  const positions = new Map(await Promise.all(nodes.map(async (node) => [node, await positionOf(ctx, node, deadline)] as const)));
  const advanced = mostAdvanced(positions);
  const chosen = advanced ?? nodes.find((n) => hasData(ctx, n)) ?? (nodes[0] as string);
  const others = nodes.filter((n) => n !== chosen);
  const at = [...positions].map(([node, seqno]) => `${node} ${seqno === undefined ? 'unknown' : seqno}`).join(', ');
  const why = advanced !== null ? `the most advanced; seqnos ${at}` : `no node knew its seqno, so the first with data; what only another committed may be lost`;
  // The saved primary component is the one being replaced: a node restoring it would wait for members that are gone.
  for (const node of nodes) rmSync(join(paths(ctx, node).dataDir, 'gvwstate.dat'), { force: true });
  const grastate = join(paths(ctx, chosen).dataDir, 'grastate.dat');
  if (existsSync(grastate)) writeFileSync(grastate, readFileSync(grastate, 'utf8').replace(/^safe_to_bootstrap:.*$/m, 'safe_to_bootstrap: 1'));
  const cluster = nodes.map((n) => hostOf(ctx, n, 'galera'));
  logEvent(ctx, chosen, 'bootstrap', `no primary component for ${STUCK_AFTER_MS / 1000} s (${seen}); every node stopped; bootstrapping ${chosen} (${why})`);
  await spawnNode(ctx, chosen, 'galera', cluster, false, ['--wsrep-new-cluster']);
  await awaitFirst(ctx, chosen, Math.max(deadline - Date.now(), 1000));
  for (const node of others) logEvent(ctx, node, 'rejoin', `restarting to join the cluster ${chosen} bootstrapped`);
  await Promise.all(others.map((node) => spawnNode(ctx, node, 'galera', cluster, false, [])));
  return `no node was in a primary component for ${STUCK_AFTER_MS / 1000} s (${seen}); stopped every node, bootstrapped ${chosen} (${why}) with --wsrep-new-cluster, and restarted ${others.join(' and ')} to join it`;
}

/** A Galera cluster, one server per node, every node a primary. */
export function galeraDb(given: Partial<MariaDbOptions> = {}): MariaDb & RecoverableDb {
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
    recover: recoverGalera,
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
