// The bank as a saga, for a db with counters but no transactions: a transfer withdraws from one
// account, then deposits into the other, and when the deposit certainly failed, compensates by
// putting the money back. Each step is its own operation, so nothing isolates a transfer:
//
// - a read (one account after another) sees money that left one account and has not reached the
//   other yet, so even without faults a read's total can be short;
// - the funds check and the withdrawal are separate, so two transfers can overdraw an account;
// - a step that may or may not have happened (a timeout) cannot be compensated safely, so under
//   faults money is lost or created for good: the total drifts, which the bank checker reports.
//
// That is what a saga promises (eventual compensation of definite failures), not a bug to fix.
import { OpFailure, type BankConnection, type CounterConnection, type RegisterConnection } from './db.js';

/** A bank over counters, with accounts created by register writes (a counter holding a number). */
export function sagaBank(counters: CounterConnection, registers: Pick<RegisterConnection, 'write' | 'close'>): BankConnection {
  return {
    async createAccounts(balances) {
      // Blind writes: harmless to retry as long as no transfer has started (the bank workload creates
      // accounts before its first transfer).
      for (const [account, balance] of Object.entries(balances)) await registers.write(account, balance);
    },

    async transfer(from, to, amount) {
      let balance: number;
      try {
        balance = await counters.read(from);
      } catch (err) {
        throw new OpFailure(`funds check of ${from} failed, nothing withdrawn: ${messageOf(err)}`, true);
      }
      if (balance < amount) return false;
      await counters.add(from, -amount);
      try {
        await counters.add(to, amount);
        return true;
      } catch (err) {
        // A deposit that may have happened must not be compensated: that could create money.
        if (!(err instanceof OpFailure && err.definite)) throw err;
        try {
          await counters.add(from, amount);
        } catch (compensation) {
          throw new OpFailure(`deposit to ${to} failed (${err.message}) and compensating ${from} may not have happened: ${messageOf(compensation)}`, false);
        }
        throw new OpFailure(`deposit to ${to} failed (${err.message}); the withdrawal from ${from} was compensated`, true);
      }
    },

    async read(accounts) {
      const balances: Record<string, number | null> = {};
      for (const account of accounts) balances[account] = await counters.read(account);
      return balances;
    },

    async close() {
      await counters.close();
      await registers.close();
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
