import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpFailure } from './db.js';
import { decodeList, encodeElement, inTransaction, listAppendTxn, pgBank, pgFailure, rwRegisterTxn, type PgLink, type PgResult } from './postgres-sql.js';

/** A server error as node-postgres gives it. */
function serverError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

/** A link that answers from a script and records what it was sent. */
function fakeLink(answer: (text: string, params?: readonly unknown[]) => PgResult | Error = () => ({ rows: [], rowCount: 0 })): PgLink & { sent: string[] } {
  const sent: string[] = [];
  return {
    node: 'n1',
    sent,
    async query(text, params) {
      sent.push(text);
      const a = answer(text, params);
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

describe('postgres outcomes (pgFailure)', () => {
  it('is definite for anything before COMMIT was sent, and for a transaction that wrote nothing', () => {
    for (const err of [serverError('40001'), new Error('Connection terminated unexpectedly'), new Error('Query read timeout'), serverError('57P01')]) {
      expect(pgFailure(err, 'n1', { committing: false, readOnly: false }).definite).toBe(true);
      expect(pgFailure(err, 'n1', { committing: true, readOnly: true }).definite).toBe(true);
    }
  });

  it('at COMMIT, is definite only for rollbacks: serialization failures, deadlocks, constraint and read-only errors', () => {
    const at = { committing: true, readOnly: false };
    for (const code of ['40001', '40P01', '23505', '25006']) expect(pgFailure(serverError(code), 'n1', at).definite, code).toBe(true);
    for (const code of ['40003', '57P01', '57014', '08006', 'XX000']) expect(pgFailure(serverError(code), 'n1', at).definite, code).toBe(false);
    expect(pgFailure(new Error('Connection terminated unexpectedly'), 'n1', at).definite).toBe(false);
    expect(pgFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'n1', at).definite).toBe(false);
  });

  it('quotes the node, the phase and the SQLSTATE', () => {
    expect(pgFailure(serverError('40001', 'could not serialize access'), 'n2', { committing: true, readOnly: false }).message).toBe('postgres on n2 at COMMIT: could not serialize access (SQLSTATE 40001)');
  });

  it('never calls a transaction that did not reach COMMIT indefinite (property)', () => {
    fc.assert(fc.property(fc.string({ minLength: 5, maxLength: 5 }), fc.boolean(), (code, readOnly) => {
      expect(pgFailure(serverError(code), 'n1', { committing: false, readOnly }).definite).toBe(true);
    }));
  });
});

describe('postgres transactions', () => {
  it('runs each op in BEGIN ISOLATION LEVEL ... COMMIT, and rolls back a failed one as a definite failure', async () => {
    const ok = fakeLink();
    await inTransaction(ok, 'repeatable-read', false, (q) => q('SELECT 1'));
    expect(ok.sent).toEqual(['BEGIN ISOLATION LEVEL REPEATABLE READ', 'SELECT 1', 'COMMIT']);
    const failing = fakeLink((text) => (text === 'SELECT 1' ? serverError('40P01') : { rows: [], rowCount: 0 }));
    await expect(inTransaction(failing, 'serializable', false, (q) => q('SELECT 1'))).rejects.toMatchObject({ definite: true });
    expect(failing.sent).toEqual(['BEGIN ISOLATION LEVEL SERIALIZABLE', 'SELECT 1', 'ROLLBACK']);
  });

  it('calls a COMMIT whose connection broke indefinite, and a COMMIT that answered ROLLBACK definite', async () => {
    const broken = fakeLink((text) => (text === 'COMMIT' ? new Error('Connection terminated unexpectedly') : { rows: [], rowCount: 0 }));
    const err = await inTransaction(broken, 'serializable', false, (q) => q('UPDATE x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpFailure);
    expect((err as OpFailure).definite).toBe(false);
    const rolledBack = fakeLink((text) => ({ rows: [], rowCount: 0, ...(text === 'COMMIT' && { command: 'ROLLBACK' }) }));
    await expect(inTransaction(rolledBack, 'serializable', false, (q) => q('UPDATE x'))).rejects.toMatchObject({ definite: true });
  });

  it('appends with an upsert and reads lists back as the elements appended', async () => {
    const link = fakeLink((text) => (text.startsWith('SELECT v FROM lists') ? { rows: [{ v: '1,2,3' }], rowCount: 1 } : { rows: [], rowCount: 1 }));
    expect(await listAppendTxn(link, 'serializable', [['append', '4', 4], ['r', '4', null]])).toEqual([['append', '4', 4], ['r', '4', [1, 2, 3]]]);
    expect(link.sent[1]).toMatch(/^INSERT INTO lists .* ON CONFLICT \(k\) DO UPDATE SET v = lists.v \|\| ',' \|\| excluded.v$/);
    expect(decodeList(null)).toEqual([]);
    expect(decodeList(encodeElement('a'))).toEqual(['a']);
    expect(() => encodeElement('a,b')).toThrow(OpFailure);
  });

  it('reads a register never written as null', async () => {
    const link = fakeLink((text) => (text.startsWith('SELECT') ? { rows: [], rowCount: 0 } : { rows: [], rowCount: 1 }));
    expect(await rwRegisterTxn(link, 'read-committed', [['w', 'a', 1], ['r', 'b', null]])).toEqual([['w', 'a', 1], ['r', 'b', null]]);
  });

  it('reads every balance in one statement, and transfers only what the source holds', async () => {
    const link = fakeLink((text) => (text.startsWith('SELECT id, balance') ? { rows: [{ id: 'a', balance: 5 }, { id: 'b', balance: 7 }], rowCount: 2 } : { rows: [], rowCount: 1 }));
    const bank = pgBank(async () => link, 'serializable');
    expect(await bank.read(['a', 'b', 'c'])).toEqual({ a: 5, b: 7, c: null });
    expect(link.sent.filter((s) => s.startsWith('SELECT'))).toHaveLength(1);
    expect(await bank.transfer('a', 'b', 6)).toBe(false);
    expect(await bank.transfer('a', 'b', 5)).toBe(true);
    expect(link.sent.filter((s) => s.startsWith('UPDATE'))).toHaveLength(2);
  });
});
