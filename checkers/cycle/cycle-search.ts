// Finds the cycles of each strongly connected component of the dependency graph, in two passes.
//
// 1. The shortest cycle of each class (cycle-class.ts) in its weakest order variant (a G0 is also a
//    G0-process, so no G0-process is looked for once a G0 is found). A breadth-first search over
//    (transaction, automaton state) from every edge of the class's required data type (ww for G0,
//    wr for G1c, rw for the others), inside a sub-component of the class's edges, with a budget of
//    edge visits: the cycle found is the shortest through some such edge. Walks that would revisit
//    a transaction are not followed, so every cycle is simple. This pass names anomalies well but
//    may miss a cycle when the budget runs out or when only a walk through a repeated transaction
//    satisfies the automaton.
// 2. A witness per cycle family (cycle-class.ts) that holds a cycle and that no cycle found so far
//    belongs to. Whether a family holds a cycle is decided exactly by strongly connected components
//    (for snapshot isolation's family, of the graph of (transaction, "came by rw") pairs, in which
//    an rw edge may not follow an rw edge), so every consistency model's verdict is exact whatever
//    pass 1 missed. A closed walk found there is cut at a repeated transaction into simple cycles,
//    keeping one that stays in the family.
//
// Only the G-single-item class (read skew, which consistent view forbids without forbidding all
// nonadjacent cycles) relies on pass 1 alone; when its search runs out of budget and the verdict
// depends on it, the component is reported unsearched.
import { CYCLE_BASES, CYCLE_FAMILIES, classifyCycle, dataMask, familyOf, inFamily, ORDER_VARIANTS, orderMask, type CycleBase, type CycleFamily, type OrderVariant } from './cycle-class.js';
import { PROCESS, REALTIME, RW, WR, WW, type DependencyGraph } from './dependency-graph.js';
import { SccFinder } from './scc.js';

export type { CycleBase, OrderVariant } from './cycle-class.js';

/** A cycle: nodes[i] -> nodes[i + 1] (and the last back to the first) by the edge type types[i]. */
export interface FoundCycle {
  /** The cycle's class, from its edges (classifyCycle). */
  anomaly: string;
  nodes: number[];
  types: number[];
}

export interface CycleSearchOptions {
  /** The order variants the graph has edges for, weakest first ('' always). */
  variants: readonly OrderVariant[];
  /** Edge visits allowed per component, class and variant before settling for the best cycle found. */
  budgetPerClass: number;
  /** Start edges tried per component, class and variant after a first cycle is found. */
  maxStarts: number;
  /** The anomalies the requested models rule out (to tell whether an unfinished search matters). */
  prohibited: ReadonlySet<string>;
}

export interface CycleSearchResult {
  cycles: FoundCycle[];
  /** Sizes of components whose verdict depends on a search that ran out of budget. */
  unsearched: number[];
}

/** Searches every component for cycles of each class, with a witness for every family that has one. */
export function searchCycles(graph: DependencyGraph, components: readonly Int32Array[], finder: SccFinder, options: CycleSearchOptions): CycleSearchResult {
  const search = new Search(graph, finder, options);
  const cycles: FoundCycle[] = [];
  const unsearched: number[] = [];
  for (const component of components) {
    const found = search.component(component);
    cycles.push(...found.cycles);
    if (found.undecided) unsearched.push(component.length);
  }
  return { cycles, unsearched };
}

const STATES = 8; // order edge seen (1) x last edge rw / rw pending (2) x two or more rw (4)
const G0 = 0;
const G1C = 1;
const SINGLE = 2;
const NONADJACENT = 3;
const G2 = 4;
const BASE_CODE: Record<CycleBase, number> = { G0, G1c: G1C, 'G-single-item': SINGLE, 'G-nonadjacent-item': NONADJACENT, 'G2-item': G2 };
/** Witness searches start from this many nodes of a cyclic sub-component and keep the shortest. */
const WITNESS_STARTS = 8;

interface FamilyCheck {
  family: number;
  variant: number;
  cyclic: boolean;
  /** The cyclic sub-components, in the dependency graph or (nonadjacent-rw) in the pair graph; undefined when only `cyclic` is known. */
  subs?: Int32Array[];
  pairs?: PairGraph;
}

/** The (transaction, came-by-rw) pair graph of a component: pair 2i + s is component[i] reached by an rw edge when s = 1. */
interface PairGraph {
  graph: DependencyGraph;
  component: Int32Array;
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
  private bfs: Bfs | undefined;
  private checks: FamilyCheck[] = [];

