// Packet faults inside containers: tc netem for delay, jitter, loss, duplication, reordering and
// corruption, and rate limits. Kernels without the netem qdisc (faultline's own machines) still
// get loss, through an iptables `statistic` rule in faultline's own chain, and rate limits,
// through tbf; the other behaviours are reported unavailable, never silently skipped.
import type { PacketBehaviour, PacketShape, PacketSupport } from './runtime.js';

export const LOSS_CHAIN = 'FAULTLINE-LOSS';
const DEVICE = 'eth0';

/** What the kernel offers, as found by probing one container. */
export interface KernelPacketTools {
  netem: boolean;
  tbf: boolean;
  statistic: boolean;
}

/** Commands that try each tool and undo it; each command's success says whether the tool works. */
export const PROBES: Record<keyof KernelPacketTools, { probe: string[]; undo: string[] }> = {
  netem: { probe: ['tc', 'qdisc', 'add', 'dev', DEVICE, 'root', 'netem', 'delay', '1ms'], undo: ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root'] },
  tbf: { probe: ['tc', 'qdisc', 'add', 'dev', DEVICE, 'root', 'tbf', 'rate', '100mbit', 'burst', '32kbit', 'latency', '400ms'], undo: ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root'] },
  statistic: { probe: ['iptables', '-w', '-A', LOSS_CHAIN, '-m', 'statistic', '--mode', 'random', '--probability', '0', '-j', 'DROP'], undo: ['iptables', '-w', '-F', LOSS_CHAIN] },
};

/** Creates the loss chain and sends incoming traffic on the node's interface through it. */
export function lossSetupCommands(): string[][] {
  return [
    ['iptables', '-w', '-N', LOSS_CHAIN],
    ['iptables', '-w', '-I', 'INPUT', '-i', DEVICE, '-j', LOSS_CHAIN],
  ];
}

/** Which behaviours the kernel's tools can make, and how; which not, and why. */
export function packetSupport(tools: KernelPacketTools): PacketSupport {
  const support: PacketSupport = { available: {}, unavailable: {} };
  const noNetem = 'the kernel has no netem qdisc';
  for (const behaviour of ['delay', 'duplicate', 'reorder', 'corrupt'] as const) {
    if (tools.netem) support.available[behaviour] = 'tc netem';
    else support.unavailable[behaviour] = noNetem;
  }
  if (tools.netem) support.available.loss = 'tc netem';
  else if (tools.statistic) support.available.loss = 'iptables statistic';
  else support.unavailable.loss = `${noNetem} and iptables has no statistic match`;
  if (tools.netem) support.available.rate = 'tc netem';
  else if (tools.tbf) support.available.rate = 'tc tbf';
  else support.unavailable.rate = `${noNetem} and no tbf qdisc`;
  return support;
}

/** The behaviours a shape asks for. */
export function behavioursOf(shape: PacketShape): PacketBehaviour[] {
  const wanted: PacketBehaviour[] = [];
  if (shape.delayMs !== undefined || shape.jitterMs !== undefined) wanted.push('delay');
  if (shape.lossPercent !== undefined) wanted.push('loss');
  if (shape.duplicatePercent !== undefined) wanted.push('duplicate');
  if (shape.reorderPercent !== undefined) wanted.push('reorder');
  if (shape.corruptPercent !== undefined) wanted.push('corrupt');
  if (shape.rateKbit !== undefined) wanted.push('rate');
  return wanted;
}

/** The commands that give a node's traffic `shape`; run clearPacketCommands first. */
export function packetCommands(shape: PacketShape, tools: KernelPacketTools): string[][] {
  const support = packetSupport(tools);
  const missing = behavioursOf(shape).filter((b) => support.unavailable[b] !== undefined);
  if (missing.length > 0) {
    throw new Error(`packet behaviours ${missing.join(', ')} are unavailable (${[...new Set(missing.map((b) => support.unavailable[b]))].join('; ')}); available: ${Object.keys(support.available).join(', ') || 'none'}`);
  }
  const commands: string[][] = [];
  if (tools.netem) {
    const args: string[] = [];
    if (shape.delayMs !== undefined || shape.jitterMs !== undefined) {
      args.push('delay', `${shape.delayMs ?? 0}ms`);
      if (shape.jitterMs !== undefined) args.push(`${shape.jitterMs}ms`, 'distribution', 'normal');
    }
    if (shape.lossPercent !== undefined) args.push('loss', `${shape.lossPercent}%`);
    if (shape.duplicatePercent !== undefined) args.push('duplicate', `${shape.duplicatePercent}%`);
    if (shape.reorderPercent !== undefined) args.push('reorder', `${shape.reorderPercent}%`);
    if (shape.corruptPercent !== undefined) args.push('corrupt', `${shape.corruptPercent}%`);
    if (shape.rateKbit !== undefined) args.push('rate', `${shape.rateKbit}kbit`);
    if (args.length > 0) commands.push(['tc', 'qdisc', 'replace', 'dev', DEVICE, 'root', 'netem', ...args]);
    return commands;
  }
  if (shape.lossPercent !== undefined) {
    commands.push(['iptables', '-w', '-A', LOSS_CHAIN, '-m', 'statistic', '--mode', 'random', '--probability', String(shape.lossPercent / 100), '-j', 'DROP']);
  }
  if (shape.rateKbit !== undefined) {
    commands.push(['tc', 'qdisc', 'replace', 'dev', DEVICE, 'root', 'tbf', 'rate', `${shape.rateKbit}kbit`, 'burst', '32kbit', 'latency', '400ms']);
  }
  return commands;
}

/**
 * Removes every packet fault: the root qdisc back to the kernel's default, the loss chain
 * flushed. Deleting a root qdisc that is not there fails; callers ignore that command's status.
 */
export function clearPacketCommands(): string[][] {
  return [
    ['iptables', '-w', '-F', LOSS_CHAIN],
    ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root'],
  ];
}
