// Anomalies a list-append history shows without any cycle:
//   - internal: a read disagrees with the transaction's own earlier read or append of the key;
//   - future-read: a read shows a value the same transaction appends only later;
//   - G1a (aborted read): a read shows a value appended by a failed transaction;
//   - G1b (intermediate read): a read ends at a value another transaction appended to the key and
//     then appended to it again (a state that transaction never committed);
//   - garbage-read: a read shows a value no transaction appended (treated like an aborted read);
//   - dirty-update: a key's order has a failed transaction's append followed by a committed one;
//   - lost-update: two committed transactions read the same version of a key, then both appended to it.
import { OK, type MicroOp, type Transactions } from './transactions.js';
import { denormalise, normalise, positionOf, type KeyVersions, type VersionIndex } from './version-orders.js';

export interface TxnAnomalies {
  internal: { txn: number; key: unknown; read: readonly unknown[]; expected: readonly unknown[] }[];
  futureRead: { txn: number; key: unknown; element: unknown }[];
  g1a: { txn: number; key: unknown; element: unknown; writer: number }[];
  g1b: { txn: number; key: unknown; element: unknown; writer: number }[];
  garbageRead: { txn: number; key: unknown; element: unknown }[];
  dirtyUpdate: { key: unknown; values: unknown[]; txns: [number, number] }[];
  lostUpdate: { key: unknown; read: readonly unknown[]; txns: number[] }[];
}

/** Marks the unknown prefix of an expected list: ['...', 3] means "anything, then 3". */
export const UNKNOWN_PREFIX = '...';

/** Looks for non-cycle anomalies one ok transaction at a time (see version-orders.ts fileReaders), then in each key's order. */
export function txnAnomalyScanner(txns: Transactions, index: VersionIndex): { scan(t: number): void; finish(): TxnAnomalies } {
  const found: TxnAnomalies = { internal: [], futureRead: [], g1a: [], g1b: [], garbageRead: [], dirtyUpdate: [], lostUpdate: [] };
  const firstBad = index.keys.map((ks) => {
    const i = ks.orderWriter.indexOf(-1);
    return i < 0 ? Infinity : i;
  });
  const updaters: Updaters = { first: new Int32Array(index.slots).fill(-1), shared: new Map() };
  return {
    scan(t) {
      const mops = txns.mops[t]!;
      const base = txns.mopStart[t]!;
      if (mops.length > 1 && repeatsKey(txns.mopKey, base, mops.length)) scanOwnKeys(t, mops, txns.mopKey.subarray(base, base + mops.length), index, found, updaters);
      for (let m = 0; m < mops.length; m++) {
        const [f, key, value] = mops[m]!;
        if (f !== 'r' || value === null || (value as unknown[]).length === 0) continue;
        const read = value as readonly unknown[];
        const id = txns.mopKey[base + m]!;
        const ks = index.keys[id]!;
        const last = normalise(read[read.length - 1]);
        const intermediateWriter = ks.intermediate?.get(last);
        if (intermediateWriter !== undefined && intermediateWriter !== t) found.g1b.push({ txn: t, key, element: read[read.length - 1], writer: intermediateWriter });
        if (read.length > firstBad[id]! || positionOf(index, ks, last) < 0) checkElements(t, key, read, ks, found);
      }
    },
    finish() {
      found.lostUpdate.push(...updaters.shared.values());
      for (const ks of index.keys) if (ks.failedWriter) dirtyUpdates(txns, ks, found);
      return found;
    },
  };
}

function checkElements(t: number, key: unknown, read: readonly unknown[], ks: KeyVersions, found: TxnAnomalies): void {
  for (const element of read) {
    const v = normalise(element);
    if (ks.writer.has(v)) continue;
    const failed = ks.failedWriter?.get(v);
    if (failed !== undefined) found.g1a.push({ txn: t, key, element, writer: failed });
    else found.garbageRead.push({ txn: t, key, element });
  }
}

function repeatsKey(mopKey: Int32Array, base: number, length: number): boolean {
  for (let i = 1; i < length; i++) for (let j = 0; j < i; j++) if (mopKey[base + i] === mopKey[base + j]) return true;
  return false;
}

/**
 * Walks a transaction that touches some key more than once: internal consistency of its reads with
 * its own earlier reads and appends, future reads, and read-then-append pairs for lost updates.
 */
