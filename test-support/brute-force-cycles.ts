// A brute-force reference for the cycle checker, for tests on small list-append histories (up to
// about 6 transactions): builds the dependency graph straight from its definitions, with the process
// and real-time orders in full (every ordered pair, not a reduction), enumerates every simple cycle
// and every choice of edge type along it, and names each by its edges. It shares no code with the
// checker beyond the history types, so the two can be compared.
//
// It expects what the random histories of random-small-history.ts hold: unique appended values and
// reads that are all prefixes of one order per key. Anything else throws.
import type { History } from '../src/op.js';

export type EdgeName = 'ww' | 'wr' | 'rw' | 'process' | 'realtime';

export interface BruteTxn {
  /** Positions in the history; complete is -1 for a transaction that never completed. */
  invoke: number;
  complete: number;
  process: unknown;
  status: 'ok' | 'info' | 'fail';
  mops: [string, unknown, unknown][];
  /** The history index of the invocation, as cycle witnesses name transactions. */
  index: number;
}

export interface BruteGraph {
  txns: BruteTxn[];
  /** edges[a][b]: the types of the edges from transaction a to transaction b. */
  edges: Set<EdgeName>[][];
}

/** The dependency graph of a small list-append history, by the definitions. */
export function bruteForceGraph(history: History, f = 'txn'): BruteGraph {
  const txns: BruteTxn[] = [];
  const open = new Map<unknown, number>();
  history.forEach((op, at) => {
    if (op.process === 'nemesis' || op.f !== f) return;
    if (op.type === 'invoke') {
      open.set(op.process, txns.length);
      txns.push({ invoke: at, complete: -1, process: op.process, status: 'info', mops: op.value as BruteTxn['mops'], index: op.index });
      return;
    }
    const t = txns[open.get(op.process)!]!;
    open.delete(op.process);
    t.complete = at;
    t.status = op.type === 'ok' ? 'ok' : op.type === 'fail' ? 'fail' : 'info';
    if (op.type === 'ok') t.mops = op.value as BruteTxn['mops'];
  });
  const n = txns.length;
  const edges = Array.from({ length: n }, () => Array.from({ length: n }, () => new Set<EdgeName>()));
  const link = (a: number | undefined, b: number | undefined, type: EdgeName): void => {
    if (a !== undefined && b !== undefined && a !== b) edges[a]![b]!.add(type);
  };
  const committed = (t: BruteTxn): boolean => t.status !== 'fail';

  // Per key: who appended each value (committed transactions only), and the order the reads show.
  const keyOf = (k: unknown): string => JSON.stringify(k);
  const writer = new Map<string, Map<string, number>>();
  const order = new Map<string, unknown[]>();
  txns.forEach((t, i) => {
    for (const [fn, k, v] of t.mops) {
      if (fn === 'append' && committed(t)) {
        const byValue = writer.get(keyOf(k)) ?? writer.set(keyOf(k), new Map()).get(keyOf(k))!;
        if (byValue.has(keyOf(v))) throw new Error(`value ${keyOf(v)} appended to key ${keyOf(k)} twice; expected unique appends`);
        byValue.set(keyOf(v), i);
      }
      if (fn === 'r' && t.status === 'ok' && Array.isArray(v) && v.length > (order.get(keyOf(k))?.length ?? 0)) order.set(keyOf(k), v);
    }
  });
  const writerOf = (k: string, v: unknown): number | undefined => writer.get(k)?.get(keyOf(v));
  // Committed appends no read saw came after every value read.
  const unread = (k: string): number[] => {
    const seen = new Set((order.get(k) ?? []).map(keyOf));
    return [...(writer.get(k) ?? new Map<string, number>())].filter(([v]) => !seen.has(v)).map(([, t]) => t);
  };

  for (const [k, values] of order) {
    for (let i = 1; i < values.length; i++) link(writerOf(k, values[i - 1]), writerOf(k, values[i]), 'ww');
  }
  for (const k of new Set([...writer.keys(), ...order.keys()])) {
    const values = order.get(k) ?? [];
    for (const t of unread(k)) if (values.length > 0) link(writerOf(k, values.at(-1)), t, 'ww');
  }
  txns.forEach((t, r) => {
    if (t.status !== 'ok') return;
    for (const [fn, key, v] of t.mops) {
      if (fn !== 'r') continue;
      const k = keyOf(key);
      const read = (v ?? []) as unknown[];
      const values = order.get(k) ?? [];
      if (read.some((x, i) => keyOf(x) !== keyOf(values[i])) || new Set(read.map(keyOf)).size !== read.length) {
        throw new Error(`read ${JSON.stringify(read)} of key ${k} is not a prefix of ${JSON.stringify(values)} without repeats; expected compatible reads`);
      }
      if (read.length > 0) link(writerOf(k, read.at(-1)), r, 'wr');
      if (read.length < values.length) link(r, writerOf(k, values[read.length]), 'rw');
      else for (const w of unread(k)) link(r, w, 'rw');
    }
  });
  txns.forEach((a, i) => {
    if (a.status !== 'ok') return;
    txns.forEach((b, j) => {
      if (!committed(b) || a.complete >= b.invoke) return;
      link(i, j, 'realtime');
      if (a.process === b.process) link(i, j, 'process');
    });
  });
  return { txns, edges };
}

/** The class of a cycle from its edge types in order (Adya's phenomena as Elle names them). */
export function bruteForceClass(types: readonly EdgeName[]): string {
  const count = (name: EdgeName): number => types.filter((t) => t === name).length;
  const rw = count('rw');
  const adjacent = types.some((t, i) => t === 'rw' && types[(i + 1) % types.length] === 'rw');
  const base = rw === 1 ? 'G-single-item' : rw > 1 ? (adjacent ? 'G2-item' : 'G-nonadjacent-item') : count('wr') > 0 ? 'G1c' : count('ww') > 0 ? 'G0' : undefined;
  if (base === undefined) throw new Error(`a cycle of order edges alone: ${types.join(' ')}`);
  return `${base}${count('realtime') > 0 ? '-realtime' : count('process') > 0 ? '-process' : ''}`;
}

/** Every class of simple cycle in the graph (each cycle once per choice of edge type on each step), and how many cycles of transactions there are. */
export function bruteForceCycleClasses(graph: BruteGraph): { classes: Set<string>; cycles: number } {
  const { edges } = graph;
  const n = edges.length;
  const classes = new Set<string>();
  let cycles = 0;
  const path: number[] = [];
  const onPath = new Array<boolean>(n).fill(false);
  const classify = (nodes: number[]): void => {
    cycles++;
    const choices = nodes.map((a, i) => [...edges[a]![nodes[(i + 1) % nodes.length]!]!]);
    const pick = (i: number, types: EdgeName[]): void => {
      if (i === choices.length) {
        classes.add(bruteForceClass(types));
        return;
      }
      for (const type of choices[i]!) pick(i + 1, [...types, type]);
    };
    pick(0, []);
  };
  // Each simple cycle once: from its smallest transaction, through larger ones only.
  const extend = (start: number, v: number): void => {
    for (let w = start; w < n; w++) {
      if (edges[v]![w]!.size === 0) continue;
      if (w === start) classify([...path]);
      else if (!onPath[w]) {
        path.push(w);
        onPath[w] = true;
        extend(start, w);
        path.pop();
        onPath[w] = false;
      }
    }
  };
  for (let s = 0; s < n; s++) {
    path.push(s);
    onPath[s] = true;
    extend(s, s);
    path.pop();
    onPath[s] = false;
  }
  return { classes, cycles };
}
