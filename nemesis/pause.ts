// The pause nemesis: freezes random nodes or the current primaries (SIGSTOP / docker pause) and resumes them on stop. A
// paused node keeps its connections open and silent, like a long GC pause or a stalled VM.
import type { Nemesis, NemesisContext } from './nemesis.js';
import { pickTargets } from './targets.js';

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
      const { kind, nodes: picked } = await pickTargets(ctx);
      const nodes = picked.filter((n) => !paused.includes(n));
      await Promise.all(nodes.map((n) => ctx.runtime.pause(n)));
      paused = [...paused, ...nodes];
      return { target: kind, nodes, description: `${nodes.join(' ')}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };
}
