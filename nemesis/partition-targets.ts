// Partition targets: pure functions that draw a grudge over the nodes (one node cut off, halves,
// a majorities ring, a bridge). The partition fault picks among them; the runtime applies the grudge.
import type { Random } from '../src/random.js';
import { complete, type Grudge } from '../src/runtime/grudge.js';

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
