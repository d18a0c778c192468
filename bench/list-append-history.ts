// Generates list-append (or rw-register) histories from a simulated strictly serializable store, for
// benchmarks and property tests. Each step picks a process: an idle one invokes a transaction, a waiting one has its
// transaction applied atomically to the store, an applied one completes. Since every transaction
// takes effect between its invocation and its completion, the history is strictly serializable
// unless `staleReads` asks for reads that miss the latest append of a key.
//
// Keys follow Elle's generator: `keys` keys are active at a time; a key that has taken
// `maxWritesPerKey` appends is retired for a fresh one, so reads stay short however long the run.
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';

export interface ListAppendHistoryOptions {
  txns: number;
  seed: number;
  /** Concurrent client processes (default 10). */
  processes?: number;
  /** Active keys (default 10). */
  keys?: number;
  /** Appends a key takes before it is retired (default 32). */
  maxWritesPerKey?: number;
  /** Micro-ops per transaction (default 1..4). */
  minTxnLength?: number;
  maxTxnLength?: number;
  /** Share of transactions that fail (never applied) and that end in info (applied or not), default 0. */
  failShare?: number;
  infoShare?: number;
  /** Share of reads that return the key's list without its latest append (an anomaly), default 0. */
  staleReads?: number;
  /** list-append (default): appends and list reads; rw-register: writes and reads of the latest value (null: never written). */
  kind?: 'list-append' | 'rw-register';
}

type Mop = ['append' | 'w', number, number] | ['r', number, number[] | number | null];

interface Pending {
  process: number;
  mops: Mop[];
  applied: boolean;
  outcome: 'ok' | 'fail' | 'info';
}

/** A history of `txns` list-append transactions (plus their invocations), deterministic in the seed. */
export function generateListAppendHistory(options: ListAppendHistoryOptions): Op[] {
  const random = createRandom(options.seed);
  const processes = options.processes ?? 10;
  const keyCount = options.keys ?? 10;
  const maxWrites = options.maxWritesPerKey ?? 32;
  const minLength = options.minTxnLength ?? 1;
  const maxLength = options.maxTxnLength ?? 4;
  const register = options.kind === 'rw-register';
  const store = new Map<number, number[]>();
  const active = Array.from({ length: keyCount }, (_, i) => i);
  let nextKey = keyCount;
  const writes = new Map<number, number>();
  const history: Op[] = [];
  const slots: (Pending | undefined)[] = new Array(processes).fill(undefined);
  const processOf = Array.from({ length: processes }, (_, i) => i);
  let started = 0;
  let time = 0;
  const emit = (process: number, type: Op['type'], value: unknown): void => {
    time += 1000 + random.int(50_000);
    history.push({ index: history.length, time, process, type, f: 'txn', value });
  };

  const newTxn = (process: number): Pending => {
    const length = random.between(minLength, maxLength);
    const mops: Mop[] = [];
    for (let i = 0; i < length; i++) {
      const slot = random.int(active.length);
      const key = active[slot]!;
      if (random.chance(0.5)) {
        mops.push(['r', key, null]);
        continue;
      }
      const n = (writes.get(key) ?? 0) + 1;
      writes.set(key, n);
      mops.push([register ? 'w' : 'append', key, n]);
      if (n >= maxWrites) active[slot] = nextKey++;
    }
    const roll = random.next();
    const outcome = roll < (options.failShare ?? 0) ? 'fail' : roll < (options.failShare ?? 0) + (options.infoShare ?? 0) ? 'info' : 'ok';
    return { process, mops, applied: false, outcome };
  };

  const apply = (txn: Pending): Mop[] => {
    const done: Mop[] = new Array(txn.mops.length);
    txn.mops.forEach((mop, i) => {
      const [f, key, value] = mop;
      const list = store.get(key) ?? [];
      if (f !== 'r') {
        list.push(value as number);
        store.set(key, list);
        done[i] = mop;
      } else {
        const stale = list.length > 0 && options.staleReads !== undefined && random.chance(options.staleReads);
        const seen = list.slice(0, stale ? list.length - 1 : list.length);
        done[i] = ['r', key, register ? (seen.at(-1) ?? null) : seen];
      }
    });
    return done;
  };

  const completed: Mop[][] = [];
  while (started < options.txns || slots.some((s) => s !== undefined)) {
    const p = random.int(processes);
    const txn = slots[p];
    if (txn === undefined) {
      if (started >= options.txns) continue;
      started++;
      const next = newTxn(processOf[p]!);
      slots[p] = next;
      emit(next.process, 'invoke', next.mops);
    } else if (!txn.applied) {
      txn.applied = true;
      const skip = txn.outcome === 'fail' || (txn.outcome === 'info' && random.chance(0.5));
      completed[p] = skip ? txn.mops : apply(txn);
    } else {
      emit(txn.process, txn.outcome, txn.outcome === 'ok' ? completed[p] : txn.mops);
      // A process whose op ended in info is retired; its worker continues as a new process.
      if (txn.outcome === 'info') processOf[p] = processOf[p]! + processes;
      slots[p] = undefined;
    }
  }
  return history;
}

/** A history of `txns` rw-register transactions from the same simulated store. */
export function generateRwRegisterHistory(options: Omit<ListAppendHistoryOptions, 'kind'>): Op[] {
  return generateListAppendHistory({ ...options, kind: 'rw-register' });
}
