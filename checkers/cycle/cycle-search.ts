// Finds the shortest cycle of each anomaly class inside each strongly connected component.
//
// A class limits the edge types a cycle may use and what it must contain (Adya's phenomena, as Elle
// names them for list-append):
//   G0             ww edges only (dirty write)
//   G1c            ww and wr, at least one wr (circular information flow)
//   G-single-item  ww, wr and exactly one rw (read skew; G-single on items)
//   G2-item        ww, wr and two or more rw (write skew on items)
// and each has a -process variant (also process edges, at least one) and a -realtime variant (also
// realtime edges, at least one). Per component and class we try the weakest variant first.
//
// The search is a breadth-first search over (transaction, automaton state), starting from every
// edge of the class's rarest required type (ww, wr or rw) inside a sub-component of the class's
// edges, so the cycle found is the shortest through some such edge: the shortest of the class in
// that component, within the search budget. Walks that would revisit a transaction are not
// followed, so every reported cycle is simple.
import { PROCESS, REALTIME, RW, WR, WW, type DependencyGraph } from './dependency-graph.js';
import type { SccFinder } from './scc.js';

export type CycleBase = 'G0' | 'G1c' | 'G-single-item' | 'G2-item';
export type OrderVariant = '' | '-process' | '-realtime';
export const CYCLE_BASES: readonly CycleBase[] = ['G0', 'G1c', 'G-single-item', 'G2-item'];

/** A cycle: nodes[i] -> nodes[i + 1] (and the last back to the first) by the edge type types[i]. */
export interface FoundCycle {
  anomaly: string;
  nodes: number[];
  types: number[];
}

export interface CycleSearchOptions {
  variants: readonly OrderVariant[];
  /** Edge visits allowed per component and class before settling for the best cycle found. */
  budgetPerClass: number;
  /** Start edges tried per component and class after a first cycle is found. */
  maxStarts: number;
}

export interface CycleSearchResult {
  cycles: FoundCycle[];
  /** Sizes of components in which no cycle was found within the budget. */
  unsearched: number[];
}

const STATES = 12; // rw count (0, 1, 2+) x wr seen x required order edge seen

/** Searches every component for the shortest cycle of each class. */
export function searchCycles(graph: DependencyGraph, components: readonly Int32Array[], finder: SccFinder, options: CycleSearchOptions): CycleSearchResult {
  const search = new Search(graph, finder, options);
  const cycles: FoundCycle[] = [];
  const unsearched: number[] = [];
  for (const component of components) {
    let any = false;
    for (const base of CYCLE_BASES) {
      for (const variant of options.variants) {
        const cycle = search.shortest(component, base, variant);
        if (cycle) {
          cycles.push(cycle);
          any = true;
          break;
        }
      }
    }
    if (!any) unsearched.push(component.length);
  }
  return { cycles, unsearched };
}

class Search {
  private readonly member: Int32Array;
  private tag = 0;
  private local = new Int32Array(0);
  private seen = new Int32Array(0);
  private parent = new Int32Array(0);
  private parentType = new Uint8Array(0);
  private queue = new Int32Array(0);
  private nodesOf: Int32Array = new Int32Array(0);
  private stamp = 0;

  constructor(
    private readonly graph: DependencyGraph,
    private readonly finder: SccFinder,
    private readonly options: CycleSearchOptions,
  ) {
    this.member = new Int32Array(graph.nodes).fill(-1);
  }

  shortest(component: Int32Array, base: CycleBase, variant: OrderVariant): FoundCycle | undefined {
    const order = variant === '-process' ? PROCESS : variant === '-realtime' ? PROCESS | REALTIME : 0;
    const mask = (base === 'G0' ? WW : base === 'G1c' ? WW | WR : WW | WR | RW) | order;
    const required = variant === '-process' ? PROCESS : variant === '-realtime' ? REALTIME : 0;
    const startBit = base === 'G0' ? WW : base === 'G1c' ? WR : RW;
    const outer = ++this.tag;
    for (const v of component) this.member[v] = outer;
    const subs = this.finder.components(mask, component, (v) => this.member[v] === outer);
    let best: FoundCycle | undefined;
    let work = 0;
    for (const sub of subs) {
      const tag = ++this.tag;
      this.prepare(sub, tag);
      let starts = 0;
      const { offsets, targets, types } = this.graph;
      for (const a of sub) {
        for (let e = offsets[a]!; e < offsets[a + 1]!; e++) {
          if (types[e] !== startBit || this.member[targets[e]!] !== tag) continue;
          if (work > this.options.budgetPerClass || (best && starts >= this.options.maxStarts)) return best;
          starts++;
          const maxEdges = best ? best.nodes.length - 1 : Infinity;
          const found = this.walk(targets[e]!, a, step(0, startBit, base, required), base, mask, required, tag, maxEdges);
          work += found.work;
          if (found.path) best = { anomaly: `${base}${variant}`, nodes: [a, ...found.path.nodes], types: [startBit, ...found.path.types] };
        }
      }
    }
    return best;
  }

