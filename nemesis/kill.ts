// The kill nemesis: SIGKILLs (or docker kills) random nodes or the current primaries, and restarts every dead node on stop.
// Each op names the nodes it really killed or restarted; a node already dead is skipped and named.
import type { Nemesis, NemesisContext } from './nemesis.js';
import { actOnNodes, nodeFaultValue, restartDeadNodes } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function killNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Nemesis {
  return {
    fault: 'kill',
    async invoke(op) {
      if (op.f === 'stop-kill') return restartDeadNodes(ctx);
      const { kind, nodes } = await pickTargets(ctx, targets, 'running', op);
      const value = nodeFaultValue({ verb: 'kill', past: 'killed' }, await actOnNodes(nodes, (n) => ctx.runtime.kill(n)), true);
      return { target: kind, ...value, description: `${value.description}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };
}

/** The kill fault, as --nemesis kill names it. */
export const killFault = defineFault({
  name: 'kill',
  description: 'kills random nodes or the primaries (SIGKILL, docker kill) and restarts them',
  healRank: HEAL_RANK.kill,
  options: nodeTargetOptions,
  create: (ctx) => killNemesis(ctx, ctx.options.targets),
});
