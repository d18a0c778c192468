import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { compareHolds, KvState, replyOf, serveRead, type TxnCommand } from './kv-state.js';
import { ReplicatedLog } from './primary/replicated-log.js';
import { isReadOnly, parseRequest } from './protocol.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('parseRequest: txn', () => {
  it('accepts micro-ops and compares', () => {
    const line = '{"id":1,"op":"txn","if":[[">=","a",5]],"ops":[["r","x",null],["append","y",3],["w","z",{"n":1}],["add","a",-5]]}';
    expect(parseRequest(line)).toEqual({
      request: { id: 1, op: 'txn', if: [['>=', 'a', 5]], ops: [['r', 'x', null], ['append', 'y', 3], ['w', 'z', { n: 1 }], ['add', 'a', -5]] },
    });
    expect(parseRequest('{"id":2,"op":"txn","ops":[["r","x",null]]}')).toEqual({ request: { id: 2, op: 'txn', ops: [['r', 'x', null]] } });
  });

  it.each([
    ['{"id":3,"op":"txn"}', 'request 3 (op txn) has ops nothing; expected a non-empty list of micro-ops'],
    ['{"id":3,"op":"txn","ops":[]}', 'request 3 (op txn) has ops []; expected a non-empty list'],
    ['{"id":3,"op":"txn","ops":[["r","x",null],["append","y"]]}', 'request 3 (op txn) has micro-op 1 ["append","y"]; expected ["r", key, null] |'],
    ['{"id":3,"op":"txn","ops":[["r",7,null]]}', 'micro-op 0 ["r",7,null]'],
    ['{"id":3,"op":"txn","ops":[["r","x",1]]}', 'micro-op 0 ["r","x",1]'],
    ['{"id":3,"op":"txn","ops":[["add","x",1.5]]}', 'micro-op 0 ["add","x",1.5]'],
    ['{"id":3,"op":"txn","ops":[["delete","x",null]]}', 'micro-op 0 ["delete","x",null]'],
    ['{"id":3,"op":"txn","if":{"a":1},"ops":[["r","x",null]]}', 'request 3 (op txn) has "if" {"a":1}; expected a list of at most 1000 compares'],
    ['{"id":3,"op":"txn","if":[["~","a",1]],"ops":[["r","x",null]]}', 'request 3 (op txn) has compare 0 ["~","a",1]; expected [cmp, key, value] with cmp = | != | < | <= | > | >='],
  ])('%s is refused on one line naming what is wrong', (line, problem) => {
    const parsed = parseRequest(line);
    expect(parsed).toMatchObject({ id: 3 });
    expect((parsed as { problem: string }).problem).toContain(problem);
    expect((parsed as { problem: string }).problem).not.toContain('\n');
  });

  it('refuses more than 1000 micro-ops', () => {
    const ops = Array.from({ length: 1001 }, () => ['r', 'x', null]);
    expect(parseRequest(JSON.stringify({ id: 4, op: 'txn', ops }))).toEqual({ id: 4, problem: 'request 4 (op txn) has 1001 micro-ops; expected at most 1000' });
  });

  it('knows which ops change nothing', () => {
    expect(isReadOnly({ op: 'txn', ops: [['r', 'x', null], ['r', 'y', null]] })).toBe(true);
    expect(isReadOnly({ op: 'txn', ops: [['r', 'x', null], ['append', 'y', 1]] })).toBe(false);
    expect(isReadOnly({ op: 'read', key: 'k' })).toBe(true);
    expect(isReadOnly({ op: 'write', key: 'k', value: 1 })).toBe(false);
  });
});

const txn = (ops: TxnCommand['ops'], guards?: TxnCommand['if']): TxnCommand => (guards ? { op: 'txn', ops, if: guards } : { op: 'txn', ops });

