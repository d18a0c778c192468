// Packet faults on SSH hosts, as argument vectors built by pure functions. Only traffic between the
// nodes is touched, never the controller's SSH connection: loss and resets are iptables rules in
// faultline's loss chain matching the peers' addresses as sources; rate limits (and netem, where the
// kernel has it) sit under an htb root qdisc on each device that routes to the peers, whose one
// class gets only packets to the peers (u32 filters on the destination), while everything else
// passes the root unshaped. The root's handle is faultline's mark: it is deleted only by that handle.
import { isIPv4 } from 'node:net';
import { LOSS_CHAIN, netemArgs } from './docker-packet.js';
import type { BatchResult, BatchStep } from './ssh-batch.js';
import { assertShapeSupported, PACKET_BEHAVIOURS, type PacketShape, type PacketSupport } from './runtime.js';

export { LOSS_CHAIN };
/** faultline's root qdisc handle ("fa17", for faultline): teardown and cleanup delete a root qdisc only by it. */
export const QDISC_HANDLE = 'fa17:';
const PEER_CLASS = 'fa17:1';
const NETEM_HANDLE = 'fa18:';
/** An address no traffic goes to (TEST-NET-1, RFC 5737): the probes' rules and filters match it. */
const PROBE_ADDRESS = '192.0.2.1';
/** The peers' class when only netem shapes them: a rate no link reaches. */
const UNLIMITED = ['rate', '10gbit', 'ceil', '10gbit', 'burst', '1mb', 'cburst', '1mb'];

/** What a host's kernel offers, as found by trying each tool there (and undoing it). */
export interface HostPacketTools {
  statistic: boolean;
  /** iptables' REJECT target with --reject-with tcp-reset. */
  reject: boolean;
  htb: boolean;
  /** tc's u32 filter, which sends the peers' packets to the shaped class. */
  u32: boolean;
  netem: boolean;
}

/** A host as the probe found it: its tools, the devices that reach its peers, and what forbids what. */
export interface HostPacketProbe {
  tools: HostPacketTools;
  /** The peers' addresses, by the device that routes to them. */
  devices: Record<string, string[]>;
  /** Why tc may not be used here though the kernel may have it (a root qdisc that is someone else's). */
  tcRefused?: string;
  /** Why no packet fault may be made on this host at all. */
  refused?: string;
}

/** Routes to each peer, a line each (`ip -o route get`); the addresses are arguments, never pasted into the script. */
export function routeCommand(peers: readonly string[]): string[] {
  return ['sh', '-c', 'for peer; do ip -o route get "$peer" || exit; done', 'faultline-route', ...peers];
}

/** The peers by the device that routes to each, from `routeCommand`'s output. */
export function parseRoutes(output: string, peers: readonly string[]): Record<string, string[]> {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== peers.length) throw new Error(`\`ip -o route get\` printed ${lines.length} routes for ${peers.length} peers (${peers.join(', ')}): ${output.trim()}`);
  const devices: Record<string, string[]> = {};
  lines.forEach((line, i) => {
    const device = /\sdev (\S+)/.exec(line)?.[1];
    if (device === undefined) throw new Error(`no device in the route to ${peers[i]}: "${line.trim()}"; expected "... dev <name> ..."`);
    (devices[device] ??= []).push(peers[i] as string);
  });
  return devices;
}

/** Why tc may not be used on a host where `qdiscShowCommand` found no tc. */
export const TC_MISSING = 'tc is not installed (Debian\'s iproute2)';

/** Lists a device's qdiscs; `rootQdiscRefusal` reads it. */
export function qdiscShowCommand(device: string): string[] {
  return ['tc', 'qdisc', 'show', 'dev', device];
}

/**
 * Why faultline may not replace a device's root qdisc, or undefined when it may: a root with handle
 * 0: is the kernel's default (deleting faultline's brings it back), one with faultline's handle is
 * a leftover of its own; any other was set up by someone and is left alone.
 */
export function rootQdiscRefusal(device: string, qdiscShow: string): string | undefined {
  const root = /^qdisc (\S+) (\S+) root\b/m.exec(qdiscShow);
  if (!root || root[2] === '0:' || root[2] === QDISC_HANDLE) return undefined;
  return `the root qdisc of ${device} is ${root[1]} ${root[2]}, not the kernel's default; faultline does not replace it`;
}

/** The client address of the SSH connection, as the host sees it (`SSH_CONNECTION`: client port server port). */
export function sshClientCommand(): string[] {
  return ['printenv', 'SSH_CONNECTION'];
}

/**
 * Why no packet fault may be made on a host whose peers have these addresses (by node), reached
 * over the SSH connection `SSH_CONNECTION` describes, or undefined: the rules match IPv4 peers,
 * and one whose address is the controller's would catch the SSH connection too.
 */
