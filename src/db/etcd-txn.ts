// List-append transactions on etcd, the way Jepsen's etcd test does them: read every key of the
// transaction in one etcd txn (a linearizable snapshot, with each key's mod revision), compute the
// reads and the new lists locally, then commit in a second etcd txn guarded by "no key changed
// since" (mod_revision equal to what was read; 0 for a key that did not exist). A read-only
// transaction is just the first txn. A guard that fails changed nothing: the transaction fails
// definitely (another transaction got there first). The bank works the same way: a transfer reads
// both accounts, then commits both new balances guarded by their mod revisions. With serializable
// reads (etcd.ts's `reads` knob) the first txn is answered by the member alone and may be stale:
// a commit's guard still catches that, a read-only transaction does not.
import { OpFailure, type BankConnection, type ListMicroOp, type TxnConnection } from './db.js';

/** POSTs one request to the node's JSON gateway (etcd.ts's `call`, bound to a node and timeout). */
export type EtcdCall = (path: string, body: unknown) => Promise<unknown>;

/** How reads are served: through the leader and a quorum, or by the member alone (may be stale). */
export type EtcdReads = 'linearizable' | 'serializable';

interface RangeResponse {
  kvs?: { value?: string; mod_revision?: string }[];
}

interface TxnResponse {
  succeeded?: boolean;
  responses?: { response_range?: RangeResponse }[];
}

/** Where lists live in etcd's key space, apart from registers. */
const listKey = (key: string): string => encode(`la/${key}`);

export function etcdListAppend(call: EtcdCall, reads: EtcdReads = 'linearizable'): TxnConnection {
  return {
    async txn(mops) {
      const keys = [...new Set(mops.map(([, key]) => key))];
      const read = await readKeys(call, keys.map(listKey), reads);
      const lists = new Map(keys.map((k, i) => [k, read[i]!.value === undefined ? [] : parseList(read[i]!.value!, k)]));
      const appended = new Set<string>();
      const results = mops.map(([f, key, value]): ListMicroOp => {
        const list = lists.get(key)!;
        if (f === 'r') return ['r', key, [...list]];
        lists.set(key, [...list, value]);
        appended.add(key);
        return ['append', key, value];
      });
      if (appended.size === 0) return results;
      const puts = [...appended].map((k) => ({ key: listKey(k), value: JSON.stringify(lists.get(k)) }));
      if (!(await commitIf(call, keys.map((k, i) => ({ key: listKey(k), mod: read[i]!.mod })), puts))) {
        throw new OpFailure(`a key of the transaction changed between its read and its commit (${keys.join(', ')}): nothing written`, true);
      }
      return results;
    },
    async close() {},
  };
}

/** Bank accounts as JSON numbers under bank/<account>: a transfer reads both, then commits guarded. */
export function etcdBank(call: EtcdCall, reads: EtcdReads = 'linearizable'): BankConnection {
  const accountKey = (account: string): string => encode(`bank/${account}`);
  return {
    async createAccounts(balances) {
      const accounts = Object.keys(balances);
      // Guarded by "none exists" (mod revision 0): a retry after an unknown outcome changes nothing.
      await commitIf(call, accounts.map((a) => ({ key: accountKey(a), mod: '0' })), accounts.map((a) => ({ key: accountKey(a), value: JSON.stringify(balances[a]) })));
    },
    async transfer(from, to, amount) {
      const [source, target] = await readKeys(call, [accountKey(from), accountKey(to)], reads);
      const balance = (kv: KeyRead, account: string): number => {
        const value = kv.value === undefined ? undefined : (JSON.parse(kv.value) as unknown);
        if (typeof value !== 'number') throw new OpFailure(`account ${account} holds ${kv.value ?? 'nothing'}; expected a balance`, true);
        return value;
      };
      const [fromBalance, toBalance] = [balance(source!, from), balance(target!, to)];
      if (fromBalance < amount) return false;
      const puts = [{ key: accountKey(from), value: JSON.stringify(fromBalance - amount) }, { key: accountKey(to), value: JSON.stringify(toBalance + amount) }];
      if (!(await commitIf(call, [{ key: accountKey(from), mod: source!.mod }, { key: accountKey(to), mod: target!.mod }], puts))) {
        throw new OpFailure(`account ${from} or ${to} changed between the transfer's read and its commit: nothing moved`, true);
      }
      return true;
    },
    async read(accounts) {
      const read = await readKeys(call, accounts.map(accountKey), reads);
      return Object.fromEntries(accounts.map((a, i) => {
        const value = read[i]!.value === undefined ? null : (JSON.parse(read[i]!.value!) as unknown);
        return [a, typeof value === 'number' ? value : null];
      }));
    },
    async close() {},
  };
}

/** A key's value (decoded) and mod revision ("0" when it does not exist). */
interface KeyRead {
  value: string | undefined;
  mod: string;
}

/** Reads encoded keys in one etcd txn: one snapshot, linearizable unless every range asks to be serializable. */
async function readKeys(call: EtcdCall, keys: readonly string[], reads: EtcdReads): Promise<KeyRead[]> {
  const range = (key: string) => (reads === 'serializable' ? { key, serializable: true } : { key });
  const read = (await call('/v3/kv/txn', { success: keys.map((key) => ({ requestRange: range(key) })) })) as TxnResponse;
  return keys.map((_, i) => {
    // The gateway leaves out fields that hold their default: an absent key has no kvs.
    const kv = read.responses?.[i]?.response_range?.kvs?.[0];
    return { value: kv?.value === undefined ? undefined : decode(kv.value), mod: kv?.mod_revision ?? '0' };
  });
}

/** Puts `puts` only if every guarded key still has its mod revision; true when it did. */
async function commitIf(call: EtcdCall, guards: readonly { key: string; mod: string }[], puts: readonly { key: string; value: string }[]): Promise<boolean> {
  const commit = (await call('/v3/kv/txn', {
    compare: guards.map((g) => ({ key: g.key, target: 'MOD', result: 'EQUAL', mod_revision: g.mod })),
    success: puts.map((p) => ({ requestPut: { key: p.key, value: encode(p.value) } })),
  })) as TxnResponse;
  return commit.succeeded === true;
}

function parseList(text: string, key: string): unknown[] {
  const value = JSON.parse(text) as unknown;
  // Read inside the first txn: nothing was written yet, so a bad value fails the op definitely.
  if (!Array.isArray(value)) throw new OpFailure(`etcd key la/${key} holds ${text.slice(0, 80)}; expected a JSON list`, true);
  return value;
}

/** etcd's JSON gateway carries keys and values as base64. */
export function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}
