// Transactions on the bundled store (modes raft and primary; src/kv/txn.ts): a list-append
// transaction is one txn request, a bank transfer one txn guarded by the funds check, and a bank
// read one read-only txn of every account, so each is atomic where the mode makes txns atomic.
import type { Json, KvOp, KvResponse, TxnMicroOp, TxnResult } from '../kv/client.js';
import { OpFailure, type BankConnection, type ListMicroOp, type RegisterMicroOp, type RwRegisterConnection, type TxnConnection } from './db.js';

type Call = ((req: KvOp) => Promise<KvResponse>) & { close(): void };

/** List-append transactions: appends and reads of lists, in one txn. */
export function listAppendConnection(call: Call): TxnConnection {
  return {
    async txn(mops) {
      const ops = mops.map(([f, key, value]): TxnMicroOp => (f === 'r' ? ['r', key, null] : ['append', key, value as Json]));
      const results = resultsOf(await call({ op: 'txn', ops }), ops.length);
      return results.map(([f, key, value], i): ListMicroOp => {
        if (f !== 'r') return mops[i]!;
        // The txn has happened (its appends too), so a malformed read is not a definite failure.
        if (value !== null && !Array.isArray(value)) throw new OpFailure(`txn read ${key} as ${JSON.stringify(value)}; expected a list`, false);
        return ['r', key, value ?? []];
      });
    },
    async close() {
      call.close();
    },
  };
}

/** rw-register transactions: writes and reads of registers, in one txn (a key never written reads null). */
export function rwRegisterConnection(call: Call): RwRegisterConnection {
  return {
    async txn(mops) {
      const ops = mops.map(([f, key, value]): TxnMicroOp => (f === 'r' ? ['r', key, null] : ['w', key, value as Json]));
      const results = resultsOf(await call({ op: 'txn', ops }), ops.length);
      return results.map(([f, key, value], i): RegisterMicroOp => (f === 'r' ? ['r', key, value ?? null] : mops[i]!));
    },
    async close() {
      call.close();
    },
  };
}

/** A bank of accounts held as numbers: transfers and reads are single txns. */
export function txnBank(call: Call): BankConnection {
  return {
    async createAccounts(balances) {
      const accounts = Object.keys(balances);
      const response = await call({ op: 'txn', if: accounts.map((a) => ['=', a, null]), ops: accounts.map((a): TxnMicroOp => ['w', a, balances[a]!]) });
      // Aborted: the accounts exist (all of them: the txn that created them was atomic).
      if (!response.ok && response.error === 'txn-aborted') return;
      resultsOf(response, accounts.length);
    },
    async transfer(from, to, amount) {
      const response = await call({ op: 'txn', if: [['>=', from, amount]], ops: [['add', from, -amount], ['add', to, amount]] });
      if (!response.ok && response.error === 'txn-aborted') return false;
      resultsOf(response, 2);
      return true;
    },
    async read(accounts) {
      const results = resultsOf(await call({ op: 'txn', ops: accounts.map((a): TxnMicroOp => ['r', a, null]) }), accounts.length);
      return Object.fromEntries(results.map(([, account, balance]) => [account, typeof balance === 'number' ? balance : null]));
    },
    async close() {
      call.close();
    },
  };
}

/** A txn's results; a failure becomes an OpFailure as definite as the store said. */
function resultsOf(response: KvResponse, expected: number): TxnResult[] {
  if (!response.ok) throw new OpFailure(response.message ? `${response.error}: ${response.message}` : response.error, response.definite);
  const results = 'results' in response ? response.results : undefined;
  if (!Array.isArray(results) || results.length !== expected) {
    throw new OpFailure(`txn answered ${JSON.stringify(response)}; expected ${expected} results`, false);
  }
  return results;
}
