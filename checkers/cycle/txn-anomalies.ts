// Anomalies a list-append history shows without any cycle:
//   - internal: a read disagrees with the transaction's own earlier read or append of the key;
//   - future-read: a read shows a value the same transaction appends only later;
//   - G1a (aborted read): a read shows a value appended by a failed transaction;
//   - G1b (intermediate read): a read ends at a value another transaction appended to the key and
//     then appended to it again (a state that transaction never committed);
//   - garbage-read: a read shows a value no transaction appended (treated like an aborted read);
//   - dirty-update: a key's order has a failed transaction's append followed by a committed one;
//   - lost-update: two committed transactions read the same version of a key, then both appended to it.
import type { MicroOp, Transactions } from './transactions.js';
import { OK } from './transactions.js';
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

/** Finds every non-cycle anomaly of the transactions. */
export function findTxnAnomalies(txns: Transactions, index: VersionIndex): TxnAnomalies {
  const found: TxnAnomalies = { internal: [], futureRead: [], g1a: [], g1b: [], garbageRead: [], dirtyUpdate: [], lostUpdate: [] };
  const firstBad = index.keys.map((ks) => {
    const i = ks.orderWriter.indexOf(-1);
    return i < 0 ? Infinity : i;
  });
  const updatersBySlot = new Map<number, { key: unknown; read: readonly unknown[]; txns: number[] }>();
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    const mops = txns.mops[t]!;
    if (mops.length > 1 && repeatsKey(mops)) scanOwnKeys(t, mops, index, found, updatersBySlot);
    for (const [f, key, value] of mops) {
      if (f !== 'r' || value === null || (value as unknown[]).length === 0) continue;
      const read = value as readonly unknown[];
      const id = index.keyIdOf.get(normalise(key))!;
      const ks = index.keys[id]!;
      const last = normalise(read[read.length - 1]);
      const intermediateWriter = ks.intermediate?.get(last);
      if (intermediateWriter !== undefined && intermediateWriter !== t) found.g1b.push({ txn: t, key, element: read[read.length - 1], writer: intermediateWriter });
      if (read.length > firstBad[id]! || positionOf(index, ks, last) < 0) checkElements(t, key, read, ks, found);
    }
  }
  for (const updaters of updatersBySlot.values()) if (updaters.txns.length > 1) found.lostUpdate.push(updaters);
  for (const ks of index.keys) if (ks.failedWriter) dirtyUpdates(txns, ks, found);
  return found;
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

function repeatsKey(mops: readonly MicroOp[]): boolean {
  for (let i = 1; i < mops.length; i++) for (let j = 0; j < i; j++) if (normalise(mops[i]![1]) === normalise(mops[j]![1])) return true;
  return false;
}

/**
 * Walks a transaction that touches some key more than once: internal consistency of its reads with
 * its own earlier reads and appends, future reads, and read-then-append pairs for lost updates.
 */
function scanOwnKeys(t: number, mops: readonly MicroOp[], index: VersionIndex, found: TxnAnomalies, updatersBySlot: Map<number, TxnAnomalies['lostUpdate'][number]>): void {
  // Per key the transaction touches: the state its own ops imply, and its first read of the key
  // (null once the key was appended to, or when an append came first).
  const keys: unknown[] = [];
  const states: (readonly unknown[] | undefined)[] = [];
  const externalReads: (readonly unknown[] | null | undefined)[] = [];
  let futureRead = false;
  for (let i = 0; i < mops.length; i++) {
    const [f, key, value] = mops[i]!;
    const k = normalise(key);
    let s = keys.indexOf(k);
    if (s < 0) {
      s = keys.push(k) - 1;
      states.push(undefined);
      externalReads.push(undefined);
    }
    if (f === 'r') {
      const read = (value ?? []) as readonly unknown[];
      if (externalReads[s] === undefined) externalReads[s] = read;
      const expected = states[s];
      if (expected && !matches(expected, read)) found.internal.push({ txn: t, key, read, expected: [...expected] });
      states[s] = read;
      continue;
    }
    states[s] = [...(states[s] ?? [UNKNOWN_PREFIX]), value];
    const read = externalReads[s];
    externalReads[s] = null;
    if (read) noteUpdate(t, key, read, index, updatersBySlot);
    const v = normalise(value);
    for (let j = 0; j < i && !futureRead; j++) {
      const [g, otherKey, seen] = mops[j]!;
      if (g === 'r' && Array.isArray(seen) && normalise(otherKey) === k && seen.some((e) => normalise(e) === v)) {
        futureRead = true;
        found.futureRead.push({ txn: t, key, element: value });
      }
    }
  }
}

/** Files a read-then-append of a key under the version read, to find two committed updates of one version. */
function noteUpdate(t: number, key: unknown, read: readonly unknown[], index: VersionIndex, updatersBySlot: Map<number, TxnAnomalies['lostUpdate'][number]>): void {
  const ks = index.keys[index.keyIdOf.get(normalise(key))!]!;
  const position = read.length === 0 ? -1 : positionOf(index, ks, normalise(read[read.length - 1]));
  if (read.length > 0 && position < 0) return; // a read outside the key's order: no version to share
  const slot = ks.slotBase + position + 1;
  const updaters = updatersBySlot.get(slot);
  if (!updaters) updatersBySlot.set(slot, { key, read, txns: [t] });
  else if (!updaters.txns.includes(t)) updaters.txns.push(t);
}

function matches(expected: readonly unknown[], read: readonly unknown[]): boolean {
  if (expected[0] !== UNKNOWN_PREFIX) return expected.length === read.length && expected.every((e, i) => normalise(e) === normalise(read[i]));
  const suffix = expected.slice(1);
  const offset = read.length - suffix.length;
  return offset >= 0 && suffix.every((e, i) => normalise(e) === normalise(read[offset + i]));
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
