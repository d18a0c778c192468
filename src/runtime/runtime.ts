// The runtime contract: where nodes live and how faults reach them. Nothing outside a runtime's
// own files knows whether nodes are local processes or containers.
import type { Grudge } from './grudge.js';
import type { NodeImage } from './node-image.js';

export interface Address {
  host: string;
  port: number;
}

/** A database process to run on a node. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * The node image it needs where nodes are containers: a built-in's name (docker/<image>) or a
   * NodeImage its definition ships (node-image.ts); default `bundled`.
   */
  image?: string | NodeImage;
  /** Why a clock fault cannot reach this process, if it cannot (e.g. a Go program bypasses libc's clock). */
  clockUnfakeable?: string;
  /**
   * The directory the database keeps its data in, a path on the controller's filesystem (inside
   * the node's directory, which a container sees at the same path). Disk faults (full disks,
   * corrupt files, lost unsynced writes) act there; a process that names none cannot have them.
   */
  dataDir?: string;
}

export interface Runtime {
  readonly name: string;
  readonly nodes: readonly string[];
  /** Brings up networking (local: the proxy mesh between nodes). */
  setup(): Promise<void>;
  /** Where the database on `node` should listen. */
  listenAddress(node: string): Address;
  /** How the database on `from` reaches the one on `to` (through whatever carries faults). */
  peerAddress(from: string, to: string): Address;
  /** How the controller's clients reach `node` (never partitioned, as in Jepsen). */
  clientAddress(node: string): Address;
  /** Starts the database process of a node, its output appended to `logPath`. */
  spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void>;
  /**
   * True while the node's process is alive (even if paused). Throws, in one line, when the runtime
   * can no longer tell (the Docker engine stopped answering): a node is never blamed for that.
   */
  isRunning(node: string): boolean;
  /** Kills the node's process: `done`, or `not running` when it was already dead. */
  kill(node: string): Promise<NodeFaultOutcome>;
  /** Freezes the node's process: `done`, `not running`, or `already paused`. */
  pause(node: string): Promise<NodeFaultOutcome>;
  /** Thaws a paused node: `done`, or `not paused` (never paused, or killed since). */
  resume(node: string): Promise<NodeFaultOutcome>;
  /**
   * Makes each node drop traffic from the nodes its grudge names; replaces any earlier partition.
   * Returns the nodes that get their part only when they run again (dead or paused now), and why.
   * Throws, naming the nodes, when it could not be made on a running node.
   */
  partition(grudge: Grudge): Promise<Deferred>;
  heal(): Promise<Deferred>;
  /** Stops everything it started. Safe to call twice. */
  teardown(): Promise<void>;
}

/** What a node fault did to one node: `done`, or why it left the node as it was. */
export type NodeFaultOutcome = 'done' | 'not running' | 'already paused' | 'not paused';

/** Nodes a network fault reaches only when they run again, and why (`not running`, `paused`). */
export type Deferred = Record<string, string>;

// Optional capabilities. A runtime that has one implements it; faults and dbs test with the guards.

/** Nodes have network addresses of their own, so a db may listen on its usual ports (containers). */
export interface NodeAddressed {
  /** The node's own address, reachable from the controller and from the other nodes. */
  nodeHost(node: string): string;
}

export function hasNodeAddresses(runtime: Runtime): runtime is Runtime & NodeAddressed {
  return typeof (runtime as Partial<NodeAddressed>).nodeHost === 'function';
}

/** Nodes' data directories are files the controller can reach (local processes; containers bind-mount them). */
export interface DataDirs {
  /** The data directory of the node's process as its last spawn gave it (ProcessSpec.dataDir), if any. */
  dataDir(node: string): string | undefined;
}

export function hasDataDirs(runtime: Runtime): runtime is Runtime & DataDirs {
  return typeof (runtime as Partial<DataDirs>).dataDir === 'function';
}

/** What losing a node's unsynced writes dropped (faultfs's count). */
export interface LostWrites {
  /** Files that had data or size changes not fsynced. */
  files: number;
  /** Bytes written to them since their last fsync. */
  bytes: number;
  /** Of those files, how many had their size changed (truncated, or extended without writing) since their last fsync. */
  truncations: number;
  /** Some of their paths, relative to the data directory. */
  paths: string[];
}

/**
 * Disk faults through faultfs (native/faultfs), a FUSE layer the runtime mounts over each node's
 * data directory (ProcessSpec.dataDir) before the database first starts, when the run's faults
 * ask for it (FaultDefinition.faultyDisk). It keeps what the database did not fsync in memory.
 */
export interface FaultyDisks {
  /** True when faultfs can be built and mounted here, else why not (one line naming what to install). */
  faultyDiskSupport(): true | string;
  /** Drops every write the node's database did not fsync, as a power failure would; call it once the node is dead. */
  loseUnsynced(node: string): Promise<LostWrites>;
  /** Fills the node's disk but `roomBytes`: writes that grow its files beyond fail with ENOSPC, and statfs shows it full. */
  fillDisk(node: string, roomBytes: number): Promise<void>;
  /** Undoes fillDisk. */
  freeDisk(node: string): Promise<void>;
}

export function hasFaultyDisks(runtime: Runtime): runtime is Runtime & FaultyDisks {
  return typeof (runtime as Partial<FaultyDisks>).loseUnsynced === 'function';
}

