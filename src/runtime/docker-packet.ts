// Packet faults inside containers: tc netem for delay, jitter, loss, duplication, reordering and
// corruption, and rate limits; connection resets through an iptables REJECT with tcp-reset on a
// `statistic` share of packets. Kernels without the netem qdisc (faultline's own machines) still
// get loss, through an iptables `statistic` rule in faultline's own chain, and rate limits,
// through tbf; the other behaviours are reported unavailable, never silently skipped.
import { assertShapeSupported, type PacketShape, type PacketSupport } from './runtime.js';

export const LOSS_CHAIN = 'FAULTLINE-LOSS';
const DEVICE = 'eth0';

/** What the kernel offers, as found by probing one container. */
export interface KernelPacketTools {
  netem: boolean;
  tbf: boolean;
  statistic: boolean;
  /** iptables' REJECT target with --reject-with tcp-reset. */
  reject: boolean;
}

/** Commands that try each tool and undo it; each command's success says whether the tool works. */
export const PROBES: Record<keyof KernelPacketTools, { probe: string[]; undo: string[] }> = {
  netem: { probe: ['tc', 'qdisc', 'add', 'dev', DEVICE, 'root', 'netem', 'delay', '1ms'], undo: ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root'] },
  tbf: { probe: ['tc', 'qdisc', 'add', 'dev', DEVICE, 'root', 'tbf', 'rate', '100mbit', 'burst', '32kbit', 'latency', '400ms'], undo: ['tc', 'qdisc', 'del', 'dev', DEVICE, 'root'] },
  statistic: { probe: ['iptables', '-w', '-A', LOSS_CHAIN, '-m', 'statistic', '--mode', 'random', '--probability', '0', '-j', 'DROP'], undo: ['iptables', '-w', '-F', LOSS_CHAIN] },
  reject: { probe: resetRule(0), undo: ['iptables', '-w', '-F', LOSS_CHAIN] },
};

/** The rule that resets the TCP connection of a share (0 to 1) of the packets a node receives. */
function resetRule(probability: number): string[] {
  return ['iptables', '-w', '-A', LOSS_CHAIN, '-p', 'tcp', '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
}

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
  support.unavailable.stall = 'tc and iptables rules hold no bytes for a while and then deliver them (a partition drops them; use partition for a cut link)';
  if (tools.statistic && tools.reject) support.available.reset = 'iptables REJECT with tcp-reset (statistic)';
  else support.unavailable.reset = 'iptables has no statistic match or no REJECT target';
  return support;
}

/** The commands that give a node's traffic `shape`; run clearPacketCommands first. */
export function packetCommands(shape: PacketShape, tools: KernelPacketTools): string[][] {
  assertShapeSupported(shape, packetSupport(tools));
  const commands: string[][] = [];
  if (shape.resetPercent !== undefined) commands.push(resetRule(shape.resetPercent / 100));
  if (tools.netem) {
    const args = netemArgs(shape);
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

/** netem's arguments for delay, jitter, loss, duplication, reordering and corruption (rate apart: the ssh runtime limits it with htb). */
export function netemArgs(shape: PacketShape): string[] {
  const args: string[] = [];
  if (shape.delayMs !== undefined || shape.jitterMs !== undefined) {
    args.push('delay', `${shape.delayMs ?? 0}ms`);
    if (shape.jitterMs !== undefined) args.push(`${shape.jitterMs}ms`, 'distribution', 'normal');
  }
  if (shape.lossPercent !== undefined) args.push('loss', `${shape.lossPercent}%`);
  if (shape.duplicatePercent !== undefined) args.push('duplicate', `${shape.duplicatePercent}%`);
  if (shape.reorderPercent !== undefined) args.push('reorder', `${shape.reorderPercent}%`);
  if (shape.corruptPercent !== undefined) args.push('corrupt', `${shape.corruptPercent}%`);
  return args;
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
