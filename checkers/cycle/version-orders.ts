// Version orders of a list-append history: for each key, which transaction appended each value, the
// order the values were appended in, and which transactions read each version.
//
// Because appends are unique, a read [1, 2, 3] says the key's versions were [], [1], [1 2], [1 2 3].
// Every ok read of a key must then be a prefix of its longest read; one that is not is an
// `incompatible-order` (two reads that no single order of appends explains), and a read holding a
// value twice shows `duplicate-elements`. The longest read is taken as the key's version order. An
// append nobody read still came after every value that was read (it was not in the longest read).
//
// Histories run to millions of transactions, so appends are numbered and described by typed arrays,
// and a read's version is found from its length (a prefix of the order ends at position length - 1).
import { RW, WR, WW, type EdgeLinker, type LinkDataDependencies } from './dependency-graph.js';
import { FAIL, normaliseKey, OK, type Transactions } from './transactions.js';
import { ValueTable } from './value-table.js';

/** Slot 0 of a key is its initial (empty) version; slot i + 1 the version ending in order[i]. */
export interface KeyVersions {
  key: unknown;
  /** Value (normalised) -> the append (an index into `Appends`) of an ok or info transaction. */
  writer: ValueTable;
  /** Value -> the failed transaction that appended it. */
  failedWriter: Map<unknown, number> | undefined;
  /** Value -> the transaction that appended it and later appended to the same key again. */
  intermediate: Map<unknown, number> | undefined;
  /** The longest ok read, as returned. */
  longest: readonly unknown[];
  /** The distinct values of the longest read, normalised, in order, and the transaction that appended each (-1: none committed). */
  order: unknown[];
  orderWriter: number[];
  /** Where the longest read first repeats a value (Infinity when it never does). */
  firstDuplicateAt: number;
  slotBase: number;
  /** Value -> position in order, built on demand for values without a committed writer. */
  otherPositions: Map<unknown, number> | undefined;
}

/** Every append of an ok or info transaction: its transaction, key and position in the key's order (-1: never read). */
export interface Appends {
  count: number;
  txn: Int32Array;
  key: Int32Array;
  position: Int32Array;
}

export interface VersionIndex {
  keys: KeyVersions[];
  keyIdOf: ValueTable;
  appends: Appends;
  /** How many versions all keys have (slots). */
  slots: number;
  /** Readers of each slot (ok transactions whose read of the key ended at that version), CSR; see fileReaders. */
  readerOffsets: Int32Array;
  readers: Int32Array;
  duplicateAppends: { key: unknown; value: unknown; txns: [number, number] }[];
  incompatibleOrders: { key: unknown; values: [readonly unknown[], readonly unknown[]]; txn: number }[];
  duplicateElements: { key: unknown; txn: number; read: readonly unknown[]; duplicates: Record<string, number> }[];
}

/** Values and keys compare by identity for primitives and by JSON text otherwise. */
export const normalise = normaliseKey;

/** The value `normalise` was given. */
export function denormalise(x: unknown): unknown {
  return typeof x === 'string' && x.startsWith('\u0000') ? JSON.parse(x.slice(1)) : x;
}

/** The ok or info transaction that appended the (normalised) value to the key, if any. */
export function writerOf(index: VersionIndex, ks: KeyVersions, value: unknown): number | undefined {
  const id = ks.writer.get(value);
  return id === undefined ? undefined : index.appends.txn[id];
}

/** The position of a (normalised) value in the key's order, or -1 when no read saw it. */
export function positionOf(index: VersionIndex, ks: KeyVersions, value: unknown): number {
  const id = ks.writer.get(value);
  if (id !== undefined) return index.appends.position[id]!;
  if (!ks.otherPositions) {
    ks.otherPositions = new Map();
    ks.order.forEach((v, i) => ks.otherPositions!.set(v, i));
  }
  return ks.otherPositions.get(value) ?? -1;
}

/** The slot of the version just before an append of `value`: where it sits in the order, or after the last read value. */
export function slotBefore(index: VersionIndex, ks: KeyVersions, value: unknown): number {
  const position = positionOf(index, ks, value);
  return ks.slotBase + (position < 0 ? ks.order.length : position);
}

