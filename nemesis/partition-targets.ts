// Partition targets: pure functions that draw a grudge over the nodes, under Jepsen's names (one
// node cut off, a minority third, halves, a majorities ring, a bridge) and their one-way variants,
// where one side stops hearing the other while the other still hears it. The partition fault
// picks among them; the runtime applies the grudge.
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

/** Jepsen's minority third: the largest count strictly under a third of the nodes, at least one. */
export function minorityThirdSize(count: number): number {
  return Math.max(1, Math.floor((count - 1) / 3));
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
  const [left, right, middle] = bridgeSides(nodes);
  const grudge: Grudge = {};
  for (const node of left) grudge[node] = [...right];
  for (const node of right) grudge[node] = [...left];
  if (middle !== undefined) grudge[middle] = [];
  return grudge;
}

/** A bridge's two halves and the node in the middle (none on one node). */
function bridgeSides(nodes: readonly string[]): [string[], string[], string | undefined] {
  const [left, rest] = bisect(nodes);
  const [middle, ...right] = rest;
  return [left, right, middle];
}

/**
 * A one-way cut: every node of `deaf` stops hearing every node of `heard`, while `heard` still
 * hears `deaf`. Every node of `nodes` is in the grudge (those that drop nothing with none).
 */
export function oneWay(nodes: readonly string[], deaf: readonly string[], heard: readonly string[]): Grudge {
  const grudge: Grudge = Object.fromEntries(nodes.map((node) => [node, [] as string[]]));
  for (const node of deaf) grudge[node] = [...heard];
  return grudge;
}

/**
 * The majorities ring cut one way: of each pair that drop each other in the ring, only the node
 * that sees the other nearer clockwise keeps its grudge (on a tie, the one earlier in `nodes`);
 * a pair the ring already cuts one way (on 3 or 6 nodes, say) stays as it is. Each node still
 * hears at least the majority it hears in the ring, and no pair is cut both ways.
 */
export function oneWayMajoritiesRing(nodes: readonly string[]): Grudge {
  const n = nodes.length;
  const ring = majoritiesRing(nodes);
  const grudge: Grudge = {};
  nodes.forEach((node, i) => {
    grudge[node] = (ring[node] ?? []).filter((peer) => {
      if (!(ring[peer] ?? []).includes(node)) return true;
      const j = nodes.indexOf(peer);
      const clockwise = (j - i + n) % n;
      return clockwise < n - clockwise || (clockwise === n - clockwise && i < j);
    });
  });
  return grudge;
}

/** A one-way cut between two sides, the deaf side drawn at random. */
function eitherWay(nodes: readonly string[], a: readonly string[], b: readonly string[], random: Random): Grudge {
  return random.chance(0.5) ? oneWay(nodes, a, b) : oneWay(nodes, b, a);
}

/** Random halves, the first one smaller when the count is odd. */
function halves(nodes: readonly string[], random: Random): [string[], string[]] {
  return bisect(random.shuffle(nodes));
}

/** A random minority third and the rest. */
function minorityThird(nodes: readonly string[], random: Random): [string[], string[]] {
  const shuffled = random.shuffle(nodes);
  const cut = minorityThirdSize(nodes.length);
  return [shuffled.slice(0, cut), shuffled.slice(cut)];
}

/** One random node and the rest. */
function one(nodes: readonly string[], random: Random): [string[], string[]] {
  const node = random.pick(nodes);
  return [[node], nodes.filter((n) => n !== node)];
}

type Draw = (nodes: readonly string[], random: Random) => Grudge;

/**
 * The partition shapes drawn from the nodes alone (`primaries` asks the database, so the partition
 * fault makes that one itself). In the one-way shapes, which side goes deaf is drawn at random.
 */
export const partitionTargets = {
  /** Isolate one random node. */
  one: (nodes, random) => complete(one(nodes, random)),
  /** Cut off a random minority of under a third of the nodes (at least one). */
  'minority-third': (nodes, random) => complete(minorityThird(nodes, random)),
  /** Jepsen's name for random halves: a minority and a majority. */
  majority: (nodes, random) => complete(halves(nodes, random)),
  /** Random halves: a minority and a majority. */
  halves: (nodes, random) => complete(halves(nodes, random)),
  /** A random majorities ring. */
  'majorities-ring': (nodes, random) => majoritiesRing(random.shuffle(nodes)),
  /** A random bridge. */
  bridge: (nodes, random) => bridge(random.shuffle(nodes)),
  /** One random node stops hearing the rest, or the rest stop hearing it. */
  'one-way-one': (nodes, random) => eitherWay(nodes, ...one(nodes, random), random),
  /** A minority third stops hearing the rest, or the rest stop hearing it. */
  'one-way-minority-third': (nodes, random) => eitherWay(nodes, ...minorityThird(nodes, random), random),
  /** One random half stops hearing the other. */
  'one-way-halves': (nodes, random) => eitherWay(nodes, ...halves(nodes, random), random),
  /** A random majorities ring, each cut pair cut one way only. */
  'one-way-majorities-ring': (nodes, random) => oneWayMajoritiesRing(random.shuffle(nodes)),
  /** A random bridge whose halves are cut one way only: one half stops hearing the other; the middle hears all. */
  'one-way-bridge': (nodes, random) => {
    const [left, right] = bridgeSides(random.shuffle(nodes));
    return eitherWay(nodes, left, right, random);
  },
} as const satisfies Record<string, Draw>;

/** Every partition target, as --partition-targets names them. */
export const PARTITION_TARGETS = ['one', 'minority-third', 'majority', 'halves', 'majorities-ring', 'bridge', 'primaries', 'one-way-one', 'one-way-minority-third', 'one-way-halves', 'one-way-majorities-ring', 'one-way-bridge'] as const;

export type PartitionTarget = (typeof PARTITION_TARGETS)[number];

/** What `--nemesis partition` draws from unless told: every two-way shape (majority is halves by another name). */
export const DEFAULT_PARTITION_TARGETS: readonly PartitionTarget[] = ['one', 'minority-third', 'halves', 'majorities-ring', 'bridge', 'primaries'];
