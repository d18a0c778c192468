// Strongly connected components (Tarjan's algorithm, iterative, on typed arrays): every cycle of
// the dependency graph lies inside one component with more than one transaction.
import type { DependencyGraph } from './dependency-graph.js';

/** Scratch arrays sized to the graph, reused by every call on it. */
export class SccFinder {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly stack: Int32Array;
  private readonly callNode: Int32Array;
  private readonly callEdge: Int32Array;

  constructor(private readonly graph: DependencyGraph) {
    const n = graph.nodes;
    this.index = new Int32Array(n).fill(-1);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
    this.stack = new Int32Array(n);
    this.callNode = new Int32Array(n);
    this.callEdge = new Int32Array(n);
  }

  /**
   * The components with more than one node among `nodes` (all nodes when omitted), following only
   * edges whose type is in `mask` and whose target is in the set (`inSet(v)`).
   */
  components(mask: number, nodes?: ArrayLike<number>, inSet?: (v: number) => boolean): Int32Array[] {
    const { offsets, targets, types } = this.graph;
    const { index, low, onStack, stack, callNode, callEdge } = this;
    const count = nodes ? nodes.length : this.graph.nodes;
    const nodeAt = (i: number): number => (nodes ? nodes[i]! : i);
    for (let i = 0; i < count; i++) index[nodeAt(i)] = -1;
    const found: Int32Array[] = [];
    let counter = 0;
    let sp = 0;
    for (let i = 0; i < count; i++) {
      const root = nodeAt(i);
      if (index[root] !== -1) continue;
      index[root] = low[root] = counter++;
      stack[sp++] = root;
      onStack[root] = 1;
      callNode[0] = root;
      callEdge[0] = offsets[root]!;
      let csp = 1;
      while (csp > 0) {
        const v = callNode[csp - 1]!;
        const e = callEdge[csp - 1]!;
        if (e < offsets[v + 1]!) {
          callEdge[csp - 1] = e + 1;
          if ((types[e]! & mask) === 0) continue;
          const w = targets[e]!;
          if (inSet && !inSet(w)) continue;
          if (index[w] === -1) {
            index[w] = low[w] = counter++;
            stack[sp++] = w;
            onStack[w] = 1;
            callNode[csp] = w;
            callEdge[csp] = offsets[w]!;
            csp++;
          } else if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
          continue;
        }
        csp--;
        if (csp > 0) {
          const u = callNode[csp - 1]!;
          if (low[v]! < low[u]!) low[u] = low[v]!;
        }
        if (low[v] === index[v]) {
          let start = sp - 1;
          while (stack[start] !== v) start--;
          for (let s = start; s < sp; s++) onStack[stack[s]!] = 0;
          if (sp - start > 1) found.push(stack.slice(start, sp));
          sp = start;
        }
      }
    }
    return found;
  }
}
