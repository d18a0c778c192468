// The SQL of faultline's clients on PostgreSQL, over one link to a server, and how an error becomes
// an op's outcome. Every op is one explicit transaction (BEGIN ISOLATION LEVEL ... ; statements;
// COMMIT), so the rule for outcomes is simple (pgFailure): a transaction whose COMMIT was never sent
// cannot have taken effect (PostgreSQL rolls back a transaction whose connection ends), and a COMMIT
// that fails is definite only for the SQLSTATEs that say the transaction was rolled back.
//
//   list-append  lists(k text primary key, v text): append = INSERT ... ON CONFLICT DO UPDATE SET
//                v = lists.v || ',' || excluded.v; read = SELECT v (elements are JSON, comma-separated)
//   rw-register  registers_rw(k, v): write = upsert, read = SELECT (null when absent)
//   register     registers(k, v): read, write (upsert), cas = UPDATE ... WHERE v = from
//   bank         accounts(id text primary key, balance int): a transfer reads both balances in one
//                SELECT, then writes both new balances (as Jepsen's does: read committed can lose one);
//                a read is one SELECT of every account, so it sees one snapshot at any level
import { OpFailure, type BankConnection, type ListMicroOp, type RegisterConnection, type RegisterMicroOp } from './db.js';
import { beginStatement, type PostgresIsolation } from './postgres-config.js';

/** The tables every client kind uses, created once on the primary before the workload starts. */
export const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS lists (k text PRIMARY KEY, v text NOT NULL)',
  'CREATE TABLE IF NOT EXISTS registers_rw (k text PRIMARY KEY, v text NOT NULL)',
  'CREATE TABLE IF NOT EXISTS registers (k text PRIMARY KEY, v text NOT NULL)',
  'CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, balance integer NOT NULL)',
];

/** A query's answer, as node-postgres gives it. */
export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
  command?: string;
}

/** One connection to one server: sends a statement, rejects with node-postgres's error. */
export interface PgLink {
  readonly node: string;
  query(text: string, params?: readonly unknown[]): Promise<PgResult>;
}

/**
 * SQLSTATEs of a failed COMMIT that mean the transaction was rolled back: class 40 (serialization
 * failure 40001, deadlock 40P01; not 40003, statement completion unknown), class 23 (a deferred
 * constraint such as a unique violation), and 25006 (read-only: a standby or a fenced primary).
 */
function rolledBackAtCommit(code: string): boolean {
  return (code.startsWith('40') && code !== '40003') || code.startsWith('23') || code === '25006';
}

/** The SQLSTATE of a server's error reply (node-postgres's DatabaseError), if it is one. */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string' ? e.code : undefined;
}

/**
 * An error as an op's outcome. Before COMMIT was sent, or for a transaction that wrote nothing,
 * it is definite whatever it was (a server error, a lost connection, a client-side timeout): the
 * transaction never committed. At COMMIT only the SQLSTATEs of rolledBackAtCommit are definite; a
 * lost connection, a timeout, a shutdown while waiting for a synchronous standby may each come
 * after the commit was made durable on the primary: indefinite.
 */
export function pgFailure(err: unknown, node: string, at: { committing: boolean; readOnly: boolean }): OpFailure {
  if (err instanceof OpFailure) return err;
  const state = sqlStateOf(err);
  const message = `postgres on ${node}${at.committing ? ' at COMMIT' : ''}: ${err instanceof Error ? err.message : String(err)}${state ? ` (SQLSTATE ${state})` : ''}`;
  const definite = at.readOnly || !at.committing || (state !== undefined && rolledBackAtCommit(state));
  return new OpFailure(message, definite);
}

/** Runs `body` in one transaction at `isolation`; maps every failure to an outcome (pgFailure). */
export async function inTransaction<T>(link: PgLink, isolation: PostgresIsolation, readOnly: boolean, body: (q: PgLink['query']) => Promise<T>): Promise<T> {
  const q = (text: string, params?: readonly unknown[]) => link.query(text, params);
  let result: T;
  try {
    await q(beginStatement(isolation));
    result = await body(q);
  } catch (err) {
    await q('ROLLBACK').catch(() => undefined);
    throw pgFailure(err, link.node, { committing: false, readOnly });
  }
  let committed: PgResult;
  try {
    committed = await q('COMMIT');
  } catch (err) {
    throw pgFailure(err, link.node, { committing: true, readOnly });
  }
  // COMMIT of a transaction that had failed answers ROLLBACK; the body would have thrown first.
  if (committed.command === 'ROLLBACK') throw new OpFailure(`postgres on ${link.node}: COMMIT answered ROLLBACK`, true);
  return result;
}

