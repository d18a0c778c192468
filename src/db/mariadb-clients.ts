// The workloads' clients over a MariaDB session: each op is one transaction at the session's
// isolation level (mariadb-session.ts), on the tables of mariadb-config.ts.
//
//   list-append  append -> INSERT INTO lists ... ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', new)
//                r      -> SELECT v FROM lists WHERE k = ?          (elements are JSON, comma-joined)
//   rw-register  w      -> INSERT INTO registers ... ON DUPLICATE KEY UPDATE v = new
//                r      -> SELECT v FROM registers WHERE k = ?      (null: never written)
//   bank         transfer -> SELECT both balances, then UPDATE each to its new value (no FOR UPDATE:
//                             the isolation level alone must keep transfers from losing updates)
//                read     -> one SELECT ... WHERE id IN (...)
//   register     read / write as above on cells; cas -> UPDATE cells SET v = to WHERE k = ? AND v = from
import { OpFailure, type BankConnection, type ListMicroOp, type RegisterConnection, type RegisterMicroOp, type RwRegisterConnection, type TxnConnection } from './db.js';
import { TABLES } from './mariadb-config.js';
import type { Row, TxnRunner } from './mariadb-session.js';

/** A list element as stored: its JSON, which must not hold the separator. */
export function encodeElement(element: unknown): string {
  const text = JSON.stringify(element);
  if (text === undefined || text.includes(',')) throw new OpFailure(`list element ${String(text)} cannot be stored: elements are comma-joined JSON without commas (numbers, plain strings)`, true);
  return text;
}

/** A stored list back as its elements ('' or no row: the empty list). */
export function decodeList(stored: unknown): unknown[] {
  if (typeof stored !== 'string' || stored === '') return [];
  return stored.split(',').map((e) => JSON.parse(e) as unknown);
}

function valueOf(rows: Row[]): unknown {
  const v = rows[0]?.['v'];
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : null;
}

export function listAppendClient(session: TxnRunner): TxnConnection {
  return {
    txn: (mops) => session.transaction(async (scope) => {
      const done: ListMicroOp[] = [];
      for (const [f, k, v] of mops) {
        if (f === 'append') {
          const e = encodeElement(v);
          await scope.execute(`INSERT INTO ${TABLES.lists} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))`, [String(k), e]);
          done.push([f, k, v]);
        } else {
          const rows = await scope.query(`SELECT v FROM ${TABLES.lists} WHERE k = ?`, [String(k)]);
          done.push(['r', k, decodeList(rows[0]?.['v'])]);
        }
      }
      return done;
    }),
    close: () => session.close(),
  };
}

export function rwRegisterClient(session: TxnRunner): RwRegisterConnection {
  return {
    txn: (mops) => session.transaction(async (scope) => {
      const done: RegisterMicroOp[] = [];
      for (const [f, k, v] of mops) {
        if (f === 'w') {
          await scope.execute(`INSERT INTO ${TABLES.registers} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`, [String(k), JSON.stringify(v)]);
          done.push([f, k, v]);
        } else {
          done.push(['r', k, valueOf(await scope.query(`SELECT v FROM ${TABLES.registers} WHERE k = ?`, [String(k)]))]);
        }
      }
      return done;
    }),
    close: () => session.close(),
  };
}

export function bankClient(session: TxnRunner): BankConnection {
  const read = async (scope: { query(sql: string, values?: unknown[]): Promise<Row[]> }, accounts: readonly string[]) => {
    const rows = accounts.length === 0 ? [] : await scope.query(`SELECT id, balance FROM ${TABLES.accounts} WHERE id IN (${accounts.map(() => '?').join(', ')})`, accounts.map(String));
    const balances: Record<string, number | null> = Object.fromEntries(accounts.map((a) => [String(a), null]));
    for (const row of rows) balances[String(row['id'])] = Number(row['balance']);
    return balances;
  };
  return {
    createAccounts: (balances) => session.transaction(async (scope) => {
      const entries = Object.entries(balances);
      if (entries.length === 0) return;
      await scope.execute(`INSERT IGNORE INTO ${TABLES.accounts} (id, balance) VALUES ${entries.map(() => '(?, ?)').join(', ')}`, entries.flat());
    }),
    transfer: (from, to, amount) => session.transaction(async (scope) => {
      const balances = await read(scope, [from, to]);
      const [a, b] = [balances[String(from)], balances[String(to)]];
      if (a === null || a === undefined || b === null || b === undefined) throw new OpFailure(`account ${a == null ? from : to} does not exist`, true);
      if (a < amount) return false;
      await scope.execute(`UPDATE ${TABLES.accounts} SET balance = ? WHERE id = ?`, [a - amount, String(from)]);
      await scope.execute(`UPDATE ${TABLES.accounts} SET balance = ? WHERE id = ?`, [b + amount, String(to)]);
      return true;
    }),
    read: (accounts) => session.transaction((scope) => read(scope, accounts)),
    close: () => session.close(),
  };
}

export function registerClient(session: TxnRunner): RegisterConnection {
  return {
    read: (key) => session.transaction(async (scope) => valueOf(await scope.query(`SELECT v FROM ${TABLES.cells} WHERE k = ?`, [String(key)]))),
    write: (key, value) => session.transaction(async (scope) => {
      await scope.execute(`INSERT INTO ${TABLES.cells} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)`, [String(key), JSON.stringify(value)]);
    }),
    cas: (key, from, to) => session.transaction(async (scope) => {
      const matched = await scope.execute(`UPDATE ${TABLES.cells} SET v = ? WHERE k = ? AND v = ?`, [JSON.stringify(to), String(key), JSON.stringify(from)]);
      return matched > 0;
    }),
    close: () => session.close(),
  };
}
