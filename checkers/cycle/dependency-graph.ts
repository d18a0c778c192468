// The transaction dependency graph, in compressed sparse rows: an edge T1 -> T2 says T1 must come
// before T2 in any serial order that explains the history.
//
//   ww  T2 appended to a key right after T1's append (version order)
//   wr  T2 read a version that ends with T1's append
//   rw  T1 read the version just before T2's append (T1 did not see it)
//   process   the same process ran T1, then T2
//   realtime  T1 completed before T2 was invoked (kept as a transitive reduction)
//
// Only ok and info transactions have edges; an info transaction gets no realtime or process edge
// out of it, since it never completed.
import { INFO, OK, type Transactions } from './transactions.js';
import { normalise, writerOf, type VersionIndex } from './version-orders.js';

export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;

/** Edge type names by bit, for results and explanations. */
export const EDGE_NAMES: Record<number, 'ww' | 'wr' | 'rw' | 'process' | 'realtime'> = { [WW]: 'ww', [WR]: 'wr', [RW]: 'rw', [PROCESS]: 'process', [REALTIME]: 'realtime' };

export interface DependencyGraph {
  nodes: number;
  /** Out-edges of node v are targets[offsets[v] .. offsets[v + 1]), each with one type bit. */
  offsets: Int32Array;
  targets: Int32Array;
  types: Uint8Array;
}

/** Which order edges to add besides the data dependencies. */
export interface GraphOrders {
  process: boolean;
  realtime: boolean;
}

/** Builds the dependency graph of the transactions. */
export function buildDependencyGraph(txns: Transactions, index: VersionIndex, historyLength: number, orders: GraphOrders): DependencyGraph {
  const edges = new EdgeBuffer(txns.count * 8);
  const { readers, readerOffsets } = index;
  const linkReaders = (slot: number, t: number): void => {
    for (let r = readerOffsets[slot]!, end = readerOffsets[slot + 1]!; r < end; r++) if (readers[r] !== t) edges.link(readers[r]!, t, RW);
  };
  // wr: each ok read depends on the writer of the last value it saw.
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    const mops = txns.mops[t]!;
    for (let m = 0; m < mops.length; m++) {
      const mop = mops[m]!;
      const read = mop[2] as readonly unknown[] | null;
      if (mop[0] !== 'r' || read === null || read.length === 0) continue;
      const ks = index.keys[index.keyIdOf.get(normalise(mop[1]))!]!;
      const writer = writerOf(index, ks, normalise(read[read.length - 1]));
      if (writer !== undefined && writer !== t) edges.link(writer, t, WR);
    }
  }
  // ww and rw along each key's order: the writer of each value follows the previous value's writer
  // and every reader of the version before it.
  for (const ks of index.keys) {
    const writers = ks.orderWriter;
    for (let i = 0; i < writers.length; i++) {
      const t = writers[i]!;
      if (t < 0) continue;
      const previous = i > 0 ? writers[i - 1]! : -1;
      if (previous >= 0 && previous !== t) edges.link(previous, t, WW);
      linkReaders(ks.slotBase + i, t);
    }
  }
  // Appends nobody read came after the last value read.
  const { appends } = index;
  for (let a = 0; a < appends.count; a++) {
    if (appends.position[a]! >= 0) continue;
    const t = appends.txn[a]!;
    const ks = index.keys[appends.key[a]!]!;
    const last = ks.orderWriter.length > 0 ? ks.orderWriter[ks.orderWriter.length - 1]! : -1;
    if (last >= 0 && last !== t) edges.link(last, t, WW);
    linkReaders(ks.slotBase + ks.order.length, t);
  }
  if (orders.process) linkProcessOrder(txns, edges);
  if (orders.realtime) linkRealtimeOrder(txns, historyLength, edges);
  return edges.compress(txns.count);
}

/** Edges as three parallel growable arrays, compressed into rows at the end. */
class EdgeBuffer {
  private from: Int32Array;
  private to: Int32Array;
  private type: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
    this.type = new Uint8Array(capacity);
  }

  link(a: number, b: number, bit: number): void {
    if (this.length === this.from.length) {
      const grow = <T extends Int32Array | Uint8Array>(old: T, fresh: T): T => {
        fresh.set(old);
        return fresh;
      };
      this.from = grow(this.from, new Int32Array(this.length * 2));
      this.to = grow(this.to, new Int32Array(this.length * 2));
      this.type = grow(this.type, new Uint8Array(this.length * 2));
    }
    this.from[this.length] = a;
    this.to[this.length] = b;
    this.type[this.length++] = bit;
  }

  compress(nodes: number): DependencyGraph {
    const { from, to, type, length } = this;
    const offsets = new Int32Array(nodes + 1);
    for (let e = 0; e < length; e++) offsets[from[e]! + 1]!++;
    for (let v = 0; v < nodes; v++) offsets[v + 1]! += offsets[v]!;
    const fill = offsets.slice(0, nodes);
    const targets = new Int32Array(length);
    const types = new Uint8Array(length);
    for (let e = 0; e < length; e++) {
      const slot = fill[from[e]!]!++;
      targets[slot] = to[e]!;
      types[slot] = type[e]!;
    }
    return { nodes, offsets, targets, types };
  }
}

function linkProcessOrder(txns: Transactions, edges: EdgeBuffer): void {
  const last = new Map<unknown, number>();
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK && txns.status[t] !== INFO) continue;
    const process = txns.invoke[t]!.process;
    const previous = last.get(process);
    if (previous !== undefined && txns.status[previous] === OK) edges.link(previous, t, PROCESS);
    last.set(process, t);
  }
}

/**
 * Realtime edges as Jepsen's Elle builds them: a frontier holds the most recently completed
 * transactions; an invocation links every frontier member to the new transaction, and a completion
 * replaces the frontier members that completed before it began. Every "completed before invoked"
 * pair stays reachable, with about one edge per concurrent transaction rather than one per pair.
 */
function linkRealtimeOrder(txns: Transactions, historyLength: number, edges: EdgeBuffer): void {
  const events = new Int32Array(historyLength).fill(-1);
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK && txns.status[t] !== INFO) continue;
    events[txns.invokeAt[t]!] = 2 * t;
    if (txns.status[t] === OK) events[txns.completeAt[t]!] = 2 * t + 1;
  }
  const frontier = new Int32Array(txns.count);
  let size = 0;
  for (let at = 0; at < historyLength; at++) {
    const event = events[at]!;
    if (event < 0) continue;
    const t = event >> 1;
    if ((event & 1) === 0) {
      for (let i = 0; i < size; i++) edges.link(frontier[i]!, t, REALTIME);
    } else {
      const began = txns.invokeAt[t]!;
      let kept = 0;
      for (let i = 0; i < size; i++) if (txns.completeAt[frontier[i]!]! > began) frontier[kept++] = frontier[i]!;
      frontier[kept] = t;
      size = kept + 1;
    }
  }
}
