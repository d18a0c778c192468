// The kill nemesis: SIGKILLs (or docker kills) random nodes, and restarts every dead node on stop.
import { pickNodes, type Nemesis, type NemesisContext } from './nemesis.js';

export function killNemesis(ctx: NemesisContext): Nemesis {
  return {
    fault: 'kill',
    async invoke(op) {
      if (op.f === 'stop-kill') {
        const dead = ctx.nodes.filter((n) => !ctx.runtime.isRunning(n));
        for (const node of dead) await ctx.db.start(node, ctx.dbCtx);
        return { nodes: dead, description: dead.length ? `restarted ${dead.join(' ')}` : 'nothing to restart' };
      }
      const nodes = pickNodes(ctx.nodes, ctx.random);
      await Promise.all(nodes.map((n) => ctx.runtime.kill(n)));
      return { nodes, description: nodes.join(' ') };
    },
  };
}
