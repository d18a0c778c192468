// Small random list-append histories for comparing the cycle checker with the brute-force search
// (brute-force-cycles.ts): 2 to `maxTxns` transactions on 1 to 3 processes and 2 or 3 keys.
//
// Each transaction is invoked, applied to a store at some moment, and completed, so the history
// starts out strictly serializable; then it is damaged the way a faulty database would: reads that
// miss some of the latest appends (stale), keys whose order of appends is swapped in every read
// (so reads contradict real time or each other's transactions), transactions that end in info and
// may or may not have taken effect, and failed transactions whose appends were applied anyway. Reads
// stay prefixes of one order per key, so the version order is always known.
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';

export interface SmallHistoryOptions {
  /** At most this many transactions (default 5). */
  maxTxns?: number;
}

type Mop = ['append', string, number] | ['r', string, number[] | null];

interface Txn {
  process: number;
  mops: Mop[];
  outcome: 'ok' | 'info' | 'fail';
  result?: Mop[];
}

/** A random small history, deterministic in the seed. */
export function randomSmallHistory(seed: number, options: SmallHistoryOptions = {}): Op[] {
  const random = createRandom(seed);
  const count = random.between(Math.min(2, options.maxTxns ?? 5), options.maxTxns ?? 5);
  const processes = random.between(1, 3);
  const keys = ['x', 'y', 'z'].slice(0, random.between(2, 3));
  const appended = new Map<string, number>();
  const queues: Txn[][] = Array.from({ length: processes }, () => []);
  for (let i = 0; i < count; i++) {
    const mops: Mop[] = [];
    for (let m = random.between(1, 3); m > 0; m--) {
      const key = random.pick(keys);
      if (random.chance(0.5)) mops.push(['r', key, null]);
      else {
        const value = (appended.get(key) ?? 0) + 1;
        appended.set(key, value);
        mops.push(['append', key, value]);
      }
    }
    const roll = random.next();
    queues[random.int(processes)]!.push({ process: -1, mops, outcome: roll < 0.76 ? 'ok' : roll < 0.88 ? 'info' : 'fail' });
  }

  // Interleave: each process invokes its next transaction, applies it, and completes it.
  const store = new Map<string, number[]>();
  const reads: { mop: Mop & { 0: 'r' }; key: string }[] = [];
  const events: { process: number; txn: Txn; type: Op['type'] }[] = [];
  const phase = new Array<number>(processes).fill(0);
  const processOf = Array.from({ length: processes }, (_, p) => p);
  const busy = (): number[] => queues.map((q, p) => (q.length > 0 ? p : -1)).filter((p) => p >= 0);
  for (let ready = busy(); ready.length > 0; ready = busy()) {
    const p = random.pick(ready);
    const txn = queues[p]![0]!;
    if (phase[p] === 0) {
      txn.process = processOf[p]!;
      events.push({ process: txn.process, txn, type: 'invoke' });
    } else if (phase[p] === 1) {
      const takesEffect = txn.outcome === 'ok' || (txn.outcome === 'info' && random.chance(0.5)) || (txn.outcome === 'fail' && random.chance(0.15));
      if (takesEffect) txn.result = apply(txn.mops, store, reads);
    } else {
      events.push({ process: txn.process, txn, type: txn.outcome });
      queues[p]!.shift();
      // A process whose op ended in info is retired; its worker continues as a new process.
      if (txn.outcome === 'info') processOf[p]! += processes;
    }
    phase[p] = (phase[p]! + 1) % 3;
  }

  // Damage: swap two neighbouring appends of a key in every read, and make some reads stale.
  for (const key of keys) {
    const order = store.get(key) ?? [];
    if (order.length < 2 || !random.chance(0.35)) continue;
    const i = random.int(order.length - 1);
    const swapped = [...order];
    [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    for (const read of reads) if (read.key === key) read.mop[2] = swapped.slice(0, read.mop[2]!.length);
  }
  for (const read of reads) {
    const list = read.mop[2]!;
    if (list.length > 0 && random.chance(0.4)) read.mop[2] = list.slice(0, random.int(list.length));
  }

  return events.map(({ process, txn, type }, index) => ({
    index,
    time: (index + 1) * 1000,
    process,
    type,
    f: 'txn',
    value: type === 'invoke' ? txn.mops.map(([f, k, v]) => (f === 'r' ? ['r', k, null] : [f, k, v])) : type === 'ok' ? (txn.result ?? txn.mops) : txn.mops,
  }));
}

/** Applies a transaction's micro-ops to the store; its reads see the lists as they are then. */
function apply(mops: readonly Mop[], store: Map<string, number[]>, reads: { mop: Mop & { 0: 'r' }; key: string }[]): Mop[] {
  return mops.map((mop) => {
    const [f, key, value] = mop;
    const list = store.get(key) ?? store.set(key, []).get(key)!;
    if (f === 'append') {
      list.push(value as number);
      return mop;
    }
    const read: Mop & { 0: 'r' } = ['r', key, [...list]];
    reads.push({ mop: read, key });
    return read;
  });
}
