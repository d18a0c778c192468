// The pause nemesis: freezes random nodes or the current primaries (SIGSTOP / docker pause) and resumes them on stop. A
// paused node keeps its connections open and silent, like a long GC pause or a stalled VM. A node that is not running
// (a kill took it down) cannot be paused: the op names it as skipped, and fails if it paused no node at all.
import type { Nemesis, NemesisContext } from './nemesis.js';
import { actOnNodes, nodeFaultValue } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function pauseNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Nemesis {
  let paused: string[] = [];
  return {
    fault: 'pause',
    async invoke(op) {
      if (op.f === 'stop-pause') {
        const result = await actOnNodes(paused, (n) => ctx.runtime.resume(n));
        // Nodes that failed to resume stay on the list, so the next stop (or the final heal) tries again.
        paused = paused.filter((n) => result.failed[n] !== undefined);
        const value = nodeFaultValue({ verb: 'resume', past: 'resumed' }, result, false);
        return { ...value, description: value.nodes.length ? `resumed ${value.description}` : value.description };
      }
      const { kind, nodes: picked } = await pickTargets(ctx, targets, 'running', op);
      // A node paused by an earlier op is skipped as `already paused`: this op did nothing to it.
      const result = await actOnNodes(picked, (n) => ctx.runtime.pause(n));
      // What was paused is remembered even when the op fails on another node: stop must resume it.
      paused = [...new Set([...paused, ...result.done])];
      const value = nodeFaultValue({ verb: 'pause', past: 'paused' }, result, true);
      return { target: kind, ...value, description: `${value.description}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };
}

/** The pause fault, as --nemesis pause names it. */
export const pauseFault = defineFault({
  name: 'pause',
  description: 'pauses random nodes or the primaries (SIGSTOP, docker pause) and resumes them',
  healRank: HEAL_RANK.pause,
  options: nodeTargetOptions,
  create: (ctx) => pauseNemesis(ctx, ctx.options.targets),
});
