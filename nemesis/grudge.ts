// Grudges: partitions as data. For each node, the set of nodes it drops traffic from.
// Pure functions compute them; the runtime applies them.
import type { Random } from '../src/random.js';

export type Grudge = Record<string, string[]>;

/** Every node drops traffic from every node outside its own component. */
export function complete(components: readonly (readonly string[])[]): Grudge {
  const grudge: Grudge = {};
  for (const component of components) {
    const others = components.filter((c) => c !== component).flat();
    for (const node of component) grudge[node] = [...others];
  }
  return grudge;
}

/** Splits nodes into two halves, the first one smaller when the count is odd. */
export function bisect(nodes: readonly string[]): [string[], string[]] {
  const cut = Math.floor(nodes.length / 2);
  return [nodes.slice(0, cut), nodes.slice(cut)];
}

/** Cuts one node off from all others. */
export function isolate(nodes: readonly string[], node: string): Grudge {
  return complete([[node], nodes.filter((n) => n !== node)]);
}

/**
 * Each node sees a majority, but no two nodes see the same majority: with nodes on a ring, each
 * keeps only its nearest neighbours. Systems that assume "I see a majority, so I may lead" break.
 */
export function majoritiesRing(nodes: readonly string[]): Grudge {
  const n = nodes.length;
  const majority = Math.floor(n / 2) + 1;
  const grudge: Grudge = {};
  nodes.forEach((node, i) => {
    const visible = new Set<string>([node]);
    for (let d = 1; visible.size < majority; d++) {
      visible.add(nodes[(i + d) % n] as string);
      if (visible.size < majority) visible.add(nodes[(i - d + n) % n] as string);
    }
    grudge[node] = nodes.filter((m) => !visible.has(m));
  });
  return grudge;
}

/** A bridge: two halves that each talk to one node in the middle, but not to each other. */
export function bridge(nodes: readonly string[]): Grudge {
  const [left, rest] = bisect(nodes);
  const [middle, ...right] = rest;
  const grudge: Grudge = {};
  for (const node of left) grudge[node] = [...right];
  for (const node of right) grudge[node] = [...left];
  if (middle !== undefined) grudge[middle] = [];
  return grudge;
}

/** The partition shapes the partition nemesis draws from. */
export const partitionTargets = {
  /** Isolate one random node. */
  one: (nodes: readonly string[], random: Random) => isolate(nodes, random.pick(nodes)),
  /** Random halves: a minority and a majority. */
  halves: (nodes: readonly string[], random: Random) => complete(bisect(random.shuffle(nodes))),
  /** A random majority ring. */
  'majorities-ring': (nodes: readonly string[], random: Random) => majoritiesRing(random.shuffle(nodes)),
  /** A random bridge. */
  bridge: (nodes: readonly string[], random: Random) => bridge(random.shuffle(nodes)),
} as const;

export type PartitionTarget = keyof typeof partitionTargets;

/** True when `node` drops traffic coming from `from`. */
export function drops(grudge: Grudge, node: string, from: string): boolean {
  return grudge[node]?.includes(from) ?? false;
}

/** A compact label: components for symmetric partitions ("n1 | n2 n3 n4 n5"), else each grudge. */
export function describeGrudge(grudge: Grudge): string {
  const nodes = Object.keys(grudge).sort();
  const groups: string[][] = [];
  for (const node of nodes) {
    const group = groups.find((g) => g.every((m) => !drops(grudge, node, m) && !drops(grudge, m, node)) && sameView(grudge, node, g[0] as string));
    if (group) group.push(node);
    else groups.push([node]);
  }
  if (groups.every((g) => g.every((n) => (grudge[n] ?? []).length === nodes.length - g.length))) {
    return groups.map((g) => g.join(' ')).join(' | ');
  }
  return nodes.filter((n) => (grudge[n] ?? []).length > 0).map((n) => `${n} drops ${(grudge[n] ?? []).join(',')}`).join('; ');
}

function sameView(grudge: Grudge, a: string, b: string): boolean {
  const x = [...(grudge[a] ?? [])].sort().join();
  const y = [...(grudge[b] ?? [])].sort().join();
  return x === y;
}
