// Version orders of an rw-register history. A register read names the value it saw, so wr edges are
// direct; but unlike a list, a read does not reveal the versions before it, so the order of a key's
// versions is inferred from weaker evidence, as Elle's rw-register checker does:
//
//   initial-state      nil (never written) precedes every value written or read
//   wfr-keys           writes follow reads: a transaction that read v1 of k and then wrote v2: v1 < v2
//   sequential-keys    each key is sequentially consistent: along a process's ok transactions, the
//                      last value one left k at precedes the first the next one saw or wrote
//   linearizable-keys  each key is linearizable: the same along real-time order
//
// The last three hold only when the user says the database guarantees them. Each source is added in
// that order; one that would make some key's versions cyclic is left out, and the cycle is reported
// (`cyclic-versions`: there is no order of that key's versions at all).
//
// Only a transaction's external reads and writes matter: its first read of a key made before it
// wrote the key, and its last write of each key. Versions are graph nodes, numbered per key from
// keyBase[k] (nil) on; edges go from a version to the later one, each with its source and the two
// transactions that justify it.
import { SccFinder } from './scc.js';
import { FAIL, OK, normaliseKey, type Transactions } from './transactions.js';
import { ValueTable } from './value-table.js';

export const SOURCES = ['initial-state', 'wfr-keys', 'sequential-keys', 'linearizable-keys'] as const;
export type VersionSource = (typeof SOURCES)[number];

/** Which guarantees of the database's keys to infer version orders from. */
export interface KeyGuarantees {
  wfrKeys?: boolean;
  sequentialKeys?: boolean;
  linearizableKeys?: boolean;
}

/** Micro-op flags: an external read, an external write. */
export const EXT_READ = 1;
export const EXT_WRITE = 2;

export interface VersionGraph {
  /** Out-edges of version v: targets[offsets[v] .. offsets[v + 1]), deduplicated, each with its source and witnesses. */
  offsets: Int32Array;
  targets: Int32Array;
  source: Uint8Array;
  /** The transactions that justify the edge (-1: none, for initial-state). */
  witnessA: Int32Array;
  witnessB: Int32Array;
}

export interface CyclicVersions {
  key: unknown;
  /** The versions of the cycle in order, each followed by the next (the last by the first). */
  values: unknown[];
  /** Why each version precedes the next. */
  steps: { value: unknown; next: unknown; source: VersionSource; a: number; b: number }[];
  /** The sources in effect when the cycle appeared (the last one is left out). */
  sources: VersionSource[];
}

export interface RegisterIndex {
  /** Version node of a key's nil (initial) state; node keyBase[k] + i is the key's i-th distinct value. */
  keyBase: Int32Array;
  nodeKey: Int32Array;
  /** The value of each version as the history gave it (null for nil). */
  nodeValue: unknown[];
  nodes: number;
  /** Per micro-op: its value's version (-1: a read whose value is unknown), and EXT_READ / EXT_WRITE flags. */
  mopNode: Int32Array;
  mopFlags: Uint8Array;
  /** Per version: the ok or info transaction whose external write it is, the failed one that wrote it, the ok or info one that overwrote it, any writer at all (-1: none). */
  writer: Int32Array;
  failedWriter: Int32Array;
  intermediateWriter: Int32Array;
  anyWriter: Int32Array;
  /** Ok transactions that externally read each version, CSR. */
  readerOffsets: Int32Array;
  readers: Int32Array;
  duplicateWrites: { key: unknown; value: unknown; txns: [number, number] }[];
  versions: VersionGraph;
  cyclicVersions: CyclicVersions[];
  /** The sources whose orders were used. */
  sources: VersionSource[];
}

