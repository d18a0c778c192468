// The connections of one faultline client to PostgreSQL: to the primary (found by asking every node),
// and to a standby for reads that may go there.
import { OpFailure, type DbContext } from './db.js';
import type { PostgresIsolation } from './postgres-config.js';
import { openLink, probe, type OpenLink } from './postgres-link.js';
import type { PgLink } from './postgres-sql.js';

/**
 * A client's connections: one to the primary (found by asking every node, its own first), and one
 * to a standby for reads that may go there. A connection that fails in a way that may leave it
 * unusable (a lost connection, a timeout, a read-only error on a demoted primary) is dropped; the
 * next op finds the primary again.
 */
export class Links {
  private readonly current: Partial<Record<'primary' | 'standby', Promise<OpenLink>>> = {};
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

  private link(role: 'primary' | 'standby'): Promise<OpenLink> {
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

  private async open(role: 'primary' | 'standby'): Promise<OpenLink> {
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
