// The disk fault: the data directories of random nodes (or the primaries) fill up. From then on a
// write that grows their files fails with ENOSPC and statfs shows no space (faultfs, a FUSE layer
// over each data directory); what the database does about it (an error, a crash) lands in the
// history. stop frees the disks and starts again the nodes that died while theirs was full.
import { option } from '../src/define/options.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { hasFaultyDisks, type FaultyDisks, type Runtime } from '../src/runtime/runtime.js';
import { canHaveFaultyDisks, formatBytes } from './lose-unsynced.js';
import { actOnNodes, actOnNodesInTurn, nodeFaultValue } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function diskNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS, roomBytes = 0): Nemesis {
  const runtime = ctx.runtime;
  if (!hasFaultyDisks(runtime)) throw new Error(`the ${runtime.name} runtime has no faulty disks (faultfs); expected --runtime local or docker`);
  const disks: Runtime & FaultyDisks = runtime;
  /** Full disks, and whether their node ran when its disk filled. */
  const full = new Map<string, boolean>();
  return {
    fault: 'disk',
    async invoke(op) {
      if (op.f === 'stop-disk') return free();
      const { kind, nodes } = await pickTargets(ctx, targets, 'any', op);
      const result = await actOnNodes(nodes, async (node) => {
        const running = disks.isRunning(node);
        await disks.fillDisk(node, roomBytes);
        full.set(node, (full.get(node) ?? false) || running);
        return 'done';
      });
      const value = nodeFaultValue({ verb: 'fill the disk of', past: 'filled the disks of' }, result, true);
      const left = roomBytes > 0 ? ` but ${formatBytes(roomBytes)}` : '';
      return { target: kind, ...value, roomBytes, description: `filled the disks of ${value.nodes.join(' ')}${left}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };

  /** Frees every full disk, then starts again, one at a time, the nodes that died while their disk was full. */
  async function free() {
    const filled = [...full.keys()].sort();
    const freed = nodeFaultValue({ verb: 'free the disk of', past: 'freed the disks of' }, await actOnNodes(filled, async (node) => {
      await disks.freeDisk(node);
      return 'done';
    }), false);
    const died = filled.filter((node) => full.get(node) && !disks.isRunning(node));
    for (const node of filled) full.delete(node);
    const restarted = nodeFaultValue({ verb: 'restart', past: 'restarted' }, await actOnNodesInTurn(died, async (node) => {
      await ctx.db.start(node, ctx.dbCtx);
      return 'done';
    }), false);
    const description = [freed.nodes.length > 0 ? `freed the disks of ${freed.nodes.join(' ')}` : 'no disk was full', restarted.nodes.length > 0 ? `restarted ${restarted.nodes.join(' ')}, which died meanwhile` : ''].filter(Boolean).join('; ');
    return { nodes: freed.nodes, restarted: restarted.nodes, description };
  }
}

/** The disk fault, as --nemesis disk names it. */
export const diskFault = defineFault({
  name: 'disk',
  description: 'fills the data disks of random nodes or the primaries (writes fail with ENOSPC, through faultfs) and frees them',
  healRank: HEAL_RANK.disk,
  options: {
    ...nodeTargetOptions,
    roomBytes: option.integer({ min: 0, max: 2 ** 40, default: 0, flag: 'disk-room-bytes', help: 'bytes a full disk still takes before writes fail with ENOSPC' }),
  },
  faultyDisk: true,
  canRunOn: canHaveFaultyDisks,
  create: (ctx) => diskNemesis(ctx, ctx.options.targets, ctx.options.roomBytes),
});
