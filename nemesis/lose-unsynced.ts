// The lose-unsynced fault: a power failure on some nodes. Each target is killed and then loses
// whatever its database wrote but did not fsync (page cache gone), not merely its process; stop
// starts them again from what reached the disk. faultfs (native/faultfs) holds every node's
// unsynced writes in memory to make this possible for any database that names its data directory.
// Each op records, per node, how many files and bytes were lost.
import { hasFaultyDisks, type FaultyDisks, type LostWrites, type Runtime } from '../src/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { actOnNodes, nodeFaultValue, restartDeadNodes } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

/** "n1 2.1 kB in 2 files (raft.wal, snapshot.json.tmp)", or "n1 nothing unsynced". */
export function describeLoss(node: string, lost: LostWrites): string {
  if (lost.files === 0) return `${node} nothing unsynced`;
  const more = lost.files > lost.paths.length ? `, ${lost.files - lost.paths.length} more` : '';
  const files = `${lost.files} file${lost.files === 1 ? '' : 's'} (${lost.paths.join(', ')}${more})`;
  // Only sizes changed (a truncation, a preallocation): no written byte was lost.
  return lost.bytes === 0 ? `${node} the size change of ${files}` : `${node} ${formatBytes(lost.bytes)} in ${files}`;
}

/** 512 B, 2.1 kB, 3.4 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function loseUnsyncedNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Nemesis {
  const runtime = faultyDisksOf(ctx.runtime);
  return {
    fault: 'lose-unsynced',
    async invoke(op) {
      if (op.f === 'stop-lose-unsynced') return restartDeadNodes(ctx);
      const { kind, nodes } = await pickTargets(ctx, targets, 'any', op);
      const lost: Record<string, LostWrites> = {};
      // A node already dead loses its page cache too: the power fails whatever runs.
      const result = await actOnNodes(nodes, async (node) => {
        await runtime.kill(node);
        lost[node] = await runtime.loseUnsynced(node);
        return 'done';
      });
      const value = nodeFaultValue({ verb: 'lose the unsynced writes of', past: 'lost the unsynced writes of' }, result, true);
      const losses = value.nodes.map((node) => describeLoss(node, lost[node]!)).join('; ');
      const sorted = Object.fromEntries(value.nodes.map((node) => [node, lost[node]!]));
      return { target: kind, ...value, lost: sorted, description: `killed ${value.nodes.join(' ')}${kind === 'primaries' ? ' (primaries)' : ''} and lost their unsynced writes: ${losses}` };
    },
  };
}

function faultyDisksOf(runtime: Runtime): Runtime & FaultyDisks {
  if (!hasFaultyDisks(runtime)) throw new Error(`the ${runtime.name} runtime has no faulty disks (faultfs); expected --runtime local or docker`);
  return runtime;
}

/** Why a runtime cannot lose unsynced writes (or make disks full), or true. */
export function canHaveFaultyDisks(runtime: Runtime): true | string {
  return hasFaultyDisks(runtime) ? runtime.faultyDiskSupport() : `the ${runtime.name} runtime has no faulty disks (faultfs); use --runtime local or docker`;
}

/** The lose-unsynced fault, as --nemesis lose-unsynced names it. */
export const loseUnsyncedFault = defineFault({
  name: 'lose-unsynced',
  description: 'power failure: kills nodes and drops what they wrote but did not fsync (faultfs, a FUSE layer), then restarts them',
  healRank: HEAL_RANK['lose-unsynced'],
  options: nodeTargetOptions,
  faultyDisk: true,
  canRunOn: canHaveFaultyDisks,
  create: (ctx) => loseUnsyncedNemesis(ctx, ctx.options.targets),
});
