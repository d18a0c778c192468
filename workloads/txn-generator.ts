// Random transactions over a pool of keys, for Elle's two workloads: each micro-op reads a key or
// writes it (an append for list-append, a register write for rw-register) with equal odds, over
// `activeKeys` keys in use at once. Written values are 1, 2, 3, ... per key, in the order the
// generator issued them, and a key is retired for a fresh one after `maxWritesPerKey` writes, so
// values are unique per key and each key's history stays short.
import { op, type Gen } from '../src/generator.js';

export interface TxnShape {
  activeKeys: number;
  /** Micro-ops per transaction: 1..maxTxnLength. */
  maxTxnLength: number;
  maxWritesPerKey: number;
}

/** A transaction's micro-ops: reads ask for the key's value (null), writes carry the next value. */
export type TxnMicroOp<W extends string> = [W, number, number] | ['r', number, null];

/** The keys in use, each with how many writes were issued to it; the next fresh key. */
interface KeyPool {
  active: readonly { key: number; writes: number }[];
  nextKey: number;
}

/** `{ f: 'txn', value: [...micro-ops] }` ops without end, writing with `write` ('append' or 'w'). */
export function randomTxns<W extends string>(write: W, shape: TxnShape): Gen {
  return txns({ active: Array.from({ length: shape.activeKeys }, (_, key) => ({ key, writes: 0 })), nextKey: shape.activeKeys }, write, shape);
}

/** Random transactions over the pool's keys; each issued write moves its key's count on. */
function txns<W extends string>(pool: KeyPool, write: W, shape: TxnShape): Gen {
  return {
    op(ctx) {
      let next = pool;
      const mops: TxnMicroOp<W>[] = [];
      const length = 1 + ctx.random.int(shape.maxTxnLength);
      for (let i = 0; i < length; i++) {
        const slot = ctx.random.int(next.active.length);
        const { key, writes } = next.active[slot]!;
        if (ctx.random.int(2) === 0) {
          mops.push(['r', key, null]);
          continue;
        }
        mops.push([write, key, writes + 1]);
        const retired = writes + 1 >= shape.maxWritesPerKey;
        const replacement = retired ? { key: next.nextKey, writes: 0 } : { key, writes: writes + 1 };
        next = { active: next.active.map((k, j) => (j === slot ? replacement : k)), nextKey: next.nextKey + (retired ? 1 : 0) };
      }
      const result = op({ f: 'txn', value: mops }, ctx);
      return result === null || result === 'pending' ? result : [result[0], txns(next, write, shape)];
    },
  };
}