/** A node's clock as a clock fault sets it: ahead of the real clock by `offsetS`, running at `rate`. */
export interface NodeClock {
  offsetS: number;
  /** 1 is real time; 2 runs twice as fast. */
  rate: number;
}

/** Clock faults: each node's database process can be given its own clock, changed while it runs. */
export interface ClockSkewable {
  /** Sets a node's clock from now on; throws one line if the node's process cannot have its clock faked. */
  setClock(node: string, clock: NodeClock): Promise<void>;
  /** How far ahead of the real clock the node's process clock is now, in seconds. */
  clockOffsetS(node: string): number;
}

export function isClockSkewable(runtime: Runtime): runtime is Runtime & ClockSkewable {
  return typeof (runtime as Partial<ClockSkewable>).setClock === 'function';
}

/** Packet behaviours a packet fault can combine; each is applied to the traffic a node sends or receives. */
export interface PacketShape {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  duplicatePercent?: number;
  reorderPercent?: number;
  corruptPercent?: number;
  rateKbit?: number;
  /** The link stops for stallMs, then flows for stallMs, and so on, keeping the bytes. */
  stallMs?: number;
  /** The share of traffic, in percent, that ends its connection with a TCP reset. */
  resetPercent?: number;
}

export const PACKET_BEHAVIOURS = ['delay', 'loss', 'duplicate', 'reorder', 'corrupt', 'rate', 'stall', 'reset'] as const;
export type PacketBehaviour = (typeof PACKET_BEHAVIOURS)[number];

/** The behaviours a shape asks for. */
export function behavioursOf(shape: PacketShape): PacketBehaviour[] {
  const wanted: PacketBehaviour[] = [];
  if (shape.delayMs !== undefined || shape.jitterMs !== undefined) wanted.push('delay');
  if (shape.lossPercent !== undefined) wanted.push('loss');
  if (shape.duplicatePercent !== undefined) wanted.push('duplicate');
  if (shape.reorderPercent !== undefined) wanted.push('reorder');
  if (shape.corruptPercent !== undefined) wanted.push('corrupt');
  if (shape.rateKbit !== undefined) wanted.push('rate');
  if (shape.stallMs !== undefined) wanted.push('stall');
  if (shape.resetPercent !== undefined) wanted.push('reset');
  return wanted;
}

/** Refuses a shape that asks for behaviours `support` lacks, in one line naming them, why, and what is available. */
export function assertShapeSupported(shape: PacketShape, support: PacketSupport): void {
  const missing = behavioursOf(shape).filter((b) => support.unavailable[b] !== undefined || support.available[b] === undefined);
  if (missing.length === 0) return;
  const reasons = [...new Set(missing.map((b) => support.unavailable[b] ?? 'not offered'))];
  throw new Error(`packet behaviours ${missing.join(', ')} are unavailable (${reasons.join('; ')}); available: ${Object.keys(support.available).join(', ') || 'none'}`);
}

/** Which behaviours this runtime can make, how, and which it cannot and why. */
export interface PacketSupport {
  available: Partial<Record<PacketBehaviour, string>>;
  unavailable: Partial<Record<PacketBehaviour, string>>;
}

/** Packet faults: delay, loss, duplication, reordering, corruption, rate limits, stalls and resets on nodes' traffic. */
export interface PacketShapeable {
  packetSupport(): Promise<PacketSupport>;
  /**
   * Shapes the traffic of `nodes` (replacing any earlier shape on them); throws naming unavailable
   * behaviours, or the nodes it could not shape. Returns the nodes that get it only when they run again.
   */
  shapePackets(nodes: readonly string[], shape: PacketShape): Promise<Deferred>;
  /** Removes every packet fault (on dead or paused nodes, when they run again). */
  clearPackets(): Promise<Deferred>;
}

export function isPacketShapeable(runtime: Runtime): runtime is Runtime & PacketShapeable {
  return typeof (runtime as Partial<PacketShapeable>).shapePackets === 'function';
}

/** A memory limit as it was set: the bytes in force, and why they are above what was asked, if they are. */
export interface MemoryLimit {
  limitBytes: number;
  /** Set when the kernel would not go as low as asked (cgroup v1 refuses a limit below what it cannot reclaim). */
  raised?: string;
}

/** Memory faults: a node's memory can be measured and limited while it runs (cgroups), and OOM kills are counted. */
export interface MemoryLimitable {
  /** True when node memory can be limited on this machine, else why not (one line ending in what to use instead). */
  memoryLimitSupport(): true | string;
  /** Bytes the node holds now (anonymous memory and page cache in use; inactive file cache left out); undefined when it is not running. */
  memoryUsage(node: string): Promise<number | undefined>;
  /** Limits the node's memory to `bytes`, for its process now and after restarts, until unlimitMemory. */
  limitMemory(node: string, bytes: number): Promise<MemoryLimit>;
  /** Lifts the node's limit; a node with none is left as it is. */
  unlimitMemory(node: string): Promise<void>;
  /**
   * How many times the kernel's OOM killer killed the node's process in this run. Each kill is also
   * written to the node's log as an `oom-killed` event, for the report.
   */
  oomKills(node: string): Promise<number>;
}

export function isMemoryLimitable(runtime: Runtime): runtime is Runtime & MemoryLimitable {
  return typeof (runtime as Partial<MemoryLimitable>).limitMemory === 'function';
}
