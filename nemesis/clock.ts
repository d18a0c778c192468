// The clock nemesis: gives the database processes of random nodes (or the primaries) wrong clocks:
// bumped ahead or behind, strobed back and forth, or drifting at another rate; stop resets them.
// Only those processes see it (libfaketime), never the machine. Every op records each node's
// offset, so the report shows what every clock said while the faults were in effect.
import type { Random } from '../src/random.js';
import { replayedValue } from '../src/schedule.js';
import { isClockSkewable, type ClockSkewable, type NodeClock, type Runtime } from '../src/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { actOnNodes, describeReasons, nodeFaultValue } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

/** One clock fault, as data. */
export type ClockFault =
  | { kind: 'bump'; deltaS: number }
  | { kind: 'strobe'; deltaS: number; periodMs: number; durationS: number }
  | { kind: 'drift'; rate: number };

/** Draws a fault: magnitudes spread over orders of magnitude, as in Jepsen (16 ms to 131 s bumps). */
export function planClockFault(random: Random): ClockFault {
  const sign = random.chance(0.5) ? 1 : -1;
  switch (random.pick(['bump', 'bump', 'strobe', 'drift'] as const)) {
    case 'bump':
      return { kind: 'bump', deltaS: (sign * 2 ** random.between(4, 17)) / 1000 };
    case 'strobe':
      return { kind: 'strobe', deltaS: 2 ** random.between(4, 14) / 1000, periodMs: 2 ** random.between(4, 10), durationS: random.between(1, 5) };
    case 'drift':
      return { kind: 'drift', rate: random.pick([0.25, 0.5, 0.9, 1.1, 2, 4]) };
  }
}

export function describeClockFault(fault: ClockFault): string {
  switch (fault.kind) {
    case 'bump':
      return `bump ${fault.deltaS >= 0 ? '+' : ''}${fault.deltaS.toFixed(3)} s`;
    case 'strobe':
      return `strobe ±${fault.deltaS.toFixed(3)} s every ${fault.periodMs} ms for ${fault.durationS} s`;
    case 'drift':
      return `drift x${fault.rate}`;
  }
}

export function clockNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Nemesis {
  const { runtime } = ctx;
  if (!isClockSkewable(runtime)) {
    throw new Error(`the clock nemesis needs a runtime that can fake clocks; runtime "${runtime.name}" cannot (use --runtime docker)`);
  }
  const clocks = new Map<string, NodeClock>();
  const clockOf = (node: string): NodeClock => clocks.get(node) ?? { offsetS: runtime.clockOffsetS(node), rate: 1 };
  const set = async (node: string, clock: NodeClock) => {
    await runtime.setClock(node, clock);
    clocks.set(node, clock);
  };
  return {
    fault: 'clock',
    async invoke(op) {
      if (op.f === 'stop-clock') {
        // A clock is a file the process reads: a dead or paused node's reset is in force when it runs again.
        const result = await actOnNodes([...clocks.keys()], async (node) => {
          await set(node, { offsetS: 0, rate: 1 });
          clocks.delete(node);
          return 'done';
        });
        const value = nodeFaultValue({ verb: 'reset the clock of', past: 'reset' }, result, false);
        return { ...value, offsetsS: offsets(runtime, ctx.nodes), description: value.nodes.length ? `reset ${value.description}` : 'nothing to reset' };
      }
      const fault = (replayedValue(op)?.['fault'] as ClockFault | undefined) ?? planClockFault(ctx.random);
      const { kind, nodes } = await pickTargets(ctx, targets, 'running', op);
      // Each running target is first set to the clock it has: a node whose clock cannot be faked fails here, alone.
      const result = await actOnNodes(nodes, async (node) => {
        if (!runtime.isRunning(node)) return 'not running';
        await set(node, clockOf(node));
        return 'done';
      });
      await applyClockFault(fault, result.done, clockOf, set);
      const value = nodeFaultValue({ verb: 'fake the clock of', past: 'faked the clock of' }, result, true);
      const skipped = value.skipped ? `; skipped ${describeReasons(value.skipped)}` : '';
      return { fault, target: kind, ...value, offsetsS: offsets(runtime, ctx.nodes), description: `${value.nodes.join(' ')} ${describeClockFault(fault)}${skipped}` };
    },
  };
}

/**
 * Gives `nodes` the fault's clocks. A strobe flips every node at once, every period, and stops when
 * its duration has passed: where setting a clock is slow (ssh: an SFTP write each, a tenth of a
 * second or more on a loaded machine), it flips less often, never for longer than it said.
 */
export async function applyClockFault(fault: ClockFault, nodes: readonly string[], clockOf: (node: string) => NodeClock, set: (node: string, clock: NodeClock) => Promise<void>): Promise<void> {
  switch (fault.kind) {
    case 'bump':
      for (const node of nodes) await set(node, { ...clockOf(node), offsetS: clockOf(node).offsetS + fault.deltaS });
      return;
    case 'drift':
      for (const node of nodes) await set(node, { offsetS: clockOf(node).offsetS, rate: fault.rate });
      return;
    case 'strobe': {
      // Flip between the node's clock and that clock plus delta, then leave it where it was.
      const before = new Map(nodes.map((node) => [node, clockOf(node)]));
      const flips = Math.max(1, Math.floor((fault.durationS * 1000) / fault.periodMs));
      const end = performance.now() + fault.durationS * 1000;
      for (let i = 0; i < flips && (i === 0 || performance.now() < end); i++) {
        await Promise.all(nodes.map((node) => {
          const clock = before.get(node) as NodeClock;
          return set(node, i % 2 === 0 ? { ...clock, offsetS: clock.offsetS + fault.deltaS } : clock);
        }));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(fault.periodMs, end - performance.now()))));
      }
      await Promise.all(nodes.map((node) => set(node, before.get(node) as NodeClock)));
    }
  }
}

/** Every node's clock offset now, in seconds (to the millisecond). */
function offsets(runtime: Runtime & ClockSkewable, nodes: readonly string[]): Record<string, number> {
  return Object.fromEntries(nodes.map((node) => [node, Math.round(runtime.clockOffsetS(node) * 1000) / 1000]));
}

/** The clock fault, as --nemesis clock names it. */
export const clockFault = defineFault({
  name: 'clock',
  description: 'shifts, jumps or skews node clocks through libfaketime and resets them',
  healRank: HEAL_RANK.clock,
  fakeClock: true,
  canRunOn: (runtime) => (isClockSkewable(runtime) ? true : `the ${runtime.name} runtime cannot fake node clocks; use --runtime docker`),
  canTest: (db) => (db.clockUnfakeable === undefined ? true : `${db.clockUnfakeable}; drop clock from --nemesis`),
  options: nodeTargetOptions,
  create: (ctx) => clockNemesis(ctx, ctx.options.targets),
});