  constructor(
    private readonly graph: DependencyGraph,
    private readonly finder: SccFinder,
    private readonly options: CycleSearchOptions,
  ) {
    this.member = new Int32Array(graph.nodes).fill(-1);
  }

  component(component: Int32Array): { cycles: FoundCycle[]; undecided: boolean } {
    this.checks = [];
    const found: FoundCycle[] = [];
    let singleUnfinished = false;
    for (const base of CYCLE_BASES) {
      for (const variant of this.options.variants) {
        if (!this.cyclic(component, familyOf(base), variant)) continue;
        const { cycle, exhausted } = this.shortest(component, base, variant);
        if (exhausted && !cycle && base === 'G-single-item' && variant === '') singleUnfinished = true;
        if (cycle) {
          found.push(cycle);
          break;
        }
      }
    }
    for (const variant of this.options.variants) {
      for (const family of CYCLE_FAMILIES) {
        if (found.some((c) => inFamily(c.anomaly, family, variant)) || !this.cyclic(component, family, variant)) continue;
        found.push(this.witness(component, family, variant));
      }
    }
    const { prohibited } = this.options;
    const undecided = singleUnfinished && prohibited.has('G-single-item') && !found.some((c) => prohibited.has(c.anomaly));
    return { cycles: found, undecided };
  }

  /** Marks the component's nodes with a fresh tag and returns it. */
  private enter(nodes: ArrayLike<number>): number {
    const tag = ++this.tag;
    for (let i = 0; i < nodes.length; i++) this.member[nodes[i]!] = tag;
    return tag;
  }

  /** Whether the component holds a cycle of the family at the variant; decided by strongly connected components, and remembered. */
  private cyclic(component: Int32Array, family: CycleFamily, variant: OrderVariant): boolean {
    return this.check(component, family, variant).cyclic;
  }

  /**
   * The family's check at the variant. Families and variants only add edges, so a smaller family's or
   * weaker variant's cycle is one here too, and no cycle in a larger one means none here; those
   * answers are reused unless the cyclic sub-components themselves are wanted (`forWitness`).
   */
  private check(component: Int32Array, family: CycleFamily, variant: OrderVariant, forWitness = false): FamilyCheck {
    const f = CYCLE_FAMILIES.indexOf(family);
    const v = ORDER_VARIANTS.indexOf(variant);
    const known = this.checks.find((c) => c.family === f && c.variant === v && c.subs !== undefined);
    if (known) return known;
    const acyclic = this.checks.find((c) => !c.cyclic && c.family >= f && c.variant >= v);
    if (acyclic) return acyclic;
    const cyclic = this.checks.find((c) => c.cyclic && c.family <= f && c.variant <= v);
    if (cyclic && !forWitness) return { family: f, variant: v, cyclic: true };
    let check: FamilyCheck;
    if (family === 'nonadjacent-rw') {
      const pairs = this.pairGraph(component, variant);
      const subs = new SccFinder(pairs.graph).components(0xff);
      check = { family: f, variant: v, cyclic: subs.length > 0, subs, pairs };
    } else if (family === 'any' && variant === this.options.variants.at(-1)) {
      // The component is strongly connected by every edge the graph has.
      check = { family: f, variant: v, cyclic: true, subs: [component] };
    } else {
      const outer = this.enter(component);
      const subs = this.finder.components(familyMask(family) | orderMask(variant), component, (w) => this.member[w] === outer);
      check = { family: f, variant: v, cyclic: subs.length > 0, subs };
    }
    this.checks.push(check);
    return check;
  }

  /** A cycle of the family at the variant, which the component must hold (see `cyclic`). */
  private witness(component: Int32Array, family: CycleFamily, variant: OrderVariant): FoundCycle {
    const check = this.check(component, family, variant, true);
    if (!check.subs || check.subs.length === 0) throw new Error(`no witness for the ${family} family at variant "${variant}": it has no cycle`);
    const sub = check.subs.reduce((a, b) => (b.length < a.length ? b : a));
    let best: { nodes: number[]; types: number[] } | undefined;
    if (check.pairs) {
      const { graph, component: nodes } = check.pairs;
      const bfs = new Bfs(graph.nodes);
      const tag = bfs.mark(sub);
      for (let i = 0; i < Math.min(WITNESS_STARTS, sub.length); i++) {
        const walk = bfs.shortestCycle(graph, sub[i]!, 0xff, tag, best ? best.nodes.length : Infinity);
        if (walk) best = { nodes: walk.nodes.map((p) => nodes[p >> 1]!), types: walk.types };
      }
      best = best && simplify(best.nodes, best.types, (types) => !hasAdjacentRw(types));
    } else {
      this.bfs ??= new Bfs(this.graph.nodes);
      const tag = this.bfs.mark(sub);
      const mask = familyMask(family) | orderMask(variant);
      for (let i = 0; i < Math.min(WITNESS_STARTS, sub.length); i++) {
        const walk = this.bfs.shortestCycle(this.graph, sub[i]!, mask, tag, best ? best.nodes.length : Infinity);
        if (walk) best = walk;
      }
    }
    if (!best) throw new Error(`no cycle found in a strongly connected component of the ${family} family (${sub.length} nodes)`);
    return { anomaly: classifyCycle(best.types), ...best };
  }