/** Builds the version index of the transactions' keys. */
export function indexVersions(txns: Transactions): VersionIndex {
  const keys: KeyVersions[] = txns.keys.map((key) => ({
    key, writer: new ValueTable(), failedWriter: undefined, intermediate: undefined, longest: [], order: [], orderWriter: [], firstDuplicateAt: Infinity, slotBase: 0, otherPositions: undefined,
  }));
  const duplicateAppends: VersionIndex['duplicateAppends'] = [];
  const appends: Appends = { count: 0, txn: new Int32Array(txns.committedWrites), key: new Int32Array(txns.committedWrites), position: new Int32Array(txns.committedWrites).fill(-1) };

  // Appends: who wrote each value; the longest read of each key.
  for (let t = 0; t < txns.count; t++) {
    const mops = txns.mops[t]!;
    const failed = txns.status[t] === FAIL;
    const base = txns.mopStart[t]!;
    for (let i = 0; i < mops.length; i++) {
      const mop = mops[i]!;
      const id = txns.mopKey[base + i]!;
      const ks = keys[id]!;
      if (mop[0] === 'r') {
        const read = mop[2] as unknown[] | null;
        if (txns.status[t] === OK && read !== null && read.length > ks.longest.length) ks.longest = read;
        continue;
      }
      const v = normalise(mop[2]);
      const earlierAppend = ks.writer.get(v);
      const earlier = earlierAppend === undefined ? ks.failedWriter?.get(v) : appends.txn[earlierAppend];
      if (earlier !== undefined && earlier !== t) duplicateAppends.push({ key: mop[1], value: mop[2], txns: [earlier, t] });
      if (failed) (ks.failedWriter ??= new Map()).set(v, t);
      else {
        ks.writer.set(v, appends.count);
        appends.txn[appends.count] = t;
        appends.key[appends.count++] = id;
      }
      if (appendsAgain(txns, t, i, id)) (ks.intermediate ??= new Map()).set(v, t);
    }
  }

  // Orders from the longest reads, and the slots readers are filed under.
  let slots = 0;
  for (const ks of keys) {
    let uncommitted: Set<unknown> | undefined;
    for (let i = 0; i < ks.longest.length; i++) {
      const v = normalise(ks.longest[i]);
      const id = ks.writer.get(v);
      const repeated = id === undefined ? uncommitted?.has(v) === true : appends.position[id]! >= 0;
      if (repeated) {
        if (ks.firstDuplicateAt === Infinity) ks.firstDuplicateAt = i;
        continue;
      }
      if (id === undefined) (uncommitted ??= new Set()).add(v);
      else appends.position[id] = ks.order.length;
      ks.order.push(v);
      ks.orderWriter.push(id === undefined ? -1 : appends.txn[id]!);
    }
    ks.slotBase = slots;
    slots += ks.order.length + 1;
  }

  return { keys, keyIdOf: txns.keyIdOf, appends, slots, readerOffsets: new Int32Array(0), readers: new Int32Array(0), duplicateAppends, incompatibleOrders: [], duplicateElements: [] };
}

/**
 * Files every ok read under the version it ended at (readerOffsets and readers), noting incompatible
 * orders and duplicates. `visit` is called with each ok transaction while its reads are at hand, so
 * other per-transaction checks need no pass of their own over a history of millions.
 */
