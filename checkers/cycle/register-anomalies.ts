// Anomalies an rw-register history shows without any cycle (ok transactions' reads only):
//   - internal: a read disagrees with the transaction's own earlier write or read of the key;
//   - future-read: a read shows a value the same transaction writes only later;
//   - G1a (aborted read): a read shows a value written by a failed transaction;
//   - G1b (intermediate read): a read shows a value another transaction wrote and then overwrote
//     in the same transaction (a state it never committed);
//   - garbage-read: a read shows a value no transaction wrote, nor tried to;
//   - lost-update: two committed transactions read the same version of a key (nil included) before
//     writing it, and both wrote it.
import { EXT_READ, type RegisterIndex } from './register-versions.js';
import { OK, type Transactions } from './transactions.js';

export interface RegisterAnomalies {
  internal: { txn: number; key: unknown; read: unknown; expected: unknown }[];
  futureRead: { txn: number; key: unknown; value: unknown }[];
  g1a: { txn: number; key: unknown; value: unknown; writer: number }[];
  g1b: { txn: number; key: unknown; value: unknown; writer: number }[];
  garbageRead: { txn: number; key: unknown; value: unknown }[];
  lostUpdate: { key: unknown; read: unknown; txns: number[] }[];
}

/** Finds the non-cycle anomalies of the ok transactions. */
export function findRegisterAnomalies(txns: Transactions, index: RegisterIndex): RegisterAnomalies {
  const found: RegisterAnomalies = { internal: [], futureRead: [], g1a: [], g1b: [], garbageRead: [], lostUpdate: [] };
  const { mopNode, mopFlags, keyBase, nodeValue } = index;
  // Read-then-write transactions by the version read: the first per version, and those sharing one.
  const firstUpdater = new Int32Array(index.nodes).fill(-1);
  const shared = new Map<number, RegisterAnomalies['lostUpdate'][number]>();
  const stateKeys: number[] = [];
  const stateNodes: number[] = [];
  const updated: number[] = [];
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    const mops = txns.mops[t]!;
    const base = txns.mopStart[t]!;
    for (let m = 0; m < mops.length; m++) {
      const i = base + m;
      const [f, key, value] = mops[m]!;
      if (f !== 'r') continue;
      const node = mopNode[i]!;
      const k = txns.mopKey[i]!;
      if (node === keyBase[k]) continue;
      if (index.failedWriter[node]! >= 0) found.g1a.push({ txn: t, key, value, writer: index.failedWriter[node]! });
      else if (index.intermediateWriter[node]! >= 0 && index.intermediateWriter[node] !== t) found.g1b.push({ txn: t, key, value, writer: index.intermediateWriter[node]! });
      else if (index.anyWriter[node]! < 0) found.garbageRead.push({ txn: t, key, value });
    }
    if (mops.length < 2 || !repeatsKey(txns.mopKey, base, mops.length)) continue;
    // A key touched more than once: its state as the transaction's own ops imply it (scratch
    // arrays, reused: a Map per transaction would be millions of them).
    stateKeys.length = 0;
    stateNodes.length = 0;
    updated.length = 0;
    for (let m = 0; m < mops.length; m++) {
      const i = base + m;
      const [f, key] = mops[m]!;
      const k = txns.mopKey[i]!;
      const node = mopNode[i]!;
      let s = stateKeys.indexOf(k);
      if (f === 'r') {
        if (s >= 0 && stateNodes[s] !== node) found.internal.push({ txn: t, key, read: nodeValue[node], expected: nodeValue[stateNodes[s]!] });
        if (mopFlags[i]! & EXT_READ && node !== keyBase[k] && writesLater(mops, txns.mopKey, mopNode, base, m, k, node)) found.futureRead.push({ txn: t, key, value: nodeValue[node] });
      } else if (!updated.includes(k)) {
        updated.push(k);
        const readAt = externalRead(txns, mopFlags, base, m, k);
        if (readAt >= 0) noteUpdate(t, key, mopNode[readAt]!, nodeValue, firstUpdater, shared);
      }
      if (s < 0) s = stateKeys.push(k) - 1;
      stateNodes[s] = node;
    }
  }
  found.lostUpdate.push(...shared.values());
  return found;
}

function repeatsKey(mopKey: Int32Array, base: number, length: number): boolean {
  for (let i = 1; i < length; i++) for (let j = 0; j < i; j++) if (mopKey[base + i] === mopKey[base + j]) return true;
  return false;
}

/** Whether the transaction writes `node` to key k after its micro-op m. */
function writesLater(mops: readonly (readonly unknown[])[], mopKey: Int32Array, mopNode: Int32Array, base: number, m: number, k: number, node: number): boolean {
  for (let j = m + 1; j < mops.length; j++) if (mops[j]![0] !== 'r' && mopKey[base + j] === k && mopNode[base + j] === node) return true;
  return false;
}

/** The position of the transaction's external read of key k before micro-op m, or -1. */
function externalRead(txns: Transactions, mopFlags: Uint8Array, base: number, m: number, k: number): number {
  for (let j = 0; j < m; j++) if (txns.mopKey[base + j] === k && mopFlags[base + j]! & EXT_READ) return base + j;
  return -1;
}

function noteUpdate(t: number, key: unknown, node: number, nodeValue: unknown[], firstUpdater: Int32Array, shared: Map<number, RegisterAnomalies['lostUpdate'][number]>): void {
  const first = firstUpdater[node]!;
  if (first < 0) firstUpdater[node] = t;
  else if (first !== t) {
    const group = shared.get(node);
    if (!group) shared.set(node, { key, read: nodeValue[node], txns: [first, t] });
    else group.txns.push(t);
  }
}
