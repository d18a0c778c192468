// etcd list-append transactions against a small in-memory model of etcd's txn API (mod revisions,
// compares, range and put), including a competing writer between the read and the commit.
import { describe, expect, it } from 'vitest';
import { OpFailure } from './db.js';
import { decode, encode, etcdBank, etcdListAppend, type EtcdCall } from './etcd-txn.js';

interface Compare { key: string; target: string; result: string; mod_revision: string }
interface RequestOp { requestRange?: { key: string }; requestPut?: { key: string; value: string } }

/** etcd's txn semantics in miniature; `beforeCommit` runs just before a txn with compares. */
function fakeEtcd(beforeCommit?: (store: FakeStore) => void): { call: EtcdCall; store: FakeStore } {
  const store = new FakeStore();
  const call: EtcdCall = async (path, body) => {
    expect(path).toBe('/v3/kv/txn');
    const { compare = [], success } = body as { compare?: Compare[]; success: RequestOp[] };
    if (compare.length > 0) beforeCommit?.(store);
    const succeeded = compare.every((c) => c.target === 'MOD' && c.result === 'EQUAL' && String(store.revisionOf(c.key)) === c.mod_revision);
    if (!succeeded) return {};
    const responses = success.map((op) => {
      if (op.requestPut) {
        store.put(op.requestPut.key, op.requestPut.value);
        return { response_put: {} };
      }
      const kv = store.get(op.requestRange!.key);
      // Like the gateway: fields at their default are left out.
      return { response_range: kv ? { kvs: [{ value: kv.value, mod_revision: String(kv.mod) }] } : {} };
    });
    return { succeeded: true, responses };
  };
  return { call, store };
}

class FakeStore {
  private revision = 1;
  private readonly kvs = new Map<string, { value: string; mod: number }>();
  get(key: string) {
    return this.kvs.get(key);
  }
  revisionOf(key: string): number {
    return this.kvs.get(key)?.mod ?? 0;
  }
  put(key: string, value: string): void {
    this.kvs.set(key, { value, mod: ++this.revision });
  }
  list(key: string): unknown {
    return this.json(`la/${key}`);
  }
  json(path: string): unknown {
    const kv = this.kvs.get(encode(path));
    return kv && JSON.parse(decode(kv.value));
  }
}

describe('etcd list-append transactions', () => {
  it('append and read in order, a read seeing the transaction\'s own earlier appends', async () => {
    const { call, store } = fakeEtcd();
    const conn = etcdListAppend(call);
    expect(await conn.txn([['append', 'x', 1], ['r', 'x', null], ['r', 'y', null]])).toEqual([['append', 'x', 1], ['r', 'x', [1]], ['r', 'y', []]]);
    expect(await conn.txn([['r', 'x', null], ['append', 'x', 2], ['append', 'y', 3], ['r', 'x', null]])).toEqual([
      ['r', 'x', [1]], ['append', 'x', 2], ['append', 'y', 3], ['r', 'x', [1, 2]],
    ]);
    expect(store.list('x')).toEqual([1, 2]);
    expect(store.list('y')).toEqual([3]);
  });

  it('fails definitely and writes nothing when a key it read changed before its commit', async () => {
    let raced = false;
    const { call, store } = fakeEtcd((s) => {
      if (raced) return;
      raced = true;
      s.put(encode('la/y'), encode(JSON.stringify([9])));
    });
    const err = await etcdListAppend(call).txn([['r', 'y', null], ['append', 'x', 1]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpFailure);
    expect((err as OpFailure).definite).toBe(true);
    expect(store.list('x')).toBeUndefined();
    expect(store.list('y')).toEqual([9]);
  });

  it('a read-only transaction commits nothing', async () => {
    const { call } = fakeEtcd(() => {
      throw new Error('a read-only transaction sent a guarded commit');
    });
    expect(await etcdListAppend(call).txn([['r', 'x', null]])).toEqual([['r', 'x', []]]);
  });
});

describe('etcd bank', () => {
  it('creates the accounts once, moves money, refuses an overdraft, and keeps the total', async () => {
    const { call, store } = fakeEtcd();
    const bank = etcdBank(call);
    await bank.createAccounts({ a: 10, b: 10 });
    await bank.createAccounts({ a: 99, b: 99 });
    expect(await bank.read(['a', 'b', 'c'])).toEqual({ a: 10, b: 10, c: null });
    expect(await bank.transfer('a', 'b', 4)).toBe(true);
    expect(await bank.transfer('a', 'b', 7)).toBe(false);
    expect(await bank.read(['a', 'b'])).toEqual({ a: 6, b: 14 });
    expect(store.json('bank/a')).toBe(6);
  });

  it('moves nothing and fails definitely when an account changed between read and commit', async () => {
    let raced = false;
    const { call, store } = fakeEtcd((s) => {
      if (!raced && s.get(encode('bank/a'))) {
        raced = true;
        s.put(encode('bank/b'), encode('50'));
      }
    });
    const bank = etcdBank(call);
    await bank.createAccounts({ a: 10, b: 10 });
    const err = await bank.transfer('a', 'b', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpFailure);
    expect((err as OpFailure).definite).toBe(true);
    expect([store.json('bank/a'), store.json('bank/b')]).toEqual([10, 50]);
  });
});
