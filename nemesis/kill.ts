// The kill nemesis: SIGKILLs (or docker kills) random nodes or the current primaries, and restarts every dead node on stop.
import type { Nemesis, NemesisContext } from './nemesis.js';
import { pickTargets } from './targets.js';

export function killNemesis(ctx: NemesisContext): Nemesis {
  return {
    fault: 'kill',
    async invoke(op) {
      if (op.f === 'stop-kill') {
        const dead = ctx.nodes.filter((n) => !ctx.runtime.isRunning(n));
        for (const node of dead) await ctx.db.start(node, ctx.dbCtx);
        return { nodes: dead, description: dead.length ? `restarted ${dead.join(' ')}` : 'nothing to restart' };
      }
      const { kind, nodes } = await pickTargets(ctx);
      await Promise.all(nodes.map((n) => ctx.runtime.kill(n)));
      return { target: kind, nodes, description: `${nodes.join(' ')}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };
}