/** Indexes the register versions of the transactions and infers their order from the given guarantees. */
export function indexRegisters(txns: Transactions, guarantees: KeyGuarantees, historyLength: number): RegisterIndex {
  const { mopNode, keyBase, nodeKey, nodeValue, nodes } = numberVersions(txns);
  const mopFlags = externalFlags(txns);
  const writer = new Int32Array(nodes).fill(-1);
  const failedWriter = new Int32Array(nodes).fill(-1);
  const intermediateWriter = new Int32Array(nodes).fill(-1);
  const anyWriter = new Int32Array(nodes).fill(-1);
  const duplicateWrites: RegisterIndex['duplicateWrites'] = [];
  const readerOffsets = new Int32Array(nodes + 1);
  for (let t = 0; t < txns.count; t++) {
    const status = txns.status[t];
    const mops = txns.mops[t]!;
    for (let m = 0, i = txns.mopStart[t]!; m < mops.length; m++, i++) {
      const node = mopNode[i]!;
      if (mops[m]![0] === 'r') {
        if (status === OK && mopFlags[i]! & EXT_READ) readerOffsets[node + 1]!++;
        continue;
      }
      const earlier = anyWriter[node]!;
      if (earlier >= 0 && earlier !== t) duplicateWrites.push({ key: txns.keys[txns.mopKey[i]!], value: mops[m]![2], txns: [earlier, t] });
      if (earlier < 0) anyWriter[node] = t;
      if (status === FAIL) failedWriter[node] = t;
      else if (mopFlags[i]! & EXT_WRITE) writer[node] = t;
      else intermediateWriter[node] = t;
    }
  }
  for (let v = 0; v < nodes; v++) readerOffsets[v + 1]! += readerOffsets[v]!;
  const readers = new Int32Array(readerOffsets[nodes]!);
  const cursor = readerOffsets.slice(0, nodes);
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    const mops = txns.mops[t]!;
    for (let m = 0, i = txns.mopStart[t]!; m < mops.length; m++, i++) if (mopFlags[i]! & EXT_READ) readers[cursor[mopNode[i]!]!++] = t;
  }
  const index: RegisterIndex = {
    keyBase, nodeKey, nodeValue, nodes, mopNode, mopFlags, writer, failedWriter, intermediateWriter, anyWriter, readerOffsets, readers, duplicateWrites,
    versions: { offsets: new Int32Array(nodes + 1), targets: new Int32Array(0), source: new Uint8Array(0), witnessA: new Int32Array(0), witnessB: new Int32Array(0) },
    cyclicVersions: [], sources: [],
  };
  inferVersionOrder(txns, index, guarantees, historyLength);
  return index;
}

/** Numbers each key's distinct values (nil first) as version nodes. */
function numberVersions(txns: Transactions): Pick<RegisterIndex, 'mopNode' | 'keyBase' | 'nodeKey' | 'nodeValue' | 'nodes'> {
  const keyCount = txns.keys.length;
  const tables: (ValueTable | undefined)[] = new Array(keyCount);
  const values: unknown[][] = Array.from({ length: keyCount }, () => [null]);
  const local = new Int32Array(txns.mopStart[txns.count]!);
  for (let t = 0; t < txns.count; t++) {
    const mops = txns.mops[t]!;
    const known = txns.status[t] === OK;
    for (let m = 0, i = txns.mopStart[t]!; m < mops.length; m++, i++) {
      const [f, , value] = mops[m]!;
      if (f === 'r' && !known) {
        local[i] = -1;
        continue;
      }
      if (value === null || value === undefined) continue; // nil: local 0
      const k = txns.mopKey[i]!;
      const table = (tables[k] ??= new ValueTable());
      const v = normaliseKey(value);
      let id = table.get(v);
      if (id === undefined) {
        id = values[k]!.push(value) - 1;
        table.set(v, id);
      }
      local[i] = id;
    }
  }
  const keyBase = new Int32Array(keyCount + 1);
  for (let k = 0; k < keyCount; k++) keyBase[k + 1] = keyBase[k]! + values[k]!.length;
  const nodes = keyBase[keyCount]!;
  const nodeKey = new Int32Array(nodes);
  const nodeValue: unknown[] = new Array(nodes);
  for (let k = 0; k < keyCount; k++) {
    const list = values[k]!;
    for (let j = 0; j < list.length; j++) {
      nodeKey[keyBase[k]! + j] = k;
      nodeValue[keyBase[k]! + j] = list[j];
    }
  }
  for (let t = 0; t < txns.count; t++) {
    for (let i = txns.mopStart[t]!; i < txns.mopStart[t + 1]!; i++) if (local[i]! >= 0) local[i] = keyBase[txns.mopKey[i]!]! + local[i]!;
  }
  return { mopNode: local, keyBase, nodeKey, nodeValue, nodes };
}

