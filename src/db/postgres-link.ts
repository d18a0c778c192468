// Talking to one PostgreSQL node from the controller: a short-lived connection (node-postgres), what a
// node says of itself for the failover monitor and the clients' search for the primary, and the
// lines faultline adds to a node's log.
import { appendFileSync } from 'node:fs';
import type pg from 'pg';
import type { DbContext } from './db.js';
import { POSTGRES_PORT } from './postgres-config.js';
import { conninfoHost, parseLsn, type NodeView } from './postgres-failover.js';
import type { PgLink } from './postgres-sql.js';
import { hostOf, nodeLog } from './readiness.js';

/** A standby counts as receiving while its upstream was heard from this recently (the primary sends keepalives every 1.5 s). */
const RECEIVING_WINDOW_S = 4;

/** A link that can be ended. */
export type OpenLink = PgLink & { end(): Promise<void> };

/** A connection to one node, each statement bounded by timeoutMs (on the server and in the client). */
export async function openLink(ctx: DbContext, node: string, timeoutMs: number): Promise<OpenLink> {
  const { default: { Client } } = await import('pg');
  const client = new Client({
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
  extract(epoch FROM pg_postmaster_start_time())::float8 AS started_s,
  current_setting('primary_conninfo') AS conninfo,
  COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text AS lsn`;

/** What a node says of itself; unreachable when it does not answer within a second. */
export async function probe(ctx: DbContext, node: string): Promise<NodeView> {
  let link: OpenLink | undefined;
  try {
    link = await openLink(ctx, node, 1000);
    const row = (await link.query(PROBE)).rows[0]!;
    const recovery = row['recovery'] === true;
    const walfile = row['walfile'] as string | null;
    const timeline = walfile ? parseInt(walfile.slice(0, 8), 16) : Number(row['received_tli'] ?? row['checkpoint_tli'] ?? 0);
    const heard = row['heard_s'] as number | null;
    const lsn = parseLsn(row['lsn'] as string | null);
    const started = row['started_s'] as number | null;
    const upstream = recovery ? conninfoHost(row['conninfo'] as string) : undefined;
    return {
      node, reachable: true, inRecovery: recovery, timeline,
      ...(recovery && { receiving: row['receiver'] === 'streaming' && heard !== null && heard < RECEIVING_WINDOW_S }),
      ...(upstream !== undefined && { upstream }),
      ...(lsn !== undefined && { lsn }),
      ...(started !== null && { startedAtS: started }),
    };
  } catch {
    return { node, reachable: false };
  } finally {
    await link?.end();
  }
}

/** A line in the node's log from faultline's side (start modes, failover actions). */
export function note(ctx: DbContext, node: string, line: string): void {
  try {
    appendFileSync(nodeLog(ctx, node), `${new Date().toISOString()} faultline: ${line}\n`);
  } catch {
    // The log is for people; a missing directory must not fail a start or a failover.
  }
}