export function packetRefusal(sshConnection: string, peers: Readonly<Record<string, string>>): string | undefined {
  const notIpv4 = Object.entries(peers).filter(([, address]) => !isIPv4(address));
  if (notIpv4.length > 0) return `iptables and tc u32 rules here match IPv4 peers; ${notIpv4.map(([node, address]) => `${node} is ${address}`).join(', ')}`;
  const client = sshConnection.trim().split(/\s+/)[0];
  const peer = Object.entries(peers).find(([, address]) => address === client)?.[0];
  return peer === undefined ? undefined : `the controller's SSH connection comes from ${client}, ${peer}'s address: rules on ${peer}'s traffic would shape it too`;
}

/** Makes the loss chain and sends incoming traffic through it, however often it is called. */
export function lossChainSetupCommand(): string[] {
  return ['sh', '-c', 'iptables -w -N "$1" 2>/dev/null || true; iptables -w -C INPUT -j "$1" 2>/dev/null || iptables -w -I INPUT -j "$1"', 'faultline-chain', LOSS_CHAIN];
}

/**
 * The probe of a host's tools, as one batch: it clears what a killed run may have left, makes the
 * loss chain, tries each tool and undoes it; `tools` reads the batch's results. A tool whose probe
 * needs another's (u32 and netem need the htb root) works only if both did. The tc probes touch no
 * traffic: the htb root passes everything unshaped, and its class gets only packets to PROBE_ADDRESS.
 */
export function probeBatch(device: string | undefined): { steps: BatchStep[]; tools: (results: readonly BatchResult[]) => HostPacketTools } {
  const probes: { tool: keyof HostPacketTools; argv: string[]; after?: keyof HostPacketTools }[] = [
    { tool: 'statistic', argv: lossRule([PROBE_ADDRESS], 0) },
    { tool: 'reject', argv: resetRule([PROBE_ADDRESS], 0) },
  ];
  if (device !== undefined) {
    const [root, peerClass] = htbCommands(device, undefined) as [string[], string[]];
    probes.push(
      { tool: 'htb', argv: root },
      { tool: 'htb', argv: peerClass, after: 'htb' },
      { tool: 'u32', argv: peerFilter(device, PROBE_ADDRESS), after: 'htb' },
      { tool: 'netem', argv: ['tc', 'qdisc', 'add', 'dev', device, 'parent', PEER_CLASS, 'handle', NETEM_HANDLE, 'netem', 'delay', '1ms'], after: 'htb' },
    );
  }
  const undo = clearHostPacketSteps(device === undefined ? [] : [device]).map((step) => ({ ...step, mayFail: true }));
  const first = undo.length + 1;
  const steps: BatchStep[] = [...undo, { argv: lossChainSetupCommand() }, ...probes.map(({ argv }) => ({ argv, mayFail: true })), ...undo];
  return {
    steps,
    tools: (results) => {
      const tools: HostPacketTools = { statistic: false, reject: false, htb: false, u32: false, netem: false };
      const tried = new Set<keyof HostPacketTools>();
      probes.forEach(({ tool, after }, i) => {
        const works = results[first + i]?.code === 0 && (after === undefined || tools[after]);
        tools[tool] = tried.has(tool) ? tools[tool] && works : works;
        tried.add(tool);
      });
      return tools;
    },
  };
}

/** Which behaviours a host can make, and how; which not, and why. */
export function hostPacketSupport(probe: HostPacketProbe): PacketSupport {
  const support: PacketSupport = { available: {}, unavailable: {} };
  if (probe.refused !== undefined) {
    for (const behaviour of PACKET_BEHAVIOURS) support.unavailable[behaviour] = probe.refused;
    return support;
  }
  const { tools } = probe;
  const peersOnly = tools.htb && tools.u32;
  const noPeersOnly = 'the kernel has no htb qdisc or u32 filter to confine it to the peers (on the whole device it would shape the SSH connection too)';
  const netemWhy = probe.tcRefused ?? (!tools.netem ? 'the kernel has no netem qdisc' : !peersOnly ? `netem: ${noPeersOnly}` : undefined);
  for (const behaviour of ['delay', 'duplicate', 'reorder', 'corrupt'] as const) {
    if (netemWhy === undefined) support.available[behaviour] = 'tc netem (to the peers)';
    else support.unavailable[behaviour] = netemWhy;
  }
  if (tools.statistic) support.available.loss = 'iptables statistic (from the peers)';
  else if (netemWhy === undefined) support.available.loss = 'tc netem (to the peers)';
  else support.unavailable.loss = `${netemWhy} and iptables has no statistic match`;
  if (probe.tcRefused !== undefined) support.unavailable.rate = probe.tcRefused;
  else if (peersOnly) support.available.rate = 'tc htb (to the peers)';
  else support.unavailable.rate = `rate: ${noPeersOnly}`;
  support.unavailable.stall = 'tc and iptables rules hold no bytes for a while and then deliver them (a partition drops them; use partition for a cut link)';
  if (tools.statistic && tools.reject) support.available.reset = 'iptables REJECT with tcp-reset (statistic, from the peers)';
  else support.unavailable.reset = 'iptables has no statistic match or no REJECT target';
  return support;
}

