// List-append transactions on etcd, the way Jepsen's etcd test does them: read every key of the
// transaction in one etcd txn (a linearizable snapshot, with each key's mod revision), compute the
// reads and the new lists locally, then commit in a second etcd txn guarded by "no key changed
// since" (mod_revision equal to what was read; 0 for a key that did not exist). A read-only
// transaction is just the first txn. A guard that fails changed nothing: the transaction fails
// definitely (another transaction got there first).
import { OpFailure, type ListMicroOp, type TxnConnection } from './db.js';

/** POSTs one request to the node's JSON gateway (etcd.ts's `call`, bound to a node and timeout). */
export type EtcdCall = (path: string, body: unknown) => Promise<unknown>;

interface RangeResponse {
  kvs?: { value?: string; mod_revision?: string }[];
}

interface TxnResponse {
  succeeded?: boolean;
  responses?: { response_range?: RangeResponse }[];
}

/** Where lists live in etcd's key space, apart from registers. */
const listKey = (key: string): string => encode(`la/${key}`);

export function etcdListAppend(call: EtcdCall): TxnConnection {
  return {
    async txn(mops) {
      const keys = [...new Set(mops.map(([, key]) => key))];
      const read = (await call('/v3/kv/txn', { success: keys.map((k) => ({ requestRange: { key: listKey(k) } })) })) as TxnResponse;
      const lists = new Map<string, unknown[]>();
      const revisions = new Map<string, string>();
      keys.forEach((k, i) => {
        const kv = read.responses?.[i]?.response_range?.kvs?.[0];
        // The gateway leaves out fields that hold their default: an absent key has no kvs.
        lists.set(k, kv?.value === undefined ? [] : parseList(decode(kv.value), k));
        revisions.set(k, kv?.mod_revision ?? '0');
      });
      const appended = new Set<string>();
      const results = mops.map(([f, key, value]): ListMicroOp => {
        const list = lists.get(key)!;
        if (f === 'r') return ['r', key, [...list]];
        lists.set(key, [...list, value]);
        appended.add(key);
        return ['append', key, value];
      });
      if (appended.size === 0) return results;
      const commit = (await call('/v3/kv/txn', {
        compare: keys.map((k) => ({ key: listKey(k), target: 'MOD', result: 'EQUAL', mod_revision: revisions.get(k) })),
        success: [...appended].map((k) => ({ requestPut: { key: listKey(k), value: encode(JSON.stringify(lists.get(k))) } })),
      })) as TxnResponse;
      if (commit.succeeded !== true) throw new OpFailure(`a key of the transaction changed between its read and its commit (${keys.join(', ')}): nothing written`, true);
      return results;
    },
    async close() {},
  };
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