/** External reads (a key's first read, before any write of it) and external writes (a key's last write) of each transaction. */
function externalFlags(txns: Transactions): Uint8Array {
  const flags = new Uint8Array(txns.mopStart[txns.count]!);
  for (let t = 0; t < txns.count; t++) {
    const mops = txns.mops[t]!;
    const base = txns.mopStart[t]!;
    for (let m = 0; m < mops.length; m++) {
      const k = txns.mopKey[base + m]!;
      const write = mops[m]![0] !== 'r';
      let before = false;
      let writtenBefore = false;
      for (let j = 0; j < m; j++) {
        if (txns.mopKey[base + j] !== k) continue;
        before = true;
        if (mops[j]![0] !== 'r') writtenBefore = true;
      }
      if (!write) {
        if (!before && !writtenBefore) flags[base + m] = EXT_READ;
        continue;
      }
      let writtenAfter = false;
      for (let j = m + 1; j < mops.length && !writtenAfter; j++) writtenAfter = txns.mopKey[base + j] === k && mops[j]![0] !== 'r';
      if (!writtenAfter) flags[base + m] = EXT_WRITE;
    }
  }
  return flags;
}

/**
 * Calls `visit(k, first, last)` for each key transaction t interacted with externally: the first
 * version it saw or wrote and the last it left (ok: reads and writes; info: writes only; fail: none).
 */
export function forEachExternalKey(txns: Transactions, index: RegisterIndex, t: number, visit: (k: number, first: number, last: number) => void): void {
  const status = txns.status[t];
  if (status === FAIL) return;
  const base = txns.mopStart[t]!;
  const end = txns.mopStart[t + 1]!;
  for (let i = base; i < end; i++) {
    const flags = index.mopFlags[i]!;
    if (flags === 0 || (status !== OK && flags === EXT_READ)) continue;
    const k = txns.mopKey[i]!;
    let seen = false;
    for (let j = base; j < i && !seen; j++) seen = txns.mopKey[j] === k && index.mopFlags[j]! !== 0 && (status === OK || index.mopFlags[j] === EXT_WRITE);
    if (seen) continue;
    let last = index.mopNode[i]!;
    for (let j = i + 1; j < end; j++) if (txns.mopKey[j] === k && index.mopFlags[j] === EXT_WRITE) last = index.mopNode[j]!;
    visit(k, index.mopNode[i]!, last);
  }
}

/** A growing list of version edges, in typed arrays (millions of them; plain arrays keep the collector busy). */
class EdgeList {
  length = 0;
  from: Int32Array;
  to: Int32Array;
  source: Uint8Array;
  a: Int32Array;
  b: Int32Array;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.from = new Int32Array(size);
    this.to = new Int32Array(size);
    this.source = new Uint8Array(size);
    this.a = new Int32Array(size);
    this.b = new Int32Array(size);
  }

  push(from: number, to: number, source: number, a: number, b: number): void {
    if (from === to) return;
    if (this.length === this.from.length) this.grow();
    const i = this.length++;
    this.from[i] = from;
    this.to[i] = to;
    this.source[i] = source;
    this.a[i] = a;
    this.b[i] = b;
  }

  private grow(): void {
    const size = this.from.length * 2;
    const copy = <T extends Int32Array | Uint8Array>(old: T, made: T): T => {
      made.set(old);
      return made;
    };
    this.from = copy(this.from, new Int32Array(size));
    this.to = copy(this.to, new Int32Array(size));
    this.source = copy(this.source, new Uint8Array(size));
    this.a = copy(this.a, new Int32Array(size));
    this.b = copy(this.b, new Int32Array(size));
  }
}

/** The edges of several lists by source version (CSR, repeats kept): edge e is lists[list[e]] entry item[e]. */
interface RawGraph {
  offsets: Int32Array;
  targets: Int32Array;
  list: Uint8Array;
  item: Int32Array;
}

function rawGraph(nodes: number, lists: readonly EdgeList[]): RawGraph {
  const offsets = new Int32Array(nodes + 1);
  let total = 0;
  for (const l of lists) {
    total += l.length;
    for (let i = 0; i < l.length; i++) offsets[l.from[i]! + 1]!++;
  }
  for (let v = 0; v < nodes; v++) offsets[v + 1]! += offsets[v]!;
  const cursor = offsets.slice(0, nodes);
  const targets = new Int32Array(total);
  const list = new Uint8Array(total);
  const item = new Int32Array(total);
  lists.forEach((l, n) => {
    for (let i = 0; i < l.length; i++) {
      const slot = cursor[l.from[i]!]!++;
      targets[slot] = l.to[i]!;
      list[slot] = n;
      item[slot] = i;
    }
  });
  return { offsets, targets, list, item };
}

