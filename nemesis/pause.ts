// The pause nemesis: freezes random nodes (SIGSTOP / docker pause) and resumes them on stop. A
// paused node keeps its connections open and silent, like a long GC pause or a stalled VM.
import { pickNodes, type Nemesis, type NemesisContext } from './nemesis.js';

export function pauseNemesis(ctx: NemesisContext): Nemesis {
  let paused: string[] = [];
  return {
    fault: 'pause',
    async invoke(op) {
      if (op.f === 'stop-pause') {
        const resumed = paused;
        await Promise.all(resumed.map((n) => ctx.runtime.resume(n)));
        paused = [];
        return { nodes: resumed, description: resumed.length ? `resumed ${resumed.join(' ')}` : 'nothing paused' };
      }
      const nodes = pickNodes(ctx.nodes, ctx.random).filter((n) => !paused.includes(n));
      await Promise.all(nodes.map((n) => ctx.runtime.pause(n)));
      paused = [...paused, ...nodes];
      return { nodes, description: nodes.join(' ') };
    },
  };
}
