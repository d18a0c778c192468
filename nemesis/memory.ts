// The memory nemesis: squeezes the memory of random nodes (or the primaries) to a fraction of what
// each holds now, through a cgroup limit (a cgroup of the node's own on the local runtime, the
// container's through the Docker API), and lifts it on stop. A node that outgrows its limit is
// killed by the kernel's OOM killer: the runtime writes that to the node's log as an `oom-killed`
// event, and stop counts it and starts the node again once the limit is lifted.
import { replayedValue } from '../src/schedule.js';
import type { OptionDef } from '../src/define/options.js';
import { formatBytes } from '../src/runtime/memory-cgroup.js';
import { isMemoryLimitable, type MemoryLimit } from '../src/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { actOnNodes, actOnNodesInTurn, nodeFaultValue } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

export const DEFAULT_FRACTIONS = [0.2, 0.5, 0.9] as const;

/** --memory-fraction: one fraction, or several that each op draws among ("0.2,0.5,0.9"). */
export const memoryFractionOption: OptionDef<readonly number[]> = {
  kind: 'number',
  flag: 'memory-fraction',
  help: 'the limit as a fraction of what a node holds when squeezed (above 0, at most 1); several, comma separated, are drawn among',
  default: DEFAULT_FRACTIONS,
  parse(value, flag) {
    const items = Array.isArray(value) ? value : typeof value === 'number' ? [value] : typeof value === 'string' ? value.split(',').map((v) => v.trim()) : [];
    const fractions = items.map((item) => (typeof item === 'number' ? item : typeof item === 'string' && item !== '' ? Number(item) : Number.NaN));
    if (fractions.length === 0 || fractions.some((f) => !Number.isFinite(f) || f <= 0 || f > 1)) {
      throw new Error(`--${flag} "${Array.isArray(value) ? value.join(',') : String(value)}" is not valid; expected fractions above 0 and at most 1, comma separated (e.g. 0.2 or 0.2,0.5,0.9)`);
    }
    return fractions;
  },
};

/** The limit for a node holding `inUseBytes`, squeezed to `fraction` of it: whole pages, at least one. */
export function planMemoryLimit(inUseBytes: number, fraction: number): number {
  return Math.max(4096, Math.ceil((inUseBytes * fraction) / 4096) * 4096);
}

/** One node's squeeze, as the op records it. */
export interface NodeSqueeze {
  inUseBytes: number;
  askedBytes: number;
  limitBytes: number;
  /** Why the limit is above what was asked (the kernel would not go lower), if it is. */
  raised?: string;
}

export function describeSqueeze(node: string, fraction: number, s: NodeSqueeze): string {
  const raised = s.raised === undefined ? '' : ` (asked ${formatBytes(s.askedBytes)}; ${s.raised})`;
  return `${node} limited to ${formatBytes(s.limitBytes)}, ${fraction} of ${formatBytes(s.inUseBytes)} in use${raised}`;
}

export function memoryNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS, fractions: readonly number[] = DEFAULT_FRACTIONS): Nemesis {
  const { runtime } = ctx;
  if (!isMemoryLimitable(runtime)) throw new Error(`the memory nemesis needs a runtime that can limit node memory; runtime "${runtime.name}" cannot`);
  /** Nodes under a limit now, with the OOM kills the kernel had counted when it was set. */
  const limited = new Map<string, number>();
  return {
    fault: 'memory',
    async invoke(op) {
      if (op.f === 'stop-memory') {
        const nodes = [...limited.keys()].sort();
        const oomKilled: Record<string, number> = {};
        for (const node of nodes) {
          const kills = (await runtime.oomKills(node)) - (limited.get(node) ?? 0);
          if (kills > 0) oomKilled[node] = kills;
        }
        const result = await actOnNodes(nodes, async (node) => {
          await runtime.unlimitMemory(node);
          return 'done';
        });
        // Nodes whose limit could not be lifted stay on the list, so the next stop (or the final heal) tries again.
        for (const node of result.done) limited.delete(node);
        const value = nodeFaultValue({ verb: 'lift the memory limit of', past: 'lifted' }, result, false);
        // The OOM killer's victims start again now that they have room (a kill fault's restarts are its own).
        const dead = Object.keys(oomKilled).filter((n) => result.done.includes(n) && !runtime.isRunning(n));
        const restarted = nodeFaultValue({ verb: 'restart', past: 'restarted' }, await actOnNodesInTurn(dead, async (node) => {
          await ctx.db.start(node, ctx.dbCtx);
          return 'done';
        }), false);
        const killed = Object.entries(oomKilled).map(([n, k]) => `${n}${k > 1 ? ` (${k} times)` : ''}`);
        const description = [
          value.nodes.length ? `lifted the memory limits of ${value.description}` : 'no memory limit to lift',
          ...(killed.length ? [`OOM-killed meanwhile: ${killed.join(', ')}`] : []),
          ...(restarted.nodes.length ? [`restarted ${restarted.nodes.join(' ')}`] : []),
        ].join('; ');
        return { ...value, oomKilled, restarted: restarted.nodes, description };
      }
      const recorded = replayedValue(op)?.['fraction'];
      const fraction = typeof recorded === 'number' ? recorded : ctx.random.pick(fractions);
      const { kind, nodes: picked } = await pickTargets(ctx, targets, 'running', op);
      const squeezes: Record<string, NodeSqueeze> = {};
      const fresh = picked.filter((n) => !limited.has(n));
      const result = await actOnNodes(fresh, async (node) => {
        const inUseBytes = await runtime.memoryUsage(node);
        if (inUseBytes === undefined) return 'not running';
        const askedBytes = planMemoryLimit(inUseBytes, fraction);
        const before = await runtime.oomKills(node);
        const limit: MemoryLimit = await runtime.limitMemory(node, askedBytes);
        limited.set(node, before);
        squeezes[node] = { inUseBytes, askedBytes, ...limit };
        return 'done';
      });
      for (const node of picked.filter((n) => !fresh.includes(n))) result.skipped[node] = 'already limited';
      const value = nodeFaultValue({ verb: 'limit the memory of', past: 'limited' }, result, true);
      const said = value.nodes.map((n) => describeSqueeze(n, fraction, squeezes[n]!));
      const skipped = value.description.includes('skipped') ? `; ${value.description.slice(value.description.indexOf('skipped'))}` : '';
      return { target: kind, fraction, ...value, limits: squeezes, description: `${said.join('; ')}${skipped}${kind === 'primaries' ? ' (primaries)' : ''}` };
    },
  };
}

/** The memory fault, as --nemesis memory names it. */
export const memoryFault = defineFault({
  name: 'memory',
  description: 'squeezes node memory to a fraction of what it holds (a cgroup limit; OOM kills become node events) and lifts it',
  healRank: HEAL_RANK.memory,
  canRunOn: (runtime) => {
    if (!isMemoryLimitable(runtime)) return `the ${runtime.name} runtime cannot limit node memory; use --runtime docker`;
    return runtime.memoryLimitSupport();
  },
  memoryLimits: true,
  options: { ...nodeTargetOptions, fractions: memoryFractionOption },
  create: (ctx) => memoryNemesis(ctx, ctx.options.targets, ctx.options.fractions),
});