function inferVersionOrder(txns: Transactions, index: RegisterIndex, guarantees: KeyGuarantees, historyLength: number): void {
  const stages: [VersionSource, EdgeList][] = [['initial-state', initialStateEdges(txns, index)]];
  if (guarantees.wfrKeys) stages.push(['wfr-keys', wfrEdges(txns, index)]);
  if (guarantees.sequentialKeys) stages.push(['sequential-keys', sequentialEdges(txns, index)]);
  if (guarantees.linearizableKeys) stages.push(['linearizable-keys', linearizableEdges(txns, index, historyLength)]);
  const lists = stages.map(([, edges]) => edges);
  // One graph of every stage's edges, each typed by its stage's bit; a stage is kept when the
  // stages kept so far and it, alone, have no cycle.
  const graph = rawGraph(index.nodes, lists);
  const types = new Uint8Array(graph.targets.length);
  for (let e = 0; e < types.length; e++) types[e] = 1 << graph.list[e]!;
  const finder = new SccFinder({ nodes: index.nodes, offsets: graph.offsets, targets: graph.targets, types });
  let mask = 1; // initial-state alone is acyclic: every edge leaves a nil version, which no edge enters
  index.sources.push('initial-state');
  for (let i = 1; i < stages.length; i++) {
    const name = stages[i]![0];
    const cycles = finder.components(mask | (1 << i));
    if (cycles.length === 0) {
      mask |= 1 << i;
      index.sources.push(name);
      continue;
    }
    for (const component of cycles) index.cyclicVersions.push(describeCycle(txns, index, graph, lists, component, [...index.sources, name], mask | (1 << i)));
  }
  index.versions = dedupe(index.nodes, graph, lists, mask);
}

function initialStateEdges(txns: Transactions, index: RegisterIndex): EdgeList {
  const edges = new EdgeList(index.nodes);
  const linked = new Uint8Array(index.nodes);
  for (let t = 0; t < txns.count; t++) {
    const status = txns.status[t];
    if (status === FAIL) continue;
    for (let i = txns.mopStart[t]!; i < txns.mopStart[t + 1]!; i++) {
      const flags = index.mopFlags[i]!;
      const node = index.mopNode[i]!;
      if (flags === 0 || (status !== OK && flags !== EXT_WRITE) || node < 0 || linked[node]) continue;
      linked[node] = 1;
      edges.push(index.keyBase[txns.mopKey[i]!]!, node, 0, -1, -1);
    }
  }
  return edges;
}

function wfrEdges(txns: Transactions, index: RegisterIndex): EdgeList {
  const edges = new EdgeList(txns.count);
  const source = SOURCES.indexOf('wfr-keys');
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    forEachExternalKey(txns, index, t, (k, first, last) => {
      if (first !== index.keyBase[k] && first !== last) edges.push(first, last, source, t, t);
    });
  }
  return edges;
}

/** Along each process's ok transactions, per key: the last version one left precedes the first the next one touched. */
function sequentialEdges(txns: Transactions, index: RegisterIndex): EdgeList {
  const edges = new EdgeList(txns.mopStart[txns.count]!);
  const source = SOURCES.indexOf('sequential-keys');
  // (process, key) -> the process's last ok transaction on the key, and the version it left the key at.
  // Numbers only, updated in place: millions of pairs would otherwise keep the collector busy.
  const processIds = new Map<unknown, number>();
  const keyCount = index.keyBase.length - 1;
  const lastTxn = new Map<number, number>();
  const lastNode = new Map<number, number>();
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    const process = txns.invoke[t]!.process;
    let id = processIds.get(process);
    if (id === undefined) processIds.set(process, (id = processIds.size));
    const base = id * keyCount;
    forEachExternalKey(txns, index, t, (k, first, last) => {
      const previous = lastTxn.get(base + k);
      if (previous !== undefined) edges.push(lastNode.get(base + k)!, first, source, previous, t);
      lastTxn.set(base + k, t);
      lastNode.set(base + k, last);
    });
  }
  return edges;
}

/**
 * Along real-time order, per key: each transaction's first version follows the last version of every
 * transaction in the key's frontier (the ok transactions that touched the key, completed before it
 * began, and were not followed by another such before it began), as the realtime graph does.
 */
