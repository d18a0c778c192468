// An optional db capability: knowing which nodes are primaries right now (a leader, a master),
// so that faults can aim at them. Tested with `hasPrimaries(db)`, never by the db's name.
import type { Db, DbContext } from './db.js';

export interface PrimaryDb extends Db {
  /** The nodes that currently act as primary, as the cluster itself reports them (may be empty). */
  primaries(ctx: DbContext): Promise<string[]>;
}

export function hasPrimaries(db: Db): db is PrimaryDb {
  return typeof (db as Partial<PrimaryDb>).primaries === 'function';
}
