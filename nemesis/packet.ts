// The packet nemesis: makes the network of random nodes (or the primaries) slow, lossy, duplicating,
// reordering, corrupting, rate-limited, stalling or resetting, and clears it on stop. It draws only
// behaviours the runtime can make here and names the ones it cannot (a kernel without netem, a TCP
// proxy that sees no packets), so a run never claims a fault it did not inject. Dead or paused targets get it when they run again; the op names
// them, and fails when it reached no node now.
import type { Random } from '../src/random.js';
import { replayedValue } from '../src/schedule.js';
import { option, type OptionValues } from '../src/define/options.js';
import { isPacketShapeable, PACKET_BEHAVIOURS, type PacketBehaviour, type PacketShape, type PacketSupport } from '../src/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { describeReasons } from './node-faults.js';
import { nodeTargetOptions, pickTargets } from './targets.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

/** The packet fault's options: which behaviours it draws, and the magnitudes each draws among. */
export const packetOptions = {
  ...nodeTargetOptions,
  behaviours: option.list(PACKET_BEHAVIOURS, { flag: 'packet-behaviours', help: 'packet behaviours drawn among, of those the runtime can make', default: PACKET_BEHAVIOURS }),
  delayMs: option.integers({ flag: 'packet-delay-ms', min: 0, max: 60_000, default: [20, 50, 100, 200], help: 'delay: added latency in ms, drawn among these' }),
  jitterMs: option.integers({ flag: 'packet-jitter-ms', min: 0, max: 60_000, default: [5, 10, 50], help: 'delay: jitter in ms either way, drawn among these' }),
  lossPercent: option.integers({ flag: 'packet-loss-percent', min: 1, max: 100, default: [5, 20, 50], help: 'loss: percent of packets dropped, drawn among these' }),
  duplicatePercent: option.integers({ flag: 'packet-duplicate-percent', min: 1, max: 100, default: [10, 25, 50], help: 'duplicate: percent of packets sent twice, drawn among these' }),
  reorderPercent: option.integers({ flag: 'packet-reorder-percent', min: 1, max: 100, default: [10, 25, 50], help: 'reorder: percent of packets sent ahead of the others (delayed 20 ms), drawn among these' }),
  corruptPercent: option.integers({ flag: 'packet-corrupt-percent', min: 1, max: 100, default: [1, 5, 10], help: 'corrupt: percent of packets with a flipped bit, drawn among these' }),
  rateKbit: option.integers({ flag: 'packet-rate-kbit', min: 1, max: 10_000_000, default: [64, 256, 1024], help: 'rate: the link\'s rate in kbit/s, drawn among these' }),
  stallMs: option.integers({ flag: 'packet-stall-ms', min: 1, max: 60_000, default: [200, 500, 1000, 2000], help: 'stall: the link stops this many ms, flows as long, and so on; drawn among these' }),
  resetPercent: option.integers({ flag: 'packet-reset-percent', min: 1, max: 100, default: [1, 5, 20], help: 'reset: percent of traffic that ends its connection with a TCP reset, drawn among these' }),
};

export type PacketOptions = OptionValues<typeof packetOptions>;

/** The magnitudes drawn when no option narrows them (the defaults above). */
const DEFAULT_MAGNITUDES = Object.fromEntries(Object.entries(packetOptions).map(([key, def]) => [key, def.default])) as PacketOptions;

/** Draws one behaviour among those both asked for and available, and its magnitude among the options' values. */
export function planPacketShape(random: Random, available: readonly PacketBehaviour[], options: PacketOptions = DEFAULT_MAGNITUDES): { behaviour: PacketBehaviour; shape: PacketShape } {
  const usable = options.behaviours.filter((b) => available.includes(b));
  if (usable.length === 0) {
    throw new Error(`no packet behaviour asked for is available here: --packet-behaviours ${options.behaviours.join(',')}; available: ${available.join(', ') || 'none'}`);
  }
  const behaviour = random.pick(usable);
  const shape: PacketShape = (() => {
    switch (behaviour) {
      case 'delay':
        return { delayMs: random.pick(options.delayMs), jitterMs: random.pick(options.jitterMs) };
      case 'loss':
        return { lossPercent: random.pick(options.lossPercent) };
      case 'duplicate':
        return { duplicatePercent: random.pick(options.duplicatePercent) };
      case 'reorder':
        // netem reorders by sending some packets at once and delaying the rest.
        return { delayMs: 20, reorderPercent: random.pick(options.reorderPercent) };
      case 'corrupt':
        return { corruptPercent: random.pick(options.corruptPercent) };
      case 'rate':
        return { rateKbit: random.pick(options.rateKbit) };
      case 'stall':
        return { stallMs: random.pick(options.stallMs) };
      case 'reset':
        return { resetPercent: random.pick(options.resetPercent) };
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
  if (shape.stallMs !== undefined) parts.push(`stall ${shape.stallMs} ms on, ${shape.stallMs} ms off`);
  if (shape.resetPercent !== undefined) parts.push(`reset ${shape.resetPercent}%`);
  return parts.join(', ');
}

export function packetNemesis(ctx: NemesisContext, options: PacketOptions = DEFAULT_MAGNITUDES): Nemesis {
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
      const recorded = replayedValue(op);
      const replayed = recorded && typeof recorded['behaviour'] === 'string' && recorded['shape'] ? { behaviour: recorded['behaviour'] as PacketBehaviour, shape: recorded['shape'] as PacketShape } : undefined;
      if (replayed && support.available[replayed.behaviour] === undefined) throw new Error(`packet ${replayed.behaviour} cannot be replayed: ${support.unavailable[replayed.behaviour] ?? 'this runtime cannot make it'}`);
      const { behaviour, shape } = replayed ?? planPacketShape(ctx.random, Object.keys(support.available) as PacketBehaviour[], options);
      const { kind, nodes } = await pickTargets(ctx, options.targets, 'any', op);
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
  description: 'makes node links slow, lossy, duplicating, reordering, corrupting, rate-limited, stalling or resetting (tc and iptables; local: the link proxies)',
  healRank: HEAL_RANK.packet,
  canRunOn: (runtime) => (isPacketShapeable(runtime) ? true : `the ${runtime.name} runtime cannot shape packets (delay, loss, rate); use --runtime docker`),
  options: packetOptions,
  create: (ctx) => packetNemesis(ctx, ctx.options),
});