  /** The pair graph of the component for snapshot isolation's family: an rw edge may follow any edge but an rw edge. */
  private pairGraph(component: Int32Array, variant: OrderVariant): PairGraph {
    const { offsets, targets, types } = this.graph;
    const mask = WW | WR | RW | orderMask(variant);
    const outer = this.enter(component);
    if (this.local.length < this.graph.nodes) this.local = new Int32Array(this.graph.nodes);
    for (let i = 0; i < component.length; i++) this.local[component[i]!] = i;
    const n = component.length * 2;
    const pairOffsets = new Int32Array(n + 1);
    const visit = (emit: (from: number, to: number, bit: number) => void): void => {
      for (let i = 0; i < component.length; i++) {
        const v = component[i]!;
        for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
          const bit = types[e]!;
          const w = targets[e]!;
          if ((bit & mask) === 0 || this.member[w] !== outer) continue;
          const j = this.local[w]!;
          if (bit === RW) emit(2 * i, 2 * j + 1, bit);
          else {
            emit(2 * i, 2 * j, bit);
            emit(2 * i + 1, 2 * j, bit);
          }
        }
      }
    };
    visit((from) => pairOffsets[from + 1]!++);
    for (let p = 0; p < n; p++) pairOffsets[p + 1]! += pairOffsets[p]!;
    const cursor = pairOffsets.slice(0, n);
    const pairTargets = new Int32Array(pairOffsets[n]!);
    const pairTypes = new Uint8Array(pairOffsets[n]!);
    visit((from, to, bit) => {
      const slot = cursor[from]!++;
      pairTargets[slot] = to;
      pairTypes[slot] = bit;
    });
    return { graph: { nodes: n, offsets: pairOffsets, targets: pairTargets, types: pairTypes }, component };
  }

  /** The shortest cycle of the class in the component, within the budget. */
  shortest(component: Int32Array, base: CycleBase, variant: OrderVariant): { cycle?: FoundCycle; exhausted: boolean } {
    const code = BASE_CODE[base];
    const mask = dataMask(base) | orderMask(variant);
    const required = variant === '-process' ? PROCESS : variant === '-realtime' ? REALTIME : 0;
    const startBit = base === 'G0' ? WW : base === 'G1c' ? WR : RW;
    // The class's edges are those of a family (all of them for the rw classes): its sub-components.
    const subs = this.check(component, base === 'G0' || base === 'G1c' ? familyOf(base) : 'any', variant, true).subs ?? [];
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
          if (work > this.options.budgetPerClass) return { ...(best && { cycle: best }), exhausted: true };
          if (best && starts >= this.options.maxStarts) return { cycle: best, exhausted: false };
          starts++;
          const maxEdges = best ? best.nodes.length - 1 : Infinity;
          const found = this.walk(targets[e]!, a, initialState(code), code, mask, required, tag, maxEdges);
          work += found.work;
          if (found.path) {
            const types = [startBit, ...found.path.types];
            best = { anomaly: classifyCycle(types), nodes: [a, ...found.path.nodes], types };
          }
        }
      }
    }
    return { ...(best && { cycle: best }), exhausted: false };
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
  private walk(from: number, to: number, state0: number, code: number, mask: number, required: number, tag: number, maxEdges: number): { path?: { nodes: number[]; types: number[] }; work: number } {
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
        const next = step(state, bit, code, required);
        if (next < 0) continue;
        if (w === to) {
          if (!accepts(next, code, required)) continue;
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

function familyMask(family: CycleFamily): number {
  return family === 'ww' ? WW : family === 'ww+wr' ? WW | WR : WW | WR | RW;
}

/**
 * The automaton of a class, run over the edges after the start edge. State bits: 1, an edge of the
 * required order type was seen; 2, the last edge was rw (G-nonadjacent-item) or an rw edge must come
 * next (G2-item, whose cycles start with two adjacent rw edges); 4, two or more rw edges (G-nonadjacent-item).
 */
function initialState(code: number): number {
  return code === NONADJACENT || code === G2 ? 2 : 0;
}

/** The state after an edge of type `bit`, or -1 when the class forbids it there. */
function step(state: number, bit: number, code: number, required: number): number {
  const order = (state & 1) | (bit === required ? 1 : 0);
  if (code === SINGLE) return bit === RW ? -1 : order;
  if (code === NONADJACENT) {
    if (bit === RW) return state & 2 ? -1 : order | 6;
    return order | (state & 4);
  }
  if (code === G2) {
    if (state & 2) return bit === RW ? order : -1;
    return order;
  }
  return order;
}

/** Whether a walk closed in this state is a cycle of the class (the start edge follows the closing one). */
function accepts(state: number, code: number, required: number): boolean {
  if (required !== 0 && (state & 1) === 0) return false;
  if (code === NONADJACENT) return (state & 4) !== 0 && (state & 2) === 0;
  if (code === G2) return (state & 2) === 0;
  return true;
}

/** Whether two rw edges are next to each other around the cycle. */
function hasAdjacentRw(types: readonly number[]): boolean {
  for (let i = 0; i < types.length; i++) if (types[i] === RW && types[(i + 1) % types.length] === RW) return true;
  return false;
}

/**
 * Cuts a closed walk at a repeated node into two closed walks until it is a simple cycle, keeping a
 * piece that `keep` accepts. For "no two adjacent rw edges" one piece always qualifies: if the first
 * piece starts and ends with rw, the edges around it in the walk, which begin and end the second
 * piece, are not rw.
 */
export function simplify(nodes: number[], types: number[], keep: (types: number[]) => boolean): { nodes: number[]; types: number[] } {
  for (;;) {
    const firstAt = new Map<number, number>();
    let from = -1;
    let to = -1;
    for (let j = 0; j < nodes.length && to < 0; j++) {
      const i = firstAt.get(nodes[j]!);
      if (i === undefined) firstAt.set(nodes[j]!, j);
      else [from, to] = [i, j];
    }
    if (to < 0) return { nodes, types };
    const inner = { nodes: nodes.slice(from, to), types: types.slice(from, to) };
    const outer = { nodes: [...nodes.slice(to), ...nodes.slice(0, from)], types: [...types.slice(to), ...types.slice(0, from)] };
    ({ nodes, types } = keep(inner.types) ? inner : outer);
  }
}

/** Breadth-first search for the shortest cycle through a node, inside a marked set of nodes. */
class Bfs {
  private readonly seen: Int32Array;
  private readonly parent: Int32Array;
  private readonly parentType: Uint8Array;
  private readonly queue: Int32Array;
  private readonly member: Int32Array;
  private stamp = 0;
  private tag = 0;

  constructor(nodes: number) {
    this.seen = new Int32Array(nodes);
    this.parent = new Int32Array(nodes);
    this.parentType = new Uint8Array(nodes);
    this.queue = new Int32Array(nodes);
    this.member = new Int32Array(nodes);
  }

  /** Marks the set the next searches stay in; returns its tag. */
  mark(nodes: ArrayLike<number>): number {
    const tag = ++this.tag;
    for (let i = 0; i < nodes.length; i++) this.member[nodes[i]!] = tag;
    return tag;
  }

  /** The shortest cycle through `start` of fewer than maxEdges edges whose types are in `mask`, or undefined. */
  shortestCycle(graph: DependencyGraph, start: number, mask: number, tag: number, maxEdges: number): { nodes: number[]; types: number[] } | undefined {
    const { offsets, targets, types } = graph;
    const { seen, parent, parentType, queue, member } = this;
    const stamp = ++this.stamp;
    seen[start] = stamp;
    parent[start] = -1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    let depth = 1;
    let levelEnd = tail;
    while (head < tail && depth < maxEdges) {
      const v = queue[head++]!;
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
        const bit = types[e]!;
        const w = targets[e]!;
        if ((bit & mask) === 0 || member[w] !== tag) continue;
        if (w === start) {
          const nodes: number[] = [];
          const pathTypes: number[] = [bit];
          for (let c = v; c >= 0; c = parent[c]!) {
            nodes.push(c);
            if (parent[c]! >= 0) pathTypes.push(parentType[c]!);
          }
          return { nodes: nodes.reverse(), types: pathTypes.reverse() };
        }
        if (seen[w] === stamp) continue;
        seen[w] = stamp;
        parent[w] = v;
        parentType[w] = bit;
        queue[tail++] = w;
      }
      if (head === levelEnd) {
        depth++;
        levelEnd = tail;
      }
    }
    return undefined;
  }
}
