// Which nodes a node-level fault (kill, pause, clock, packet, ...) hits: one node, a minority, a
// majority or all of them, drawn at random, or, when the db can say who leads, the current
// primaries, since that is where faults hurt most. --nemesis-targets narrows the choice.
import { hasPrimaries } from '../src/db-contract.js';
import { option } from '../src/define/options.js';
import type { Random } from '../src/random.js';
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

/** Random nodes of one of the sizes among `targets` (the primaries left out). */
export function pickNodes(nodes: readonly string[], random: Random, targets: readonly NodeTarget[] = NODE_TARGETS): { kind: TargetKind; nodes: string[] } {
  const sizes = targets.filter((t): t is Exclude<NodeTarget, 'primaries'> => t !== 'primaries');
  const shuffled = random.shuffle(nodes);
  const kind = random.pick(sizes.length > 0 ? sizes : (['one'] as const));
  return { kind, nodes: shuffled.slice(0, targetSize(kind, nodes.length)).sort() };
}

/**
 * Picks the targets of one fault op and says how they were chosen. Where `primaries` is allowed
 * and the db names them, half the ops (all of them when it is the only target) hit the primaries;
 * when the db names none now, a random node stands in.
 */
export async function pickTargets(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Promise<{ kind: TargetKind; nodes: string[] }> {
  const onlyPrimaries = targets.length === 1 && targets[0] === 'primaries';
  if (targets.includes('primaries') && hasPrimaries(ctx.db) && (onlyPrimaries || ctx.random.chance(0.5))) {
    const primaries = await ctx.db.primaries(ctx.dbCtx).catch(() => []);
    if (primaries.length > 0) return { kind: 'primaries', nodes: [...primaries].sort() };
  }
  return pickNodes(ctx.nodes, ctx.random, targets);
}
