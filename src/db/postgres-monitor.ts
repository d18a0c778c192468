// faultline's failover monitor for PostgreSQL, the loop around decideFailover (postgres-failover.ts):
// it probes every node, asks for a decision, and carries it out (pg_promote, primary_conninfo, a
// request to rejoin written beside the node's data).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbContext } from './db.js';
import { POSTGRES_PORT } from './postgres-config.js';
import { decideFailover, INITIAL_FAILOVER_STATE, type FailoverAction, type FailoverState } from './postgres-failover.js';
import { note, openLink, probe } from './postgres-link.js';
import { hostOf } from './readiness.js';

const MONITOR_INTERVAL_MS = 500;
/** A node asked to rejoin is not asked again for this long (it stops, rewinds, starts). */
const FOLLOW_BACKOFF_MS = 15_000;

/** What the monitor needs of the db's options. */
export interface MonitorOptions {
  replication: 'none' | 'async' | 'sync';
  failover: boolean;
  failoverAfterMs: number;
}

/**
 * The failover monitor's loop: probes every node, asks decideFailover, carries its actions out.
 * It runs from the first readiness until no node runs (the run's teardown), and again when a node starts.
 */
export class FailoverMonitor {
  private state: FailoverState = INITIAL_FAILOVER_STATE;
  private running = false;
  private ready = false;
  private readonly lastFollowMs = new Map<string, number>();

  constructor(private readonly options: MonitorOptions) {}

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
    // The second look decides: on a busy machine some probes of either look time out, and waiting
    // for two looks to name the same standby let a lost primary go unreplaced for a whole run.
    if (actions.some((a) => a.kind === 'promote')) {
      ({ state, actions } = await look());
      if (!actions.some((a) => a.kind === 'promote')) return;
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