export function fileReaders(txns: Transactions, index: VersionIndex, visit?: (t: number) => void): void {
  const { keys, slots } = index;
  const incompatibleKeys = new Set<number>();
  const readSlot = new Int32Array(txns.okReads).fill(-1);
  const readTxn = new Int32Array(txns.okReads);
  const offsets = new Int32Array(slots + 1);
  let r = 0;
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    visit?.(t);
    const mops = txns.mops[t]!;
    const base = txns.mopStart[t]!;
    for (let m = 0; m < mops.length; m++) {
      const mop = mops[m]!;
      if (mop[0] !== 'r') continue;
      const id = txns.mopKey[base + m]!;
      const ks = keys[id]!;
      const read = (mop[2] ?? []) as readonly unknown[];
      const longest = ks.longest;
      let prefix = read.length <= longest.length;
      if (read !== longest) for (let i = 0; prefix && i < read.length; i++) prefix = read[i] === longest[i] || normalise(read[i]) === normalise(longest[i]);
      if (!prefix && !incompatibleKeys.has(id)) {
        incompatibleKeys.add(id);
        index.incompatibleOrders.push({ key: ks.key, values: [read, longest], txn: t });
      }
      if (prefix ? read.length > ks.firstDuplicateAt : read.length > 1) {
        const duplicates = duplicatesIn(read);
        if (duplicates) index.duplicateElements.push({ key: ks.key, txn: t, read, duplicates });
      }
      // A prefix without repeats ends at position length - 1; otherwise look the last value up.
      const position = read.length === 0 ? -1 : prefix && read.length <= ks.firstDuplicateAt ? read.length - 1 : positionOf(index, ks, normalise(read[read.length - 1]));
      if (read.length === 0 || position >= 0) {
        readSlot[r] = ks.slotBase + position + 1;
        offsets[readSlot[r]! + 1]!++;
      }
      readTxn[r++] = t;
    }
  }
  for (let s = 1; s <= slots; s++) offsets[s]! += offsets[s - 1]!;
  const readers = new Int32Array(offsets[slots]!);
  const cursor = offsets.slice(0, slots);
  for (let i = 0; i < r; i++) {
    const slot = readSlot[i]!;
    if (slot >= 0) readers[cursor[slot]!++] = readTxn[i]!;
  }
  index.readerOffsets = offsets;
  index.readers = readers;
}

/** The list-append data edges, from each key's order of appends and the readers of each version. */
export function linkAppendDependencies(index: VersionIndex): LinkDataDependencies {
  return (sink) => linkAppendEdges(index, sink);
}

function linkAppendEdges(index: VersionIndex, sink: EdgeLinker): void {
  const { readers, readerOffsets } = index;
  const linkReaders = (slot: number, t: number): void => {
    for (let r = readerOffsets[slot]!, end = readerOffsets[slot + 1]!; r < end; r++) if (readers[r] !== t) sink.link(readers[r]!, t, RW);
  };
  // Along each key's order: the writer of each value follows the previous value's writer (ww) and
  // every reader of the version before it (rw); every reader of the version it made follows it (wr).
  for (const ks of index.keys) {
    const writers = ks.orderWriter;
    for (let i = 0; i < writers.length; i++) {
      const t = writers[i]!;
      if (t < 0) continue;
      const previous = i > 0 ? writers[i - 1]! : -1;
      if (previous >= 0 && previous !== t) sink.link(previous, t, WW);
      linkReaders(ks.slotBase + i, t);
      for (let r = readerOffsets[ks.slotBase + i + 1]!, end = readerOffsets[ks.slotBase + i + 2]!; r < end; r++) if (readers[r] !== t) sink.link(t, readers[r]!, WR);
    }
  }
  // Appends nobody read came after the last value read.
  const { appends } = index;
  for (let a = 0; a < appends.count; a++) {
    if (appends.position[a]! >= 0) continue;
    const t = appends.txn[a]!;
    const ks = index.keys[appends.key[a]!]!;
    const last = ks.orderWriter.length > 0 ? ks.orderWriter[ks.orderWriter.length - 1]! : -1;
    if (last >= 0 && last !== t) sink.link(last, t, WW);
    linkReaders(ks.slotBase + ks.order.length, t);
  }
}

/** Whether transaction t appends to key `id` again after its micro-op i. */
function appendsAgain(txns: Transactions, t: number, i: number, id: number): boolean {
  const mops = txns.mops[t]!;
  const base = txns.mopStart[t]!;
  for (let j = i + 1; j < mops.length; j++) if (mops[j]![0] === 'append' && txns.mopKey[base + j] === id) return true;
  return false;
}

function duplicatesIn(read: readonly unknown[]): Record<string, number> | undefined {
  const counts = new Map<unknown, number>();
  for (const element of read) {
    const v = normalise(element);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const duplicates = [...counts].filter(([, n]) => n > 1);
  return duplicates.length === 0 ? undefined : Object.fromEntries(duplicates.map(([v, n]) => [typeof v === 'string' && v.startsWith('\u0000') ? v.slice(1) : String(v), n]));
}
