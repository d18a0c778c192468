// What a PostgreSQL node is told: its postgresql.conf and pg_hba.conf (written beside its data
// directory, never inside, so pg_basebackup and pg_rewind leave them alone), the isolation level
// each transaction asks for, and the synchronous_standby_names of a sync cluster.

/** The replication of the cluster: one server, or a primary with asynchronous or synchronous standbys. */
export type PostgresReplication = 'none' | 'async' | 'sync';

/** The isolation levels PostgreSQL offers (read uncommitted behaves as read committed, so it is left out). */
export type PostgresIsolation = 'read-committed' | 'repeatable-read' | 'serializable';

export const POSTGRES_PORT = 5432;

/** The BEGIN that opens every transaction at `isolation`. */
export function beginStatement(isolation: PostgresIsolation): string {
  return `BEGIN ISOLATION LEVEL ${isolation.replace('-', ' ').toUpperCase()}`;
}

/** A node name as a quoted identifier (standby names are identifiers: node names have dashes). */
function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * ANY 1 over the other nodes, the standbys this node has if it is (or becomes) the primary: a commit
 * waits until one of them has flushed its WAL. Empty (no waiting) unless sync, or for a lone node.
 */
export function synchronousStandbyNames(node: string, nodes: readonly string[], replication: PostgresReplication): string {
  const others = nodes.filter((n) => n !== node);
  if (replication !== 'sync' || others.length === 0) return '';
  return `ANY 1 (${others.map(quoted).join(', ')})`;
}

/** A conf file's string literal. */
function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The node's postgresql.conf. Every node gets the settings of a primary and of a standby alike
 * (each is ignored in the other role), so a promoted standby needs no new file. The timeouts are
 * short so a standby notices a lost primary within seconds (the failover monitor asks it), and
 * wal_log_hints lets pg_rewind bring an old primary back as a standby.
 */
export function postgresConf(host: string, node: string, nodes: readonly string[], replication: PostgresReplication): string {
  const settings: [string, string | number][] = [
    ['listen_addresses', literal(host)],
    ['port', POSTGRES_PORT],
    ['max_connections', 200],
    ['shared_buffers', literal('32MB')],
    ['fsync', 'on'],
    ['synchronous_commit', 'on'],
    ['synchronous_standby_names', literal(synchronousStandbyNames(node, nodes, replication))],
    ['wal_level', 'replica'],
    ['wal_log_hints', 'on'],
    ['max_wal_senders', 10],
    ['wal_keep_size', literal('512MB')],
    ['hot_standby', 'on'],
    ['wal_receiver_timeout', literal('3s')],
    ['wal_sender_timeout', literal('3s')],
    ['wal_receiver_status_interval', literal('1s')],
    ['wal_retrieve_retry_interval', literal('1s')],
    ['recovery_target_timeline', literal('latest')],
    ['tcp_keepalives_idle', 2],
    ['tcp_keepalives_interval', 1],
    ['tcp_keepalives_count', 3],
    ['logging_collector', 'off'],
    ['log_destination', literal('stderr')],
    ['log_line_prefix', literal('%m [%p] %q%a ')],
    ['log_min_messages', 'info'],
    ['log_connections', 'off'],
    ['unix_socket_directories', literal('/var/run/postgresql')],
  ];
  return settings.map(([name, value]) => `${name} = ${value}`).join('\n') + '\n';
}

/** Trust from anywhere on the run's private network: clients and replication alike. */
export function hbaConf(): string {
  return ['local all all trust', 'host all all 0.0.0.0/0 trust', 'host replication all 0.0.0.0/0 trust'].join('\n') + '\n';
}
