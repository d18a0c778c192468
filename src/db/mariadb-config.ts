// The pure half of the MariaDB and Galera adapters: a node's my.cnf, the SQL that makes faultline's
// user and tables once, Galera's grastate.dat read back, which node restarts a dead cluster, and
// when a cluster is stuck without a primary component (the remedy is mariadb.ts's recoverGalera).
// src/db/mariadb.ts writes these files and starts mariadbd; nothing here touches a node.

/** The port MariaDB listens on; Galera's own (4567 group, 4568 IST, 4444 SST) are its defaults. */
export const SQL_PORT = 3306;
export const SQL_USER = 'faultline';
export const SQL_DATABASE = 'faultline';

/** The isolation levels a session can ask for (SET SESSION TRANSACTION ISOLATION LEVEL). */
export const ISOLATION_LEVELS = ['read-uncommitted', 'read-committed', 'repeatable-read', 'serializable'] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/** 'repeatable-read' -> 'REPEATABLE READ', as SQL spells it. */
export function isolationSql(level: IsolationLevel): string {
  return level.toUpperCase().replace('-', ' ');
}

/** Where a node keeps what: all inside its node directory, which its container sees at the same path. */
export interface NodePaths {
  dataDir: string;
  socket: string;
  pidFile: string;
}

/** What a node's my.cnf says beyond its paths: its address, and the cluster's when it is a Galera node. */
export interface NodeConfig {
  paths: NodePaths;
  host: string;
  node: string;
  /** Every node's address, in node order, for a Galera node; undefined for a single server. */
  cluster?: readonly string[];
}

/**
 * A node's my.cnf. Durable commits on every node (innodb_flush_log_at_trx_commit=1, sync_binlog is
 * moot without a binlog): Galera's manual allows 2 on a cluster, but a killed node should keep what
 * it acknowledged. Galera needs row-based replication, InnoDB and interleaved auto-increment locks.
 * pc.recovery (Galera's default, written out because the restart story rests on it) keeps the last
 * primary component in gvwstate.dat, so a cluster whose every node crashed forms again by itself
 * once all its members are back.
 */
export function myCnf({ paths, host, node, cluster }: NodeConfig): string {
  const lines = [
    '[mysqld]',
    `datadir=${paths.dataDir}`,
    `socket=${paths.socket}`,
    `pid-file=${paths.pidFile}`,
    `bind-address=${host}`,
    `port=${SQL_PORT}`,
    'skip-name-resolve',
    'default-storage-engine=InnoDB',
    'innodb_buffer_pool_size=64M',
    'innodb_log_file_size=32M',
    'innodb_flush_log_at_trx_commit=1',
    'performance_schema=OFF',
    'max_connections=256',
    'lower_case_table_names=0',
  ];
  if (cluster === undefined) return [...lines, 'wsrep_on=OFF', ''].join('\n');
  return [
    ...lines,
    'binlog_format=ROW',
    'innodb_autoinc_lock_mode=2',
    'wsrep_on=ON',
    'wsrep_provider=/usr/lib/galera/libgalera_smm.so',
    `wsrep_cluster_address=gcomm://${cluster.join(',')}`,
    'wsrep_cluster_name=faultline',
    `wsrep_node_address=${host}`,
    `wsrep_node_name=${node}`,
    'wsrep_sst_method=rsync',
    'wsrep_slave_threads=2',
    `wsrep_provider_options="pc.recovery=TRUE;gcache.size=64M"`,
    '',
  ].join('\n');
}

/** The tables every workload uses; Galera replicates only tables with a primary key, so each has one. */
export const TABLES = {
  /** list-append: a list's elements, each JSON, joined by commas. */
  lists: 'lists',
  /** rw-register transactions: a register's value as JSON. */
  registers: 'registers',
  /** the register workload (read, write, cas): a register's value as JSON. */
  cells: 'cells',
  /** bank accounts. */
  accounts: 'accounts',
} as const;

/** Run once, on a new data directory (the bootstrap node, or the single server), through --init-file. */
export function initSql(password: string): string {
  const q = (s: string) => `'${s.replace(/['\\]/g, (c) => `\\${c}`)}'`;
  return [
    `CREATE USER IF NOT EXISTS ${q(SQL_USER)}@'%' IDENTIFIED BY ${q(password)};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${q(SQL_USER)}@'%';`,
    `CREATE DATABASE IF NOT EXISTS ${SQL_DATABASE};`,
    `CREATE TABLE IF NOT EXISTS ${SQL_DATABASE}.${TABLES.lists} (k VARCHAR(64) PRIMARY KEY, v MEDIUMTEXT NOT NULL) ENGINE=InnoDB;`,
    `CREATE TABLE IF NOT EXISTS ${SQL_DATABASE}.${TABLES.registers} (k VARCHAR(64) PRIMARY KEY, v TEXT NOT NULL) ENGINE=InnoDB;`,
    `CREATE TABLE IF NOT EXISTS ${SQL_DATABASE}.${TABLES.cells} (k VARCHAR(64) PRIMARY KEY, v TEXT NOT NULL) ENGINE=InnoDB;`,
    `CREATE TABLE IF NOT EXISTS ${SQL_DATABASE}.${TABLES.accounts} (id VARCHAR(64) PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;`,
    '',
  ].join('\n');
}

