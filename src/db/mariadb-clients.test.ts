// The MariaDB clients without a server: which statements each op sends (through a fake session that
// plays the server's rows), how stored lists read back, and how a failed transaction is recorded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpFailure } from './db.js';
import { bankClient, decodeList, encodeElement, listAppendClient, registerClient, rwRegisterClient } from './mariadb-clients.js';
import { txnFailure, type Row, type TxnRunner, type TxnScope } from './mariadb-session.js';

/** A session whose SELECTs answer from `rows` (by the first value given, else '*') and whose writes match `matched` rows. */
function fakeSession(rows: Record<string, Row[]> = {}, matched = 1): { session: TxnRunner; sent: [string, unknown[]][] } {
  const sent: [string, unknown[]][] = [];
  const scope: TxnScope = {
    async query(sql, values = []) {
      sent.push([sql, values]);
      return rows[String(values[0])] ?? rows['*'] ?? [];
    },
    async execute(sql, values = []) {
      sent.push([sql, values]);
      return matched;
    },
  };
  return { session: { transaction: (body) => body(scope), close: async () => undefined }, sent };
}

describe('list elements', () => {
  it('round-trip numbers and plain strings (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.integer(), fc.stringMatching(/^[a-z0-9 ]*$/)), { minLength: 1 }), (elements) => {
      expect(decodeList(elements.map(encodeElement).join(','))).toEqual(elements);
    }));
  });

  it('read as empty when absent, and refuse an element holding the separator', () => {
    expect(decodeList(undefined)).toEqual([]);
    expect(decodeList('')).toEqual([]);
    expect(() => encodeElement('a,b')).toThrow(OpFailure);
  });
});

describe('listAppendClient', () => {
  it('appends with one upsert and reads the stored list', async () => {
    const { session, sent } = fakeSession({ '7': [{ v: '1,2' }] });
    const done = await listAppendClient(session).txn([['append', '7', 3], ['r', '7', null], ['r', '8', null]]);
    expect(done).toEqual([['append', '7', 3], ['r', '7', [1, 2]], ['r', '8', []]]);
    expect(sent[0]).toEqual(["INSERT INTO lists (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))", ['7', '3']]);
    expect(sent[1]).toEqual(['SELECT v FROM lists WHERE k = ?', ['7']]);
  });
});

describe('rwRegisterClient', () => {
  it('writes JSON and reads null for a register never written', async () => {
    const { session, sent } = fakeSession({ '1': [{ v: '5' }] });
    expect(await rwRegisterClient(session).txn([['w', '2', 9], ['r', '1', null], ['r', '3', null]])).toEqual([['w', '2', 9], ['r', '1', 5], ['r', '3', null]]);
    expect(sent[0]?.[1]).toEqual(['2', '9']);
  });
});

describe('bankClient', () => {
  const balances = { '*': [{ id: 'a', balance: 10 }, { id: 'b', balance: 2 }] };

  it('reads every balance in one statement', async () => {
    const { session, sent } = fakeSession(balances);
    expect(await bankClient(session).read(['a', 'b', 'c'])).toEqual({ a: 10, b: 2, c: null });
    expect(sent).toEqual([['SELECT id, balance FROM accounts WHERE id IN (?, ?, ?)', ['a', 'b', 'c']]]);
  });

  it('moves money with two updates, and moves none from an account holding too little', async () => {
    const { session, sent } = fakeSession(balances);
    expect(await bankClient(session).transfer('a', 'b', 4)).toBe(true);
    expect(sent.slice(1).map(([, v]) => v)).toEqual([[6, 'a'], [6, 'b']]);
    expect(await bankClient(session).transfer('b', 'a', 3)).toBe(false);
    expect(sent).toHaveLength(4);
  });
});

describe('registerClient', () => {
  it('says whether cas matched its row', async () => {
    expect(await registerClient(fakeSession({}, 1).session).cas('k', 1, 2)).toBe(true);
    expect(await registerClient(fakeSession({}, 0).session).cas('k', 1, 2)).toBe(false);
    expect(await registerClient(fakeSession({ k: [{ v: '"x"' }] }).session).read('k')).toBe('x');
  });
});

describe('txnFailure', () => {
  const deadlock = { message: 'Deadlock found when trying to get lock; try restarting transaction', errno: 1213, code: 'ER_LOCK_DEADLOCK' };
  const lost = { message: 'Connection lost: The server closed the connection.', code: 'PROTOCOL_CONNECTION_LOST' };

  it('is definite before COMMIT, whatever happened', () => {
    for (const err of [deadlock, lost, { message: 'Query inactivity timeout', code: 'PROTOCOL_SEQUENCE_TIMEOUT' }]) {
      expect(txnFailure(err, 'statement', 'n1').definite).toBe(true);
      expect(txnFailure(err, 'connect', 'n1').definite).toBe(true);
    }
  });

  it('at COMMIT, is definite for certification failures, lock wait timeouts and WSREP not ready only', () => {
    expect(txnFailure(deadlock, 'commit', 'n2')).toEqual(new OpFailure('COMMIT on n2: Deadlock found when trying to get lock; try restarting transaction (ER_LOCK_DEADLOCK)', true));
    expect(txnFailure({ message: 'Lock wait timeout exceeded', errno: 1205 }, 'commit', 'n1').definite).toBe(true);
    expect(txnFailure({ message: 'WSREP has not yet prepared node for application use', errno: 1047 }, 'commit', 'n1').definite).toBe(true);
    expect(txnFailure(lost, 'commit', 'n1').definite).toBe(false);
    expect(txnFailure({ message: 'Got error 6 during COMMIT', errno: 1180 }, 'commit', 'n1').definite).toBe(false);
  });
});