function linearizableEdges(txns: Transactions, index: RegisterIndex, historyLength: number): EdgeList {
  const edges = new EdgeList(txns.mopStart[txns.count]!);
  const source = SOURCES.indexOf('linearizable-keys');
  const events = new Int32Array(historyLength).fill(-1);
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] === FAIL) continue;
    events[txns.invokeAt[t]!] = 2 * t;
    if (txns.status[t] === OK) events[txns.completeAt[t]!] = 2 * t + 1;
  }
  // Per key, its frontier as pairs [txn, version, txn, version, ...], compacted in place.
  const frontier: (number[] | undefined)[] = new Array(index.keyBase.length - 1);
  for (let at = 0; at < historyLength; at++) {
    const event = events[at]!;
    if (event < 0) continue;
    const t = event >> 1;
    if ((event & 1) === 0) {
      forEachExternalKey(txns, index, t, (k, first) => {
        const pairs = frontier[k];
        if (pairs) for (let i = 0; i < pairs.length; i += 2) edges.push(pairs[i + 1]!, first, source, pairs[i]!, t);
      });
      continue;
    }
    const began = txns.invokeAt[t]!;
    forEachExternalKey(txns, index, t, (k, _first, last) => {
      const pairs = (frontier[k] ??= []);
      let kept = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        if (txns.completeAt[pairs[i]!]! <= began) continue;
        pairs[kept++] = pairs[i]!;
        pairs[kept++] = pairs[i + 1]!;
      }
      pairs.length = kept;
      pairs.push(t, last);
    });
  }
  return edges;
}

/** The version graph without repeated edges (each row sorted by target; the first edge's source and witnesses kept). */
function dedupe(nodes: number, raw: RawGraph, lists: readonly EdgeList[], mask: number): VersionGraph {
  const { offsets, targets, list, item } = raw;
  const total = targets.length;
  const out = new Int32Array(nodes + 1);
  const kept = new Int32Array(total);
  const order = new Int32Array(total);
  let n = 0;
  for (let v = 0; v < nodes; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    // Sort the row's slots by target, stably (insertion sort: rows are short; long ones go through Array.sort).
    if (end - start > 64) {
      const row = Array.from({ length: end - start }, (_, i) => start + i).sort((x, y) => targets[x]! - targets[y]! || x - y);
      order.set(row, start);
    } else {
      for (let i = start; i < end; i++) {
        let j = i;
        while (j > start && targets[order[j - 1]!]! > targets[i]!) {
          order[j] = order[j - 1]!;
          j--;
        }
        order[j] = i;
      }
    }
    let previous = -1;
    for (let i = start; i < end; i++) {
      const slot = order[i]!;
      if (targets[slot] === previous || ((1 << list[slot]!) & mask) === 0) continue;
      previous = targets[slot]!;
      kept[n++] = slot;
    }
    out[v + 1] = n;
  }
  const graph: VersionGraph = { offsets: out, targets: new Int32Array(n), source: new Uint8Array(n), witnessA: new Int32Array(n), witnessB: new Int32Array(n) };
  for (let e = 0; e < n; e++) {
    const slot = kept[e]!;
    const l = lists[list[slot]!]!;
    const i = item[slot]!;
    graph.targets[e] = targets[slot]!;
    graph.source[e] = l.source[i]!;
    graph.witnessA[e] = l.a[i]!;
    graph.witnessB[e] = l.b[i]!;
  }
  return graph;
}

/** A shortest cycle through the component's first version, by breadth-first search inside it. */
function describeCycle(txns: Transactions, index: RegisterIndex, graph: RawGraph, lists: readonly EdgeList[], component: Int32Array, sources: VersionSource[], mask: number): CyclicVersions {
  const inside = new Set(component);
  const start = component[0]!;
  const reachedBy = new Map<number, number>(); // version -> the slot of the edge that reached it
  const queue = [start];
  let closing = -1;
  for (let head = 0; head < queue.length && closing < 0; head++) {
    const v = queue[head]!;
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const w = graph.targets[e]!;
      if (!inside.has(w) || ((1 << graph.list[e]!) & mask) === 0) continue;
      if (w === start) {
        closing = e;
        break;
      }
      if (reachedBy.has(w)) continue;
      reachedBy.set(w, e);
      queue.push(w);
    }
  }
  const fromOf = (e: number): number => {
    const l = lists[graph.list[e]!]!;
    return l.from[graph.item[e]!]!;
  };
  const slots: number[] = [closing];
  for (let v = fromOf(closing); v !== start; v = fromOf(reachedBy.get(v)!)) slots.push(reachedBy.get(v)!);
  const steps = slots.reverse().map((e) => {
    const l = lists[graph.list[e]!]!;
    const i = graph.item[e]!;
    return { value: index.nodeValue[l.from[i]!], next: index.nodeValue[l.to[i]!], source: SOURCES[l.source[i]!]!, a: l.a[i]!, b: l.b[i]! };
  });
  return { key: txns.keys[index.nodeKey[start]!], values: steps.map((s) => s.value), steps, sources };
}