describe('KvState: txn', () => {
  it('applies micro-ops in order, a read seeing the txn\'s own earlier writes', () => {
    const s = new KvState();
    expect(s.apply(txn([['r', 'l', null], ['append', 'l', 1], ['append', 'l', 2], ['r', 'l', null], ['w', 'w', 'x'], ['add', 'n', 4], ['add', 'n', -1], ['r', 'n', null]]))).toEqual({
      ok: true,
      results: [['r', 'l', null], ['append', 'l', 1], ['append', 'l', 2], ['r', 'l', [1, 2]], ['w', 'w', 'x'], ['add', 'n', 4], ['add', 'n', -1], ['r', 'n', 3]],
    });
    expect([s.read('l'), s.read('w'), s.read('n')]).toEqual([[1, 2], 'x', 3]);
  });

  it('changes nothing when a compare is false, and says which', () => {
    const s = new KvState();
    s.apply(txn([['w', 'a', 3]]));
    const aborted = s.apply(txn([['add', 'a', -5], ['add', 'b', 5]], [['>=', 'a', 5]]));
    expect(aborted).toMatchObject({ ok: false, error: 'txn-aborted', current: 3 });
    expect(replyOf(aborted)).toEqual({ ok: false, error: 'txn-aborted', definite: true, message: 'compare [">=","a",5] is false: "a" holds 3' });
    expect([s.read('a'), s.read('b')]).toEqual([3, null]);
    expect(s.apply(txn([['add', 'a', -3], ['add', 'b', 3]], [['>=', 'a', 3], ['=', 'b', null]]))).toMatchObject({ ok: true });
    expect([s.read('a'), s.read('b')]).toEqual([0, 3]);
  });

  it('is all or nothing: a wrong-type micro-op undoes the ones before it', () => {
    const s = new KvState();
    s.apply({ op: 'write', key: 'n', value: 7 });
    const result = s.apply(txn([['append', 'l', 1], ['w', 'x', 1], ['append', 'n', 2]]));
    expect(result).toMatchObject({ ok: false, error: 'wrong-type', current: 7 });
    expect(replyOf(result)).toMatchObject({ definite: true, message: 'micro-op 2 ["append","n",2]: "n" holds 7; expected a list or nothing' });
    expect([s.read('l'), s.read('x'), s.read('n')]).toEqual([null, null, 7]);
    expect(s.apply(txn([['add', 'l2', 1], ['add', 'x', 1]]))).toMatchObject({ ok: true });
    expect(s.apply(txn([['append', 'x', 1]]))).toMatchObject({ ok: false, error: 'wrong-type' });
  });

  it('evaluates without changing anything (how read-only txns are served)', () => {
    const s = new KvState();
    s.apply(txn([['append', 'l', 1]]));
    expect(s.evaluate(txn([['append', 'l', 2], ['r', 'l', null]]))).toEqual({ ok: true, results: [['append', 'l', 2], ['r', 'l', [1, 2]]] });
    expect(s.read('l')).toEqual([1]);
    expect(serveRead(s, { op: 'txn', ops: [['r', 'l', null], ['r', 'none', null]] })).toEqual({ ok: true, results: [['r', 'l', [1]], ['r', 'none', null]] });
    expect(serveRead(s, { op: 'read', key: 'l' })).toEqual({ ok: true, value: [1] });
  });

  it('compares: = and != by JSON equality with null for absent, ordering on numbers only', () => {
    expect(compareHolds(['=', 'k', null], null)).toBe(true);
    expect(compareHolds(['=', 'k', { a: [1] }], { a: [1] })).toBe(true);
    expect(compareHolds(['!=', 'k', 1], null)).toBe(true);
    expect(compareHolds(['<', 'k', 5], 4)).toBe(true);
    expect(compareHolds(['<=', 'k', 5], 5)).toBe(true);
    expect(compareHolds(['>', 'k', 5], 5)).toBe(false);
    expect(compareHolds(['>=', 'k', 0], null)).toBe(false);
    expect(compareHolds(['>=', 'k', 0], '7')).toBe(false);
  });

  it('survives a snapshot round trip', () => {
    const s = new KvState();
    s.apply(txn([['append', 'l', 1], ['append', 'l', { v: 2 }], ['add', 'n', 2]]));
    const restored = KvState.restore(JSON.parse(JSON.stringify(s.snapshot())));
    expect(restored.apply(txn([['append', 'l', 3], ['r', 'l', null], ['r', 'n', null]]))).toMatchObject({ results: [['append', 'l', 3], ['r', 'l', [1, { v: 2 }, 3]], ['r', 'n', 2]] });
  });
});

describe('the primary mode log with txns', () => {
  it('recovers txn entries from its WAL and its snapshot, and logs no entry for an aborted txn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'txn-log-'));
    dirs.push(dir);
    const log = pino({ level: 'silent' });
    const a = ReplicatedLog.open(dir, 'always', 4, log);
    a.setHardState(1, 'n1');
    for (let i = 1; i <= 6; i++) a.propose(txn([['append', 'l', i], ['add', 'n', i]]));
    expect(a.propose(txn([['append', 'l', 99]], [['=', 'n', 0]])).result).toMatchObject({ ok: false, error: 'txn-aborted' });
    await a.durable();
    a.close();
    // A snapshot every 4 records (the hard state and entries 1..3): 1..3 come back from it, 4..6 from the WAL.
    expect(existsSync(join(dir, 'primary.snapshot.json'))).toBe(true);
    const b = ReplicatedLog.open(dir, 'always', 4, log);
    expect({ last: b.last, l: b.state.read('l'), n: b.state.read('n') }).toEqual({ last: [6, 1], l: [1, 2, 3, 4, 5, 6], n: 21 });
    b.close();
  });
});