/**
 * What every host can make: a behaviour is available only if it is on all of them (a fault may pick
 * any node). An unavailable one names the hosts that lack it with their reasons.
 */
export function combinedPacketSupport(byHost: Readonly<Record<string, PacketSupport>>): PacketSupport {
  const support: PacketSupport = { available: {}, unavailable: {} };
  const hosts = Object.keys(byHost);
  for (const behaviour of PACKET_BEHAVIOURS) {
    const lacking = hosts.filter((host) => byHost[host]?.available[behaviour] === undefined);
    if (lacking.length === 0) {
      support.available[behaviour] = [...new Set(hosts.map((host) => byHost[host]?.available[behaviour] as string))].join(' / ');
      continue;
    }
    const reasons = new Map<string, string[]>();
    for (const host of lacking) {
      const why = byHost[host]?.unavailable[behaviour] ?? 'not offered';
      reasons.set(why, [...(reasons.get(why) ?? []), host]);
    }
    support.unavailable[behaviour] = lacking.length === hosts.length && reasons.size === 1
      ? [...reasons.keys()][0] as string
      : [...reasons].map(([why, on]) => `on ${on.join(', ')}: ${why}`).join('; ');
  }
  return support;
}

/** The commands that give a host's traffic with its peers `shape`; run `clearHostPacketCommands` first. */
export function hostPacketCommands(shape: PacketShape, probe: HostPacketProbe): string[][] {
  assertShapeSupported(shape, hostPacketSupport(probe));
  const peers = Object.values(probe.devices).flat();
  const commands: string[][] = [];
  if (shape.resetPercent !== undefined) commands.push(resetRule(peers, shape.resetPercent / 100));
  const lossByIptables = shape.lossPercent !== undefined && probe.tools.statistic;
  if (lossByIptables) commands.push(lossRule(peers, (shape.lossPercent as number) / 100));
  const netem = netemArgs({ ...shape, ...(lossByIptables && { lossPercent: undefined }) });
  if (netem.length === 0 && shape.rateKbit === undefined) return commands;
  for (const [device, reached] of Object.entries(probe.devices)) {
    commands.push(...htbCommands(device, shape.rateKbit));
    if (netem.length > 0) commands.push(['tc', 'qdisc', 'add', 'dev', device, 'parent', PEER_CLASS, 'handle', NETEM_HANDLE, 'netem', ...netem]);
    for (const peer of reached) commands.push(peerFilter(device, peer));
  }
  return commands;
}

/**
 * Removes a host's packet faults: the loss chain flushed, and on each device faultline's root qdisc
 * deleted by its handle (the kernel refuses to delete a root with another handle). Those may fail
 * when there is none: `isNoOwnQdisc` tells that failure from a real one.
 */
export function clearHostPacketSteps(devices: readonly string[]): BatchStep[] {
  return [{ argv: ['iptables', '-w', '-F', LOSS_CHAIN] }, ...devices.map((device) => ({ argv: deleteRootCommand(device), mayFail: true }))];
}

/** True when `tc qdisc del ... root handle fa17:` failed only because the root is not faultline's. */
export function isNoOwnQdisc(output: string): boolean {
  return /Invalid handle|handle of zero|No such file|Cannot find/i.test(output);
}

function deleteRootCommand(device: string): string[] {
  return ['tc', 'qdisc', 'del', 'dev', device, 'root', 'handle', QDISC_HANDLE];
}

/** An htb root that leaves unclassified traffic unshaped (no default class), and the peers' class. */
function htbCommands(device: string, rateKbit: number | undefined): string[][] {
  const rate = rateKbit === undefined ? UNLIMITED : ['rate', `${rateKbit}kbit`, 'ceil', `${rateKbit}kbit`];
  return [
    ['tc', 'qdisc', 'add', 'dev', device, 'root', 'handle', QDISC_HANDLE, 'htb'],
    ['tc', 'class', 'add', 'dev', device, 'parent', QDISC_HANDLE, 'classid', PEER_CLASS, 'htb', ...rate, 'quantum', '1514'],
  ];
}

function peerFilter(device: string, peer: string): string[] {
  return ['tc', 'filter', 'add', 'dev', device, 'parent', QDISC_HANDLE, 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${peer}/32`, 'flowid', PEER_CLASS];
}

/** Drops a share (0 to 1) of the packets from the peers. */
function lossRule(peers: readonly string[], probability: number): string[] {
  return ['iptables', '-w', '-A', LOSS_CHAIN, '-s', peers.join(','), '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP'];
}

/** Resets the TCP connection of a share (0 to 1) of the packets from the peers. */
function resetRule(peers: readonly string[], probability: number): string[] {
  return ['iptables', '-w', '-A', LOSS_CHAIN, '-s', peers.join(','), '-p', 'tcp', '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
}
