// One client's connection to one MariaDB node (mysql2), and how a failed transaction is recorded.
// Every op is one transaction: SET SESSION TRANSACTION ISOLATION LEVEL once per connection, then
// START TRANSACTION, its statements, COMMIT. A connection that failed is dropped; the next op opens
// a new one, so an op is sent at most once and never queued behind a reconnect.
import type mysql from 'mysql2/promise';
import { OpFailure } from './db.js';
import { isolationSql, SQL_DATABASE, SQL_PORT, SQL_USER, type IsolationLevel } from './mariadb-config.js';

/** Where a transaction was when it failed: what the error then says about whether it committed. */
export type TxnPhase = 'connect' | 'statement' | 'commit';

/**
 * Server errors after which the transaction certainly did not commit, even when raised at COMMIT:
 * 1213 ER_LOCK_DEADLOCK (an InnoDB deadlock, and Galera's certification failure: another node's
 * write set got there first, so this one was rolled back), 1205 ER_LOCK_WAIT_TIMEOUT (the client
 * rolls back what is left), 1047 ER_UNKNOWN_COM_ERROR (WSREP has not yet prepared node for
 * application use: nothing was executed), 1180 is NOT here: "Got error during COMMIT" may follow a
 * commit that replicated.
 */
export const DEFINITE_ERRNOS: ReadonlySet<number> = new Set([1213, 1205, 1047]);

/** The parts of a mysql2 error the mapping reads. */
export interface SqlError {
  message: string;
  errno?: number;
  code?: string;
}

/**
 * A failed transaction as an OpFailure. Before COMMIT was sent nothing can have committed (the
 * transaction is rolled back, or its connection dropped, which rolls it back): definite. At COMMIT
 * only the errors above are definite; a lost connection or a timeout there leaves it unknown.
 */
export function txnFailure(err: SqlError, phase: TxnPhase, node: string): OpFailure {
  const code = err.code ?? (err.errno === undefined ? 'no code' : `errno ${err.errno}`);
  const message = `${phase === 'connect' ? 'connecting to' : phase === 'commit' ? 'COMMIT on' : 'transaction on'} ${node}: ${err.message} (${code})`;
  const definite = phase !== 'commit' || (err.errno !== undefined && DEFINITE_ERRNOS.has(err.errno));
  return new OpFailure(message, definite);
}

/** A statement's result rows, as mysql2 gives them for a SELECT. */
export type Row = Record<string, unknown>;

/** What a transaction body may do: run statements on the open transaction. */
export interface TxnScope {
  query(sql: string, values?: unknown[]): Promise<Row[]>;
  /** Rows an UPDATE or INSERT matched. */
  execute(sql: string, values?: unknown[]): Promise<number>;
}

/** What the clients need of a session: one transaction at a time, and closing it. */
export interface TxnRunner {
  transaction<T>(body: (scope: TxnScope) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SessionOptions {
  host: string;
  node: string;
  password: string;
  isolation: IsolationLevel;
  timeoutMs: number;
}

/** A connection to one node, opened on first use and again after a failure. */
export class MariaDbSession implements TxnRunner {
  private connection: mysql.Connection | undefined;

  constructor(private readonly options: SessionOptions) {}

  /** Runs `body` as one transaction within the op timeout; throws an OpFailure saying whether it may have committed. */
  async transaction<T>(body: (scope: TxnScope) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    let phase: TxnPhase = 'connect';
    try {
      const connection = await this.connected(left());
      phase = 'statement';
      const run = async (sql: string, values: unknown[] = []) => (await connection.query({ sql, timeout: left(), values }))[0];
      await run('START TRANSACTION');
      const result = await body({
        query: async (sql, values) => (await run(sql, values)) as Row[],
        execute: async (sql, values) => ((await run(sql, values)) as { affectedRows: number }).affectedRows,
      });
      phase = 'commit';
      await run('COMMIT');
      return result;
    } catch (err) {
      if (err instanceof OpFailure) {
        // The body refused (e.g. a transfer from an account holding too little): roll back, keep the connection.
        await this.rollback(left());
        throw err;
      }
      this.drop();
      throw txnFailure(err as SqlError, phase, this.options.node);
    }
  }

  async close(): Promise<void> {
    this.drop();
  }

  private async connected(timeoutMs: number): Promise<mysql.Connection> {
    if (this.connection) return this.connection;
    const { default: mysql2 } = await import('mysql2/promise');
    const connection = await mysql2.createConnection({
      host: this.options.host,
      port: SQL_PORT,
      user: SQL_USER,
      password: this.options.password,
      database: SQL_DATABASE,
      connectTimeout: timeoutMs,
    });
    // Errors surface through the ops; an unhandled 'error' event would take the controller down.
    connection.on('error', () => undefined);
    try {
      await connection.query({ sql: `SET SESSION TRANSACTION ISOLATION LEVEL ${isolationSql(this.options.isolation)}`, timeout: timeoutMs });
    } catch (err) {
      connection.destroy();
      throw err;
    }
    this.connection = connection;
    return connection;
  }

  private async rollback(timeoutMs: number): Promise<void> {
    try {
      await this.connection?.query({ sql: 'ROLLBACK', timeout: timeoutMs });
    } catch {
      this.drop(); // a dropped connection rolls back too
    }
  }

  private drop(): void {
    this.connection?.destroy();
    this.connection = undefined;
  }
}
