// Which nodes a node-level fault (kill, pause, clock, packet, ...) hits: one node, a minority, a
// majority or all of them, drawn at random, or, when the db can say who leads, the current
// primaries, since that is where faults hurt most. --nemesis-targets narrows the choice.
import { hasPrimaries } from '../src/db-contract.js';
import { option } from '../src/define/options.js';
import type { Op } from '../src/op.js';
import type { Random } from '../src/random.js';
import { replayedValue } from '../src/schedule.js';
import type { NemesisContext } from './nemesis.js';

export const NODE_TARGETS = ['one', 'minority', 'majority', 'all', 'primaries'] as const;
export type NodeTarget = (typeof NODE_TARGETS)[number];

/** The option every node-level fault declares: one flag, --nemesis-targets, shared by all of them. */
export const nodeTargetOptions = {
  targets: option.list(NODE_TARGETS, {
    flag: 'nemesis-targets',
    help: 'which nodes a node fault hits, drawn among these (primaries only where the db names them)',
    default: NODE_TARGETS,
  }),
};

export type TargetKind = Exclude<NodeTarget, 'primaries'> | 'primaries';

/** How many nodes each size of target is, on `count` nodes. */
export function targetSize(target: Exclude<NodeTarget, 'primaries'>, count: number): number {
  switch (target) {
    case 'one':
      return 1;
    case 'minority':
      return Math.max(1, Math.floor((count - 1) / 2));
    case 'majority':
      return Math.floor(count / 2) + 1;
    case 'all':
      return count;
  }
}

/**
 * Random nodes of one of the sizes among `targets` (the primaries left out), drawn from `nodes`;
 * a size is a share of `clusterSize` (all of `nodes` unless told), so drawing among the running
 * nodes of a cluster with some down still means a minority of the cluster, or as many as run.
 */
export function pickNodes(nodes: readonly string[], random: Random, targets: readonly NodeTarget[] = NODE_TARGETS, clusterSize = nodes.length): { kind: TargetKind; nodes: string[] } {
  const sizes = targets.filter((t): t is Exclude<NodeTarget, 'primaries'> => t !== 'primaries');
  const shuffled = random.shuffle(nodes);
  const kind = random.pick(sizes.length > 0 ? sizes : (['one'] as const));
  return { kind, nodes: shuffled.slice(0, targetSize(kind, clusterSize)).sort() };
}

/**
 * Picks the targets of one fault op and says how they were chosen. Where `primaries` is allowed
 * and the db names them, half the ops (all of them when it is the only target) hit the primaries;
 * when the db names none now, a random node stands in. `running`: random nodes are drawn among the running ones.
 * A replayed op (`op`) takes the nodes its original aimed at: those it acted on and those it skipped.
 */
export async function pickTargets(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS, among: 'running' | 'any' = 'any', op?: Pick<Op, 'value'>): Promise<{ kind: TargetKind; nodes: string[] }> {
  const replayed = op && recordedTargets(op);
  if (replayed) return replayed;
  const onlyPrimaries = targets.length === 1 && targets[0] === 'primaries';
  if (targets.includes('primaries') && hasPrimaries(ctx.db) && (onlyPrimaries || ctx.random.chance(0.5))) {
    const primaries = await ctx.db.primaries(ctx.dbCtx).catch(() => []);
    if (primaries.length > 0) return { kind: 'primaries', nodes: [...primaries].sort() };
  }
  // A pause, a clock or a memory limit drawn onto a node that is down would not act: those draw
  // among the running nodes, if any run. Disk faults may hit dead nodes too (a power failure does).
  const running = among === 'running' ? ctx.nodes.filter((node) => ctx.runtime.isRunning(node)) : [];
  return pickNodes(running.length > 0 ? running : ctx.nodes, ctx.random, targets, ctx.nodes.length);
}

/** The targets a replayed op's original aimed at, or undefined when the op is no replay (or recorded none). */
export function recordedTargets(op: Pick<Op, 'value'>): { kind: TargetKind; nodes: string[] } | undefined {
  const recorded = replayedValue(op);
  if (recorded === undefined) return undefined;
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((n): n is string => typeof n === 'string') : []);
  const keys = (x: unknown): string[] => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.keys(x) : []);
  // Those it acted on, those it skipped (a node down then), and those it left pending until they ran.
  const nodes = [...new Set([...strings(recorded['nodes']), ...keys(recorded['skipped']), ...keys(recorded['deferred'])])].sort();
  if (nodes.length === 0) return undefined;
  const kind = (NODE_TARGETS as readonly unknown[]).includes(recorded['target']) ? (recorded['target'] as TargetKind) : 'one';
  return { kind, nodes };
}