/** Galera's grastate.dat: the cluster's UUID, the last committed seqno (-1 after a crash) and safe_to_bootstrap. */
export interface GraState {
  uuid: string;
  seqno: number;
  safeToBootstrap: boolean;
}

/** Reads grastate.dat's text; undefined when it has no uuid or seqno line (a file being written). */
export function parseGrastate(text: string): GraState | undefined {
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
  const uuid = field('uuid');
  const seqno = Number(field('seqno'));
  if (uuid === undefined || !Number.isInteger(seqno)) return undefined;
  return { uuid, seqno, safeToBootstrap: field('safe_to_bootstrap') === '1' };
}

/**
 * Which node should bootstrap a cluster none of whose nodes runs, from each node's grastate.dat
 * (undefined: the node never got one), as Galera's manual says to do it by hand: the node marked
 * safe_to_bootstrap (the last to leave a cleanly stopped cluster), else the one with the highest
 * seqno; null when no node knows its seqno (all crashed: -1), since then only --wsrep-recover on
 * each node can tell, and guessing could throw away committed transactions. Ties go to node order.
 */
export function chooseBootstrap(states: ReadonlyMap<string, GraState | undefined>): string | null {
  const known = [...states].filter((entry): entry is [string, GraState] => entry[1] !== undefined);
  const safe = known.find(([, s]) => s.safeToBootstrap);
  if (safe) return safe[0];
  return mostAdvanced(new Map(known.map(([node, s]) => [node, s.seqno])));
}

/** The node with the highest known seqno (-1 or undefined: unknown); ties go to node order; null when none is known. */
export function mostAdvanced(seqnos: ReadonlyMap<string, number | undefined>): string | null {
  let best: [string, number] | undefined;
  for (const [node, seqno] of seqnos) if (seqno !== undefined && seqno >= 0 && (!best || seqno > best[1])) best = [node, seqno];
  return best ? best[0] : null;
}

/** The position `mariadbd --wsrep-recover` logs ("WSREP: Recovered position: UUID:SEQNO"), the last one in the text; undefined when none. */
export function parseRecoveredPosition(logText: string): { uuid: string; seqno: number } | undefined {
  const all = [...logText.matchAll(/WSREP: Recovered position:\s*([0-9a-f-]+):(-?\d+)/g)];
  const last = all.at(-1);
  return last ? { uuid: last[1]!, seqno: Number(last[2]) } : undefined;
}

/** One look at a Galera node: whether its process runs, and its wsrep_cluster_status when it answered SQL. */
export interface GaleraNodeView {
  node: string;
  running: boolean;
  /** Primary, non-Primary or Disconnected; undefined when it did not answer (a restarted node keeps its SQL port closed until it is in a primary component). */
  clusterStatus?: string;
}

/** Every node's view at one moment (wall-clock ms). */
export interface GaleraLook {
  atMs: number;
  views: readonly GaleraNodeView[];
}

/**
 * Whether a Galera cluster that is not ready is stuck without a primary component, from looks in
 * time order. 'primary' when the last look found a node in one: the others can still join it, so
 * there is nothing to do by hand. 'stuck' when no look in the last `stuckAfterMs` found one (every
 * node dead, silent, or in a non-primary view): such a cluster never forms one again by itself
 * (its restarted members are new members, unknown to the saved primary component), and the
 * manual's remedy applies. Else 'watching': not long enough to tell.
 */
export function judgeGaleraCluster(looks: readonly GaleraLook[], stuckAfterMs: number): 'primary' | 'stuck' | 'watching' {
  const hasPrimary = (look: GaleraLook) => look.views.some((v) => v.clusterStatus === 'Primary');
  const last = looks.at(-1);
  if (last === undefined) return 'watching';
  if (hasPrimary(last)) return 'primary';
  let since = last.atMs;
  for (let i = looks.length - 1; i >= 0 && !hasPrimary(looks[i]!); i--) since = looks[i]!.atMs;
  return last.atMs - since >= stuckAfterMs ? 'stuck' : 'watching';
}