  private prepare(sub: Int32Array, tag: number): void {
    for (let i = 0; i < sub.length; i++) this.member[sub[i]!] = tag;
    const size = sub.length * STATES;
    if (this.seen.length < size) {
      this.seen = new Int32Array(size);
      this.parent = new Int32Array(size);
      this.parentType = new Uint8Array(size);
      this.queue = new Int32Array(size);
      this.stamp = 0;
    }
    if (this.local.length < this.graph.nodes) this.local = new Int32Array(this.graph.nodes);
    this.nodesOf = sub;
    for (let i = 0; i < sub.length; i++) this.local[sub[i]!] = i;
  }

  /** Shortest walk from `from` back to `to` (exclusive of the start edge) ending in an accepting state, with fewer than maxEdges + 1 edges. */
  private walk(from: number, to: number, state0: number, base: CycleBase, mask: number, required: number, tag: number, maxEdges: number): { path?: { nodes: number[]; types: number[] }; work: number } {
    if (state0 < 0) return { work: 0 };
    const { offsets, targets, types } = this.graph;
    const { seen, parent, parentType, queue, local, member, nodesOf } = this;
    const stamp = ++this.stamp;
    const root = local[from]! * STATES + state0;
    seen[root] = stamp;
    parent[root] = -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = root;
    let work = 0;
    let depth = 1;
    let levelEnd = tail;
    while (head < tail && depth < maxEdges) {
      const current = queue[head++]!;
      const v = nodesOf[(current / STATES) | 0]!;
      const state = current % STATES;
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
        work++;
        const bit = types[e]!;
        if ((bit & mask) === 0) continue;
        const w = targets[e]!;
        if (member[w] !== tag) continue;
        const next = step(state, bit, base, required);
        if (next < 0) continue;
        if (w === to) {
          if (!accepts(next, base, required)) continue;
          const nodes: number[] = [];
          const pathTypes: number[] = [bit];
          for (let c = current; c >= 0; c = parent[c]!) {
            nodes.push(nodesOf[(c / STATES) | 0]!);
            if (parent[c]! >= 0) pathTypes.push(parentType[c]!);
          }
          return { path: { nodes: nodes.reverse(), types: pathTypes.reverse() }, work };
        }
        const id = local[w]! * STATES + next;
        if (seen[id] === stamp || this.onPath(current, w)) continue;
        seen[id] = stamp;
        parent[id] = current;
        parentType[id] = bit;
        queue[tail++] = id;
      }
      if (head === levelEnd) {
        depth++;
        levelEnd = tail;
      }
    }
    return { work };
  }

  /** Whether node w is already on the walk that reached `current`. */
  private onPath(current: number, w: number): boolean {
    for (let c = current; c >= 0; c = this.parent[c]!) if (this.nodesOf[(c / STATES) | 0] === w) return true;
    return false;
  }
}

/** The automaton state after an edge of type `bit`, or -1 when the class forbids it. */
function step(state: number, bit: number, base: CycleBase, required: number): number {
  let rw = state >> 2;
  let wr = (state >> 1) & 1;
  let order = state & 1;
  if (bit === RW) {
    rw++;
    if (base === 'G-single-item' && rw > 1) return -1;
    if (rw > 2) rw = 2;
  } else if (bit === WR) wr = 1;
  if (bit === required) order = 1;
  return rw * 4 + wr * 2 + order;
}

function accepts(state: number, base: CycleBase, required: number): boolean {
  if (required !== 0 && (state & 1) === 0) return false;
  const rw = state >> 2;
  if (base === 'G1c') return ((state >> 1) & 1) === 1;
  if (base === 'G-single-item') return rw === 1;
  if (base === 'G2-item') return rw === 2;
  return true;
}