/** A list element as stored: its JSON, which must not hold the separator. */
export function encodeElement(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined || text.includes(',')) throw new OpFailure(`list element ${String(text)} cannot be stored: it holds a comma or is not JSON; expected a number or a comma-free string`, true);
  return text;
}

export function decodeList(text: string | null | undefined): unknown[] {
  return text === null || text === undefined || text === '' ? [] : text.split(',').map((e) => JSON.parse(e) as unknown);
}

/** List-append transactions, each micro-op one statement, in order. */
export async function listAppendTxn(link: PgLink, isolation: PostgresIsolation, mops: readonly ListMicroOp[]): Promise<ListMicroOp[]> {
  const readOnly = mops.every(([f]) => f === 'r');
  return inTransaction(link, isolation, readOnly, async (q) => {
    const done: ListMicroOp[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'append') {
        await q("INSERT INTO lists (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = lists.v || ',' || excluded.v", [k, encodeElement(v)]);
        done.push(['append', k, v]);
      } else {
        const { rows } = await q('SELECT v FROM lists WHERE k = $1', [k]);
        done.push(['r', k, decodeList(rows[0]?.['v'] as string | undefined)]);
      }
    }
    return done;
  });
}

/** rw-register transactions: writes upsert the key's JSON value, reads return it (null when never written). */
export async function rwRegisterTxn(link: PgLink, isolation: PostgresIsolation, mops: readonly RegisterMicroOp[]): Promise<RegisterMicroOp[]> {
  const readOnly = mops.every(([f]) => f === 'r');
  return inTransaction(link, isolation, readOnly, async (q) => {
    const done: RegisterMicroOp[] = [];
    for (const [f, k, v] of mops) {
      if (f === 'w') {
        await q('INSERT INTO registers_rw (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [k, JSON.stringify(v)]);
        done.push(['w', k, v]);
      } else {
        const { rows } = await q('SELECT v FROM registers_rw WHERE k = $1', [k]);
        const text = rows[0]?.['v'] as string | undefined;
        done.push(['r', k, text === undefined ? null : (JSON.parse(text) as unknown)]);
      }
    }
    return done;
  });
}

/**
 * Registers: `writes` is the primary's link, `reads` the one reads go to (a standby's under
 * --postgres-reads replicas, at `readIsolation`: a hot standby refuses serializable).
 */
export function pgRegister(writes: () => Promise<PgLink>, reads: () => Promise<PgLink>, isolation: PostgresIsolation, readIsolation = isolation): Omit<RegisterConnection, 'close'> {
  return {
    async read(k) {
      const { rows } = await inTransaction(await reads(), readIsolation, true, (q) => q('SELECT v FROM registers WHERE k = $1', [k]));
      const text = rows[0]?.['v'] as string | undefined;
      return text === undefined ? null : (JSON.parse(text) as unknown);
    },
    async write(k, value) {
      await inTransaction(await writes(), isolation, false, (q) => q('INSERT INTO registers (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [k, JSON.stringify(value)]));
    },
    async cas(k, from, to) {
      const { rowCount } = await inTransaction(await writes(), isolation, false, (q) => q('UPDATE registers SET v = $3 WHERE k = $1 AND v = $2', [k, JSON.stringify(from), JSON.stringify(to)]));
      return rowCount === 1;
    },
  };
}

/** Bank accounts on the primary. */
export function pgBank(link: () => Promise<PgLink>, isolation: PostgresIsolation): Omit<BankConnection, 'close'> {
  const balances = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [String(r['id']), Number(r['balance'])]));
  return {
    async createAccounts(initial) {
      const ids = Object.keys(initial);
      await inTransaction(await link(), isolation, false, (q) =>
        q('INSERT INTO accounts (id, balance) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT (id) DO NOTHING', [ids, ids.map((id) => initial[id])]));
    },
    async transfer(from, to, amount) {
      return inTransaction(await link(), isolation, false, async (q) => {
        const found = balances((await q('SELECT id, balance FROM accounts WHERE id = ANY($1)', [[from, to]])).rows);
        const [source, target] = [found.get(from), found.get(to)];
        if (source === undefined || target === undefined) throw new OpFailure(`account ${source === undefined ? from : to} does not exist; expected the bank's accounts to be created first`, true);
        if (source < amount) return false;
        await q('UPDATE accounts SET balance = $2 WHERE id = $1', [from, source - amount]);
        await q('UPDATE accounts SET balance = $2 WHERE id = $1', [to, target + amount]);
        return true;
      });
    },
    async read(accounts) {
      const found = await inTransaction(await link(), isolation, true, async (q) => balances((await q('SELECT id, balance FROM accounts WHERE id = ANY($1)', [[...accounts]])).rows));
      return Object.fromEntries(accounts.map((a) => [a, found.get(a) ?? null]));
    },
  };
}
