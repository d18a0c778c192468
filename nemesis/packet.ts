// The packet nemesis: makes the network of random nodes (or the primaries) slow, lossy, duplicating,
// reordering, corrupting or rate-limited, and clears it on stop. It draws only behaviours the
// runtime can make here and names the ones it cannot (a kernel without netem), so a run never
// claims a fault it did not inject. Dead or paused targets get it when they run again; the op names
// them, and fails when it reached no node now.
import type { Random } from '../src/random.js';
import { isPacketShapeable, type PacketBehaviour, type PacketShape, type PacketSupport } from '../src/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { describeReasons } from './node-faults.js';
import { NODE_TARGETS, nodeTargetOptions, pickTargets, type NodeTarget } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

const BEHAVIOURS: readonly PacketBehaviour[] = ['delay', 'loss', 'duplicate', 'reorder', 'corrupt', 'rate'];

/** Draws one behaviour among the available ones and its magnitude. */
export function planPacketShape(random: Random, available: readonly PacketBehaviour[]): { behaviour: PacketBehaviour; shape: PacketShape } {
  const usable = BEHAVIOURS.filter((b) => available.includes(b));
  if (usable.length === 0) throw new Error('no packet behaviour is available on this runtime; expected at least one of delay, loss, duplicate, reorder, corrupt, rate');
  const behaviour = random.pick(usable);
  const shape: PacketShape = (() => {
    switch (behaviour) {
      case 'delay':
        return { delayMs: random.pick([20, 50, 100, 200]), jitterMs: random.pick([5, 10, 50]) };
      case 'loss':
        return { lossPercent: random.pick([5, 20, 50]) };
      case 'duplicate':
        return { duplicatePercent: random.pick([10, 25, 50]) };
      case 'reorder':
        // netem reorders by sending some packets at once and delaying the rest.
        return { delayMs: 20, reorderPercent: random.pick([10, 25, 50]) };
      case 'corrupt':
        return { corruptPercent: random.pick([1, 5, 10]) };
      case 'rate':
        return { rateKbit: random.pick([64, 256, 1024]) };
    }
  })();
  return { behaviour, shape };
}

export function describePacketShape(shape: PacketShape): string {
  const parts: string[] = [];
  if (shape.delayMs !== undefined) parts.push(`delay ${shape.delayMs} ms${shape.jitterMs !== undefined ? ` ±${shape.jitterMs}` : ''}`);
  if (shape.lossPercent !== undefined) parts.push(`loss ${shape.lossPercent}%`);
  if (shape.duplicatePercent !== undefined) parts.push(`duplicate ${shape.duplicatePercent}%`);
  if (shape.reorderPercent !== undefined) parts.push(`reorder ${shape.reorderPercent}%`);
  if (shape.corruptPercent !== undefined) parts.push(`corrupt ${shape.corruptPercent}%`);
  if (shape.rateKbit !== undefined) parts.push(`rate ${shape.rateKbit} kbit/s`);
  return parts.join(', ');
}

export function packetNemesis(ctx: NemesisContext, targets: readonly NodeTarget[] = NODE_TARGETS): Nemesis {
  const { runtime } = ctx;
  if (!isPacketShapeable(runtime)) {
    throw new Error(`the packet nemesis needs a runtime that can shape packets; runtime "${runtime.name}" cannot (use --runtime docker)`);
  }
  let support: PacketSupport | undefined;
  return {
    fault: 'packet',
    async invoke(op) {
      if (op.f === 'stop-packet') {
        const deferred = await runtime.clearPackets();
        const pending = Object.keys(deferred).length > 0;
        return { ...(pending && { deferred }), description: `cleared${pending ? `; pending on ${describeReasons(deferred)} until they run again` : ''}` };
      }
      support ??= await runtime.packetSupport();
      const { behaviour, shape } = planPacketShape(ctx.random, Object.keys(support.available) as PacketBehaviour[]);
      const { kind, nodes } = await pickTargets(ctx, targets);
      const deferred = await runtime.shapePackets(nodes, shape);
      const reached = nodes.filter((n) => deferred[n] === undefined);
      if (reached.length === 0) throw new Error(`packet fault ${describePacketShape(shape)} reached no node: ${describeReasons(deferred)}; it lands when they run again`);
      const pending = Object.keys(deferred).length > 0 ? `; pending on ${describeReasons(deferred)} until they run again` : '';
      const unavailable = Object.entries(support.unavailable).map(([b, why]) => `${b} (${why})`);
      return {
        behaviour,
        shape,
        via: support.available[behaviour],
        target: kind,
        nodes: reached,
        ...(pending && { deferred }),
        unavailable,
        description: `${reached.join(' ')} ${describePacketShape(shape)} via ${support.available[behaviour]}${pending}`,
      };
    },
  };
}

/** The packet fault, as --nemesis packet names it. */
export const packetFault = defineFault({
  name: 'packet',
  description: 'makes node networks slow, lossy, duplicating, reordering, corrupting or rate-limited (tc, iptables)',
  healRank: HEAL_RANK.packet,
  canRunOn: (runtime) => (isPacketShapeable(runtime) ? true : `the ${runtime.name} runtime cannot shape packets (delay, loss, rate); use --runtime docker`),
  options: nodeTargetOptions,
  create: (ctx) => packetNemesis(ctx, ctx.options.targets),
});
