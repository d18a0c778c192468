// The restart fault: one node at a time is killed and started again at once, so the cluster keeps
// losing a member's memory (in-flight requests, caches, leases, unsynced writes) without losing the
// member for long: recovery from the node's own data directory, over and over. Jepsen's kill, with
// no time down. A node that does not come back is named, and restarted again when the fault heals.
import type { Nemesis, NemesisContext } from './nemesis.js';
import { restartDeadNodes } from './node-faults.js';
import { replayedValue } from '../src/schedule.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export function restartNemesis(ctx: NemesisContext): Nemesis {
  return {
    fault: 'restart',
    async invoke(op) {
      if (op.f === 'stop-restart') return restartDeadNodes(ctx);
      const running = ctx.nodes.filter((n) => ctx.runtime.isRunning(n));
      if (running.length === 0) throw new Error('restart: no node is running; expected one to kill and start again');
      const recorded = replayedValue(op)?.['node'];
      const node = typeof recorded === 'string' ? recorded : ctx.random.pick(running);
      const killed = await ctx.runtime.kill(node);
      if (killed !== 'done') throw new Error(`restart ${node}: kill found it ${killed}; nothing was restarted`);
      try {
        await ctx.db.start(node, ctx.dbCtx);
      } catch (err) {
        throw new Error(`restart ${node}: killed, but it did not start again (${err instanceof Error ? err.message : String(err)}); the fault's heal starts it again`);
      }
      return { node, description: `killed ${node} and started it again` };
    },
  };
}

/** The restart fault, as --nemesis restart names it. */
export const restartFault = defineFault({
  name: 'restart',
  description: 'kills one node at a time and starts it again at once: a crash with no time down',
  healRank: HEAL_RANK.kill,
  create: restartNemesis,
});
