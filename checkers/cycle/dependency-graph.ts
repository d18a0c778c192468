// The transaction dependency graph, in compressed sparse rows: an edge T1 -> T2 says T1 must come
// before T2 in any serial order that explains the history.
//
//   ww  T2 wrote a key's version right after T1's (version order)
//   wr  T2 read a version T1 wrote
//   rw  T1 read the version just before T2's (T1 did not see T2's write)
//   process   the same process ran T1, then T2 (T1 its latest ok transaction before T2)
//
// The data edges come from the workload's version orders (list-append: version-orders.ts,
// rw-register: register-versions.ts), given as a function that links them.
//   realtime  T1 completed before T2 was invoked (kept as a transitive reduction)
//
// Only ok and info transactions have edges; an info transaction gets no realtime or process edge
// out of it, since it never completed.
import { FAIL, INFO, OK, type Transactions } from './transactions.js';

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

/** Where edges go: link(a, b, WW) says a -ww-> b. Called twice with the same edges (count, then fill). */
export interface EdgeLinker {
  link(a: number, b: number, bit: number): void;
}

/** Links the data dependency edges (ww, wr, rw) of the transactions; must link the same edges each call. */
export type LinkDataDependencies = (sink: EdgeLinker) => void;

/**
 * Builds the dependency graph of the transactions. The edges are enumerated twice, once to count
 * each transaction's out-edges and once to fill them in, so the graph is allocated once at its
 * final size (large growing buffers make V8 collect the whole heap, history included, repeatedly).
 */
export function buildDependencyGraph(txns: Transactions, linkData: LinkDataDependencies, historyLength: number, orders: GraphOrders): DependencyGraph {
  const sink = new EdgeSink(txns.count);
  const events = orders.realtime ? realtimeEvents(txns, historyLength) : undefined;
  for (const pass of ['count', 'fill'] as const) {
    sink.begin(pass);
    linkData(sink);
    if (orders.process) linkProcessOrder(txns, sink);
    if (events) linkRealtimeOrder(txns, events, sink);
  }
  return sink.graph();
}

/** Counts out-edges in a first pass, then fills the rows in a second. */
class EdgeSink implements EdgeLinker {
  private readonly offsets: Int32Array;
  private readonly cursor: Int32Array;
  private targets = new Int32Array(0);
  private types = new Uint8Array(0);
  private counting = true;

  constructor(private readonly nodes: number) {
    this.offsets = new Int32Array(nodes + 1);
    this.cursor = new Int32Array(nodes);
  }

  begin(pass: 'count' | 'fill'): void {
    this.counting = pass === 'count';
    if (this.counting) return;
    const { offsets, cursor, nodes } = this;
    for (let v = 0; v < nodes; v++) offsets[v + 1]! += offsets[v]!;
    cursor.set(offsets.subarray(0, nodes));
    this.targets = new Int32Array(offsets[nodes]!);
    this.types = new Uint8Array(offsets[nodes]!);
  }

  link(a: number, b: number, bit: number): void {
    if (this.counting) {
      this.offsets[a + 1]!++;
      return;
    }
    const slot = this.cursor[a]!++;
    this.targets[slot] = b;
    this.types[slot] = bit;
  }

  graph(): DependencyGraph {
    return { nodes: this.nodes, offsets: this.offsets, targets: this.targets, types: this.types };
  }
}

/**
 * Each ok or info transaction follows its process's latest earlier ok transaction. Failed ones did not
 * happen and info ones never completed, so the order passes over them (as Elle's process graph does).
 */
function linkProcessOrder(txns: Transactions, edges: EdgeLinker): void {
  const lastOk = new Int32Array(txns.count);
  for (let t = 0; t < txns.count; t++) {
    const previous = txns.processPrevious[t]!;
    lastOk[t] = previous < 0 ? -1 : txns.status[previous] === OK ? previous : lastOk[previous]!;
    if (lastOk[t]! >= 0 && txns.status[t] !== FAIL) edges.link(lastOk[t]!, t, PROCESS);
  }
}

/** Each history position's realtime event: 2t for the invocation of t, 2t + 1 for its ok completion, -1 for none. */
function realtimeEvents(txns: Transactions, historyLength: number): Int32Array {
  const events = new Int32Array(historyLength).fill(-1);
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK && txns.status[t] !== INFO) continue;
    events[txns.invokeAt[t]!] = 2 * t;
    if (txns.status[t] === OK) events[txns.completeAt[t]!] = 2 * t + 1;
  }
  return events;
}

/**
 * Realtime edges as Jepsen's Elle builds them: a frontier holds the most recently completed
 * transactions; an invocation links every frontier member to the new transaction, and a completion
 * replaces the frontier members that completed before it began. Every "completed before invoked"
 * pair stays reachable, with about one edge per concurrent transaction rather than one per pair.
 */
function linkRealtimeOrder(txns: Transactions, events: Int32Array, edges: EdgeLinker): void {
  const frontier: number[] = [];
  for (let at = 0; at < events.length; at++) {
    const event = events[at]!;
    if (event < 0) continue;
    const t = event >> 1;
    if ((event & 1) === 0) {
      for (let i = 0; i < frontier.length; i++) edges.link(frontier[i]!, t, REALTIME);
      continue;
    }
    const began = txns.invokeAt[t]!;
    let kept = 0;
    for (let i = 0; i < frontier.length; i++) if (txns.completeAt[frontier[i]!]! > began) frontier[kept++] = frontier[i]!;
    frontier.length = kept;
    frontier.push(t);
  }
}
