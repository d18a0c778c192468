// Which nodes a node-level fault (clock, packet) hits: a random set as for kill and pause, or, when
// the db can say who leads, the current primaries, since that is where faults hurt most.
import { hasPrimaries } from '../src/db-contract.js';
import { pickNodes, type NemesisContext } from './nemesis.js';

export type TargetKind = 'nodes' | 'primaries';

/** Picks the targets of one fault op and says how they were chosen. */
export async function pickTargets(ctx: NemesisContext): Promise<{ kind: TargetKind; nodes: string[] }> {
  if (hasPrimaries(ctx.db) && ctx.random.chance(0.5)) {
    const primaries = await ctx.db.primaries(ctx.dbCtx).catch(() => []);
    if (primaries.length > 0) return { kind: 'primaries', nodes: [...primaries].sort() };
  }
  return { kind: 'nodes', nodes: pickNodes(ctx.nodes, ctx.random) };
}