function scanOwnKeys(t: number, mops: readonly MicroOp[], keyIds: Int32Array, index: VersionIndex, found: TxnAnomalies, updaters: Updaters): void {
  // Per key the transaction touches: what its own ops imply the key holds (the last read, or an
  // unknown prefix, followed by its appends since), and its first read of the key (null once the
  // key was appended to, or when an append came first).
  const keys: number[] = [];
  const lastReads: (readonly unknown[] | undefined)[] = [];
  const appended: (unknown[] | undefined)[] = [];
  const externalReads: (readonly unknown[] | null | undefined)[] = [];
  let futureRead = false;
  for (let i = 0; i < mops.length; i++) {
    const [f, key, value] = mops[i]!;
    const k = keyIds[i]!;
    let s = keys.indexOf(k);
    if (s < 0) {
      s = keys.push(k) - 1;
      lastReads.push(undefined);
      appended.push(undefined);
      externalReads.push(undefined);
    }
    if (f === 'r') {
      const read = (value ?? []) as readonly unknown[];
      if (externalReads[s] === undefined) externalReads[s] = read;
      if ((lastReads[s] !== undefined || appended[s] !== undefined) && !matches(lastReads[s], appended[s] ?? [], read)) {
        found.internal.push({ txn: t, key, read, expected: [...(lastReads[s] ?? [UNKNOWN_PREFIX]), ...(appended[s] ?? [])] });
      }
      lastReads[s] = read;
      appended[s] = undefined;
      continue;
    }
    (appended[s] ??= []).push(value);
    const read = externalReads[s];
    externalReads[s] = null;
    if (read) noteUpdate(t, key, read, index.keys[k]!, index, updaters);
    const v = normalise(value);
    for (let j = 0; j < i && !futureRead; j++) {
      const [g, , seen] = mops[j]!;
      if (g === 'r' && Array.isArray(seen) && keyIds[j] === k && seen.some((e) => normalise(e) === v)) {
        futureRead = true;
        found.futureRead.push({ txn: t, key, element: value });
      }
    }
  }
}

/** Read-then-append transactions by version: the first per slot, and those that share a version with another. */
interface Updaters {
  first: Int32Array;
  shared: Map<number, TxnAnomalies['lostUpdate'][number]>;
}

/** Files a read-then-append of a key under the version read, to find two committed updates of one version. */
function noteUpdate(t: number, key: unknown, read: readonly unknown[], ks: KeyVersions, index: VersionIndex, updaters: Updaters): void {
  const position = read.length === 0 ? -1 : positionOf(index, ks, normalise(read[read.length - 1]));
  if (read.length > 0 && position < 0) return; // a read outside the key's order: no version to share
  const slot = ks.slotBase + position + 1;
  const first = updaters.first[slot]!;
  if (first < 0) updaters.first[slot] = t;
  else if (first !== t) {
    const shared = updaters.shared.get(slot);
    if (!shared) updaters.shared.set(slot, { key, read, txns: [first, t] });
    else if (!shared.txns.includes(t)) shared.txns.push(t);
  }
}

/** Whether `read` is `base` (or, when base is unknown, anything) followed by `appended`. */
function matches(base: readonly unknown[] | undefined, appended: readonly unknown[], read: readonly unknown[]): boolean {
  const offset = read.length - appended.length;
  if (offset < 0 || (base !== undefined && offset !== base.length)) return false;
  for (let i = 0; base !== undefined && i < base.length; i++) if (read[i] !== base[i] && normalise(read[i]) !== normalise(base[i])) return false;
  for (let i = 0; i < appended.length; i++) if (read[offset + i] !== appended[i] && normalise(read[offset + i]) !== normalise(appended[i])) return false;
  return true;
}

function dirtyUpdates(txns: Transactions, ks: KeyVersions, found: TxnAnomalies): void {
  let failedAt = -1;
  for (let i = 0; i < ks.order.length; i++) {
    const writer = ks.orderWriter[i]!;
    if (writer < 0) {
      if (ks.failedWriter!.has(ks.order[i]) && failedAt < 0) failedAt = i;
      continue;
    }
    if (failedAt >= 0 && txns.status[writer] === OK) {
      found.dirtyUpdate.push({ key: ks.key, values: ks.order.slice(failedAt, i + 1).map(denormalise), txns: [ks.failedWriter!.get(ks.order[failedAt])!, writer] });
      return;
    }
  }
}
