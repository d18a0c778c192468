// The docker runtime: each node is a container on a private network of the run, with fixed
// addresses. Faults happen inside the containers with the kernel's own tools (iptables, tc) and
// libfaketime, or through the Docker API (kill, start, pause, unpause, memory limits). Only NET_ADMIN is added;
// containers are never privileged, and nothing here touches the machine's clock. Every engine call
// has a deadline (docker-call.ts): a frozen container or a stalled engine makes the fault that
// needed it fail with the reason, and once the engine stops answering, the runtime says so
// rather than calling its nodes dead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { tailLines } from '../log-tail.js';
import { EngineError, engineCall, ENGINE_DEADLINES_MS, isBeingRemoved, isWrongState, type EngineDeadlines } from './docker-call.js';
import { connectDocker, demux, DOCKER_SOCKET, execIn, execOk, isNotFound, LABELS, ownerLabel, pingEngine, type ExecResult } from './docker-engine.js';
import { ensureImage } from './docker-images.js';
import { toNodeImage, type NodeImage } from './node-image.js';
import { packageRoot } from './package-root.js';
import { createRunNetwork, nodeIp, type RunNetwork } from './docker-network.js';
import { dropsKey, partitionCommands, partitionSetupCommands, type PartitionDrops } from './docker-partition.js';
import { clearPacketCommands, lossSetupCommands, packetCommands, packetSupport, PROBES, type KernelPacketTools } from './docker-packet.js';
import { childStartMs, CLOCK_FILE, FaketimeClock } from './faketime.js';
import { drops, type Grudge } from './grudge.js';
import { FaultyDiskMounts, faultyDisksOver } from './faultfs.js';
import { formatBytes } from './memory-cgroup.js';
import { recordOomKill } from './oom-event.js';
import type { Address, ClockSkewable, DataDirs, Deferred, FaultyDisks, LostWrites, MemoryLimit, MemoryLimitable, NodeAddressed, NodeClock, NodeFaultOutcome, PacketShape, PacketShapeable, PacketSupport, ProcessSpec, Runtime } from './runtime.js';

/** The port a db listens on when it takes the runtime's address (the bundled store). */
const DEFAULT_PORT = 7000;
/**
 * A lifted memory limit: the kernel's own "no limit" (its largest page count, in bytes). The
 * engine's update cannot go back to 0 (0 means "unchanged"), and refuses -1.
 */
const NO_MEMORY_LIMIT = 9223372036854771712;
/** The engine refuses memory limits below 6 MB. */
const MIN_MEMORY_LIMIT = 6 * 1024 * 1024;

export interface DockerRuntimeOptions {
  nodes: readonly string[];
  /** The run's directory; node directories (logs, data, clock files) are under nodes/<node>. */
  runDir: string;
  /** Preload libfaketime into nodes' processes, so clock faults can reach them. */
  fakeClock: boolean;
  /** Mount faultfs over nodes' data directories (disk faults); see FaultyDisks in runtime.ts. */
  faultyDisks?: boolean;
  /** Progress lines (image builds). */
  log?: (line: string) => void;
  /** Deadlines of engine calls, if not the defaults (tests use short ones). */
  deadlinesMs?: Partial<EngineDeadlines>;
  /** An engine connection to use instead of the one at DOCKER_SOCKET (tests use a fake engine). */
  docker?: Docker;
}

/** One node's container and what must be true inside it. */
interface NodeContainer {
  container: Docker.Container;
  /** faultline-<run>-<node>, as errors and `faultline cleanup` name it. */
  name: string;
  /** Cmd and Env it was created with: a restart with the same spec reuses it. */
  configKey: string;
  running: boolean;
  paused: boolean;
  /** Bumped on every start, so a late exit notice of an earlier start is ignored. */
  generation: number;
  /** Partition and packet rules must be re-applied (it was paused or dead when they changed). */
  stale: boolean;
  /** What is in effect inside it now: what it drops (dropsKey), and its packet shape as JSON (UNKNOWN after a failed change). */
  dropping: string;
  shaped: string;
  /** Settles once the last exit is noticed and, under a memory limit, an OOM kill counted. */
  exitNoted: Promise<void>;
}

/** What a container holds after a rule change failed half-way: unknown, so the next change redoes it all. */
const UNKNOWN = '?';

export class DockerRuntime implements Runtime, NodeAddressed, ClockSkewable, PacketShapeable, DataDirs, FaultyDisks, MemoryLimitable {
  readonly name = 'docker';
  readonly nodes: readonly string[];
  /** Names this run's containers and network: unique per controller process and start time. */
  readonly runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  private docker: Docker | undefined;
  private network: RunNetwork | undefined;
  private readonly containers = new Map<string, NodeContainer>();
  /** Image tags by definition (its JSON), each built or found once per run. */
  private readonly images = new Map<string, Promise<string>>();
  private readonly clocks = new Map<string, FaketimeClock>();
  private readonly dataDirs = new Map<string, string>();
  private readonly unfakeable = new Map<string, string>();
  private grudge: Grudge = {};
  private readonly shapes = new Map<string, PacketShape>();
  private tools: Promise<KernelPacketTools> | undefined;
  /** Memory limits in force, by node; a node once limited has its exits checked for OOM kills. */
  private readonly memoryLimits = new Map<string, number>();
  private readonly memoryLimited = new Set<string>();
  private readonly oomCounts = new Map<string, number>();
  private readonly logPaths = new Map<string, string>();
  private tornDown = false;
  /** Aborted at the end of teardown: whatever still waits on the engine (exit watchers) lets go. */
  private readonly closing = new AbortController();
  /** Why the engine is known to have stopped answering; from then on nodes' states are unknown. */
  private engineLost: string | undefined;
  private readonly deadlines: EngineDeadlines;
  /**
   * Disk faults: faultfs runs on this machine, mounted over the node's data directory (inside the
   * node's directory) before the container first starts. The container's bind mount of the node's
   * directory is recursive (Docker's default rbind), so it carries the FUSE mount in, and each
   * restart's fresh mount namespace gets it again; a mount made after the start would not reach
   * the container (rprivate propagation), hence before. The container's process runs as its own
   * user: faultfs is mounted with allow_other (we are root; else user_allow_other in /etc/fuse.conf).
   * The image needs nothing from FUSE, and the container no /dev/fuse or CAP_SYS_ADMIN.
   */
  private readonly disks: FaultyDiskMounts | undefined;
  private readonly diskFaults: FaultyDisks;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.nodes = options.nodes;
    this.disks = options.faultyDisks ? new FaultyDiskMounts({ allowOther: true }) : undefined;
    this.diskFaults = faultyDisksOver(this.disks, (node) => this.isRunning(node));
    this.deadlines = { ...ENGINE_DEADLINES_MS, ...options.deadlinesMs };
    // Every call in flight listens for the closing; each stops listening when it settles.
    setMaxListeners(0, this.closing.signal);
  }

  async setup(): Promise<void> {
    await this.disks?.prepare();
    this.docker = this.options.docker ?? (await connectDocker());
    this.network = await createRunNetwork(this.docker, this.runId, this.closing.signal);
  }

  nodeHost(node: string): string {
    const index = this.nodes.indexOf(node);
    if (index < 0) throw new Error(`unknown node "${node}"; expected one of ${this.nodes.join(', ')}`);
    if (!this.network) throw new Error(`the docker runtime has no network yet; call setup() before asking for ${node}'s address`);
    return nodeIp(this.network.prefix, index);
  }

  listenAddress(node: string): Address {
    return { host: this.nodeHost(node), port: DEFAULT_PORT };
  }

  peerAddress(from: string, to: string): Address {
    if (from === to) throw new Error(`no link from "${from}" to itself; expected two different nodes of ${this.nodes.join(', ')}`);
    return this.listenAddress(to);
  }

  clientAddress(node: string): Address {
    return this.listenAddress(node);
  }

  /** Builds (or finds) an image once per run, however many nodes start at the same time. */
  private image(image: NodeImage): Promise<string> {
    const key = JSON.stringify(image);
    let ready = this.images.get(key);
    if (!ready) {
      ready = ensureImage(image, { ...(this.options.log && { log: this.options.log }), ...(this.options.docker && { docker: this.options.docker }) });
      this.images.set(key, ready);
    }
    return ready;
  }

  async spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void> {
    const docker = this.engine();
    this.assertEngine();
    const current = this.containers.get(node);
    if (current?.running) throw new Error(`node ${node} is already running (container ${current.name})`);
    const image = await this.image(toNodeImage(spec.image ?? 'bundled'));
    const nodeDir = resolve(dirname(logPath));
    mkdirSync(nodeDir, { recursive: true });
    if (spec.dataDir !== undefined) this.dataDirs.set(node, resolve(spec.dataDir));
    if (this.disks) {
      if (spec.dataDir !== undefined && !resolve(spec.dataDir).startsWith(`${nodeDir}/`)) {
        throw new Error(`disk faults on the docker runtime need ${node}'s data directory inside its node directory ${nodeDir}; it is ${resolve(spec.dataDir)}`);
      }
      await this.disks.mountFor(node, spec.dataDir);
    }
    this.logPaths.set(node, resolve(logPath));

    const clock = this.prepareClock(node, spec, nodeDir);
    // The bundled store is started as this machine's Node binary; in a container that is the image's node.
    const command = spec.command === process.execPath ? 'node' : spec.command;
    const cmd = ['faultline-run', resolve(logPath), clock ?? '-', command, ...spec.args];
    const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const configKey = JSON.stringify({ image, cmd, env });

    let entry = current;
    if (!entry || entry.configKey !== configKey) {
      if (entry) await this.removeContainer(entry);
      const name = this.containerName(node);
      entry = { container: await this.create(docker, node, name, image, cmd, env, nodeDir), name, configKey, running: false, paused: false, generation: 0, stale: true, dropping: '', shaped: 'null', exitNoted: Promise.resolve() };
      this.containers.set(node, entry);
    }
    if (clock) this.clocks.get(node)?.processStarting();
    const started = entry;
    await this.call(`\`start\` of container ${started.name}`, (abortSignal) => started.container.start({ abortSignal }), 'start');
    entry.generation++;
    entry.running = true;
    entry.paused = false;
    entry.stale = true;
    entry.dropping = '';
    entry.shaped = 'null';
    this.watchExit(node, entry);
    // A fresh start has a fresh network namespace: set up faultline's chains, then re-apply faults.
    if (clock) await this.correctProcessStart(node, entry);
    try {
      for (const cmd of [...partitionSetupCommands(), ...lossSetupCommands()]) await this.exec(entry, cmd);
      await this.applyFaults(node);
    } catch (err) {
      if (err instanceof EngineError && err.unanswered) throw err;
      const state = await this.inspect(entry).catch(() => undefined);
      if (state && !state.Running) {
        throw new Error(`node ${node}'s process (${command}) exited with status ${state.ExitCode} right after it started; last log lines:\n${tailLines(logPath)}`);
      }
      throw err;
    }
  }

  dataDir(node: string): string | undefined {
    return this.dataDirs.get(node);
  }

  // FaultyDisks: faultfs on the host over each node's data directory (faultfs.ts).
  faultyDiskSupport(): true | string {
    return this.diskFaults.faultyDiskSupport();
  }

  loseUnsynced(node: string): Promise<LostWrites> {
    return this.diskFaults.loseUnsynced(node);
  }

  fillDisk(node: string, roomBytes: number): Promise<void> {
    return this.diskFaults.fillDisk(node, roomBytes);
  }

  freeDisk(node: string): Promise<void> {
    return this.diskFaults.freeDisk(node);
  }

  isRunning(node: string): boolean {
    this.assertEngine();
    return this.containers.get(node)?.running ?? false;
  }

  async kill(node: string): Promise<NodeFaultOutcome> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry?.running) return this.notRunning();
    // The engine refuses to kill a paused container.
    if (entry.paused) {
      await this.call(`\`unpause\` of container ${entry.name}`, (abortSignal) => entry.container.unpause({ abortSignal })).catch(ignoreWrongState);
      entry.paused = false;
    }
    try {
      await this.call(`\`kill\` of container ${entry.name}`, (abortSignal) => entry.container.kill({ signal: 'SIGKILL', abortSignal }));
    } catch (err) {
      // 409: it is not running; it died on its own before the kill reached it.
      if (!isWrongState(err)) throw err;
      entry.running = false;
      return this.notRunning();
    }
    await this.awaitExit(entry, 'SIGKILL');
    entry.running = false;
    return 'done';
  }

  async pause(node: string): Promise<NodeFaultOutcome> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry?.running) return this.notRunning();
    if (entry.paused) return 'already paused';
    try {
      await this.call(`\`pause\` of container ${entry.name}`, (abortSignal) => entry.container.pause({ abortSignal }));
    } catch (err) {
      if (!isWrongState(err)) throw err;
      // 409: not running (it died meanwhile), or already paused.
      if (/already paused/i.test(messageOf(err))) {
        entry.paused = true;
        return 'already paused';
      }
      return this.notRunning();
    }
    entry.paused = true;
    return 'done';
  }

  async resume(node: string): Promise<NodeFaultOutcome> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry?.paused) return 'not paused';
    try {
      await this.call(`\`unpause\` of container ${entry.name}`, (abortSignal) => entry.container.unpause({ abortSignal }));
    } catch (err) {
      if (!isWrongState(err)) throw err;
      entry.paused = false;
      return 'not paused';
    }
    entry.paused = false;
    // Rules cannot be changed in a frozen container; any change made meanwhile lands now.
    if (entry.running && entry.stale) {
      await this.applyFaults(node).catch((err: unknown) => {
        throw new Error(`resumed ${node}, but the network faults decided while it was paused could not be applied: ${messageOf(err)}`);
      });
    }
    return 'done';
  }

  async partition(grudge: Grudge): Promise<Deferred> {
    this.assertEngine();
    this.grudge = grudge;
    return this.refreshAll(this.nodes, Object.values(grudge).some((peers) => peers.length > 0) ? 'partition' : 'heal');
  }

  async heal(): Promise<Deferred> {
    return this.partition({});
  }

  async packetSupport(): Promise<PacketSupport> {
    return packetSupport(await this.kernelTools());
  }

  async shapePackets(nodes: readonly string[], shape: PacketShape): Promise<Deferred> {
    this.assertEngine();
    packetCommands(shape, await this.kernelTools()); // throws naming unavailable behaviours
    for (const node of nodes) this.shapes.set(node, shape);
    return this.refreshAll(nodes, 'packet fault');
  }

  async clearPackets(): Promise<Deferred> {
    this.assertEngine();
    const shaped = [...this.shapes.keys()];
    this.shapes.clear();
    return this.refreshAll(shaped, 'packet clearing');
  }

  memoryLimitSupport(): true {
    return true;
  }

  async memoryUsage(node: string): Promise<number | undefined> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry?.running) return undefined;
    const memory = (await this.stats(entry)).memory_stats;
    // As `docker stats` counts: usage less the inactive file cache (v1 total_inactive_file, v2 inactive_file).
    const stats = (memory.stats ?? {}) as unknown as Record<string, number | undefined>;
    return Math.max(0, (memory.usage ?? 0) - (stats['total_inactive_file'] ?? stats['inactive_file'] ?? 0));
  }

  /**
   * Sets the container's limit (memory and memory + swap alike, so it cannot swap). On cgroup v1
   * the kernel refuses a limit below what it cannot reclaim: the limit is then set at what the
   * container holds now, so that it cannot grow, and the result says so.
   */
  async limitMemory(node: string, bytes: number): Promise<MemoryLimit> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry) throw new Error(`cannot limit the memory of ${node}: it has no container yet`);
    const asked = Math.max(MIN_MEMORY_LIMIT, Math.ceil(bytes / 4096) * 4096);
    this.memoryLimited.add(node);
    if (await this.tryMemoryLimit(entry, asked)) {
      this.memoryLimits.set(node, asked);
      return { limitBytes: asked };
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = (await this.stats(entry)).memory_stats.usage ?? 0;
      const at = Math.max(asked, Math.ceil(held / 4096) * 4096 + attempt * 1024 * 1024);
      if (await this.tryMemoryLimit(entry, at)) {
        this.memoryLimits.set(node, at);
        return { limitBytes: at, raised: `cgroup v1 could not reclaim below the ${formatBytes(held)} the container held, so the limit is set there, where it cannot grow` };
      }
    }
    throw new Error(`cannot limit the memory of ${node}: the engine refused ${asked} bytes and the container's own usage (the kernel could not reclaim)`);
  }

  async unlimitMemory(node: string): Promise<void> {
    this.assertEngine();
    const entry = this.containers.get(node);
    if (!entry || !this.memoryLimits.has(node)) return;
    await this.call(`\`update\` of container ${entry.name}`, (abortSignal) => entry.container.update({ Memory: NO_MEMORY_LIMIT, MemorySwap: NO_MEMORY_LIMIT, abortSignal })).catch(ignoreNotFound);
    this.memoryLimits.delete(node);
  }

  async oomKills(node: string): Promise<number> {
    const entry = this.containers.get(node);
    if (entry && !entry.running) await entry.exitNoted;
    return this.oomCounts.get(node) ?? 0;
  }

  /** One update of the container's memory limit; false when the kernel could not reclaim down to it. */
  private async tryMemoryLimit(entry: NodeContainer, bytes: number): Promise<boolean> {
    try {
      await this.call(`\`update\` of container ${entry.name}`, (abortSignal) => entry.container.update({ Memory: bytes, MemorySwap: bytes, abortSignal }));
      return true;
    } catch (err) {
      if (/unable to set memory limit|resource busy/i.test(messageOf(err))) return false;
      throw err;
    }
  }

  private stats(entry: NodeContainer): Promise<Docker.ContainerStats> {
    return this.call(`\`stats\` of container ${entry.name}`, (abortSignal) => entry.container.stats({ stream: false, 'one-shot': true, abortSignal } as never) as unknown as Promise<Docker.ContainerStats>);
  }

  /** After a limited container's exit: whether the kernel's OOM killer ended it, counted and written to its log. */
  private async noteOomKill(node: string, entry: NodeContainer): Promise<void> {
    if (!this.memoryLimited.has(node)) return;
    const state = await this.inspect(entry).catch(() => undefined);
    if (!state?.OOMKilled) return;
    this.oomCounts.set(node, (this.oomCounts.get(node) ?? 0) + 1);
    const logPath = this.logPaths.get(node);
    if (logPath !== undefined) recordOomKill(logPath, node, this.memoryLimits.get(node));
  }

  async setClock(node: string, clock: NodeClock): Promise<void> {
    const reason = this.unfakeable.get(node);
    if (reason) throw new Error(`cannot fake the clock of ${node}: ${reason}`);
    const faked = this.clocks.get(node);
    if (!faked) throw new Error(`cannot fake the clock of ${node}: its process was started without libfaketime; clock faults need --nemesis clock from the start of the run`);
    faked.set(clock);
  }

  clockOffsetS(node: string): number {
    return this.clocks.get(node)?.offsetS() ?? 0;
  }

  /**
   * Removes every container and the network, each removal with its own deadline, going on past
   * failures; then lets go of every call still waiting on the engine, so the controller can exit.
   * Throws one line naming what it could not remove.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const left: string[] = [];
    const reasons: string[] = [];
    const failed = (what: string, err: unknown) => {
      left.push(what);
      const reason = err instanceof EngineError ? `the Docker engine ${err.reason}` : messageOf(err);
      if (!reasons.includes(reason)) reasons.push(reason);
    };
    try {
      await Promise.all([...this.containers.entries()].map(async ([node, entry]) => {
        // With the engine gone, or not answering for this container, only the removal is worth its deadline.
        // A removal kills too; killing first only lets the container's log end before it is saved.
        const answering = this.engineLost === undefined && (await this.kill(node).then(() => true, (err: unknown) => !(err instanceof EngineError && err.unanswered)));
        if (answering) await this.saveContainerLog(node, entry).catch(() => undefined);
        await this.removeContainer(entry).catch((err: unknown) => failed(`container ${entry.name}`, err));
      }));
      this.containers.clear();
      const network = this.network;
      if (this.docker && network) {
        const docker = this.docker;
        await this.call(`\`remove\` of network ${network.name}`, (abortSignal) => docker.getNetwork(network.id).remove({ abortSignal }), 'remove')
          .catch((err: unknown) => {
            if (isNotFound(err)) return;
            // A container left behind keeps its endpoint on the network: that reason is already given.
            if (left.length > 0 && (err as EngineError).statusCode === 403) left.push(`network ${network.name}`);
            else failed(`network ${network.name}`, err);
          });
      }
    } finally {
      this.closing.abort('the docker runtime was torn down');
    }
    // After the containers: a running one holds its copy of the mount.
    await this.disks?.unmountAll().catch((err: unknown) => failed('faultfs mounts', err));
    if (left.length > 0) {
      throw new Error(`could not remove ${describeLeft(left.sort())} (${reasons.join('; ')}); \`npx faultline cleanup\` removes them`);
    }
  }

  private engine(): Docker {
    if (!this.docker || !this.network) throw new Error('the docker runtime is not set up; call setup() first');
    return this.docker;
  }

  private containerName(node: string): string {
    return `faultline-${this.runId}-${node}`;
  }

  /** Throws once the engine is known to be gone: what the runtime knew of its nodes may no longer be true. */
  private assertEngine(): void {
    if (this.engineLost !== undefined) {
      throw new EngineError(`the Docker engine at ${DOCKER_SOCKET} stopped answering (${this.engineLost}); the nodes' state is unknown`, true, undefined, undefined, `stopped answering (${this.engineLost})`);
    }
  }

  /** One engine call with its deadline; an unanswered call is checked against the engine itself. */
  private async call<T>(what: string, run: (signal: AbortSignal) => Promise<T>, deadline: keyof EngineDeadlines | 'none' = 'call'): Promise<T> {
    try {
      return await engineCall(what, run, { timeoutMs: deadline === 'none' ? Infinity : this.deadlines[deadline], signal: this.closing.signal });
    } catch (err) {
      await this.noteFailure(err);
      throw err;
    }
  }

  /** Runs a command in a node's container; throws unless it exits 0 within its deadline. */
  private async exec(entry: NodeContainer, cmd: readonly string[]): Promise<string> {
    try {
      return await execOk(entry.container, cmd, { name: entry.name, signal: this.closing.signal, timeoutMs: this.deadlines.exec });
    } catch (err) {
      await this.noteFailure(err);
      throw err;
    }
  }

  /** Like exec, but returns the exit code instead of throwing on a non-zero one (engine failures still throw). */
  private async execStatus(entry: NodeContainer, cmd: readonly string[]): Promise<ExecResult> {
    try {
      return await execIn(entry.container, cmd, { name: entry.name, signal: this.closing.signal, timeoutMs: this.deadlines.exec });
    } catch (err) {
      await this.noteFailure(err);
      throw err;
    }
  }

  /**
   * After a call the engine did not answer: a refused or dropped connection means the engine is
   * gone; a deadline may be one frozen container, so the engine is asked whether it is there.
   */
  private async noteFailure(err: unknown): Promise<void> {
    if (!(err instanceof EngineError) || !err.unanswered || this.engineLost !== undefined || this.closing.signal.aborted) return;
    if (err.code !== undefined) {
      this.engineLost = `connect ${err.code}`;
      return;
    }
    await this.confirmEngine().catch(() => undefined);
  }

  /** `not running`, once the engine has confirmed it is there to tell. */
  private async notRunning(): Promise<NodeFaultOutcome> {
    await this.confirmEngine();
    return 'not running';
  }

  /** Pings the engine; throws, and from then on says it is gone, if it does not answer. */
  private async confirmEngine(): Promise<void> {
    this.assertEngine();
    if (!this.docker) return;
    try {
      await pingEngine(this.docker, { timeoutMs: Math.min(5_000, this.deadlines.call), signal: this.closing.signal });
    } catch (err) {
      if (this.closing.signal.aborted) return;
      this.engineLost ??= err instanceof EngineError && err.code !== undefined ? `connect ${err.code}` : `no answer to a ping: ${err instanceof EngineError ? err.reason : messageOf(err)}`;
      this.assertEngine();
    }
  }

  private inspect(entry: NodeContainer): Promise<Docker.ContainerInspectInfo['State']> {
    return this.call(`\`inspect\` of container ${entry.name}`, (abortSignal) => entry.container.inspect({ abortSignal })).then((info) => info.State);
  }

  /** Waits until the engine reports a killed container's exit; a frozen container cannot die. */
  private async awaitExit(entry: NodeContainer, signal: string): Promise<void> {
    try {
      await this.call(`the exit of container ${entry.name}`, (abortSignal) => entry.container.wait({ condition: 'not-running', abortSignal }), 'exit');
    } catch (err) {
      if (isNotFound(err)) return;
      if (err instanceof EngineError && err.unanswered && err.code === undefined && this.engineLost === undefined) {
        throw new EngineError(`container ${entry.name} did not exit within ${this.deadlines.exit / 1000} s of ${signal}`, true);
      }
      throw err;
    }
  }

  private async removeContainer(entry: NodeContainer): Promise<void> {
    await this.call(`\`remove\` of container ${entry.name}`, (abortSignal) => entry.container.remove({ force: true, abortSignal }), 'remove').catch((err: unknown) => {
      if (!isNotFound(err) && !isBeingRemoved(err)) throw err;
    });
  }

  private async create(docker: Docker, node: string, name: string, image: string, cmd: string[], env: string[], nodeDir: string): Promise<Docker.Container> {
    const network = this.network as RunNetwork;
    const root = packageRoot();
    await this.call(`\`remove\` of container ${name}`, (abortSignal) => docker.getContainer(name).remove({ force: true, abortSignal }), 'remove').catch(ignoreNotFound);
    return this.call(`\`create\` of container ${name}`, (abortSignal) => docker.createContainer({
      name,
      Hostname: node,
      Image: image,
      Cmd: cmd,
      Env: env,
      // The controller's working directory, so paths a db adapter gives relative to it resolve the same.
      WorkingDir: process.cwd(),
      Labels: { [LABELS.managed]: 'true', [LABELS.run]: this.runId, [LABELS.owner]: ownerLabel(), [LABELS.node]: node },
      HostConfig: {
        NetworkMode: network.name,
        CapAdd: ['NET_ADMIN'],
        Init: true,
        // The node's directory at its own path (logs, data, clock file); this checkout read-only
        // at its own path, so the bundled store's code is the one being tested.
        Binds: [`${nodeDir}:${nodeDir}`, `${root}:${root}:ro`],
        // A container made again (a new spec) keeps the memory limit a fault set.
        ...(this.memoryLimits.has(node) && { Memory: this.memoryLimits.get(node), MemorySwap: this.memoryLimits.get(node) }),
      },
      NetworkingConfig: { EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: this.nodeHost(node) } } } },
      abortSignal,
    } as Docker.ContainerCreateOptions), 'start');
  }

  /** Returns the node's clock control file (creating its clock), or undefined for the real clock. */
  private prepareClock(node: string, spec: ProcessSpec, nodeDir: string): string | undefined {
    if (spec.clockUnfakeable) this.unfakeable.set(node, spec.clockUnfakeable);
    else this.unfakeable.delete(node);
    if (!this.options.fakeClock || spec.clockUnfakeable) return undefined;
    let clock = this.clocks.get(node);
    if (!clock) {
      clock = new FaketimeClock(join(nodeDir, CLOCK_FILE));
      this.clocks.set(node, clock);
    }
    return clock.path;
  }

  /** Tells the node's clock when its process really started: the container's init's child, seen in /proc. */
  private async correctProcessStart(node: string, entry: NodeContainer): Promise<void> {
    const initPid = (await this.inspect(entry).catch(() => undefined))?.Pid;
    if (!initPid) return;
    for (let attempt = 0; attempt < 20; attempt++) {
      const startMs = childStartMs(initPid); // none until docker-init has forked it
      if (startMs !== undefined) return this.clocks.get(node)?.processStartedAt(startMs);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * Notices a node's exit. The engine reports every exit, also of the containers it stops as it
   * shuts down (and it answers until they are stopped, up to 10 s each): so after an exit it is
   * asked again a little later, and once it is gone the nodes' states are not trusted any more.
   */
  private watchExit(node: string, entry: NodeContainer): void {
    const generation = entry.generation;
    let noted = () => {};
    entry.exitNoted = new Promise((resolve) => (noted = resolve));
    void this.call(`the exit of container ${entry.name}`, (abortSignal) => entry.container.wait({ condition: 'not-running', abortSignal }), 'none').then(
      async () => {
        if (entry.generation === generation) {
          entry.running = false;
          entry.paused = false;
        }
        await this.noteOomKill(node, entry).finally(noted);
        for (const delayMs of [0, 3_000, 12_000]) {
          if (delayMs > 0) await sleep(delayMs, undefined, { signal: this.closing.signal, ref: false }).catch(() => undefined);
          if (this.closing.signal.aborted || this.engineLost !== undefined) return;
          await this.confirmEngine().catch(() => undefined);
        }
      },
      () => noted(), // torn down, or the engine went away (noted by call)
    );
  }

  /** Brings the rules of each of `nodes` up to date; returns those that get them only when they run again. */
  private async refreshAll(nodes: readonly string[], fault: string): Promise<Deferred> {
    const deferred: Deferred = {};
    const failures: string[] = [];
    const made: string[] = [];
    await Promise.all(nodes.map(async (node) => {
      try {
        const waiting = await this.refresh(node);
        if (waiting) deferred[node] = waiting;
        else made.push(node);
      } catch (err) {
        failures.push(`${node}: ${messageOf(err)}`);
      }
    }));
    // A node is only said not to run while the engine answers: an engine that stopped them all says so instead.
    if (Object.values(deferred).includes('not running')) await this.confirmEngine();
    if (failures.length > 0) {
      const pending = Object.keys(deferred).length > 0 ? `pending on ${Object.entries(deferred).sort().map(([n, why]) => `${n} (${why})`).join(', ')}` : '';
      const done = made.length > 0 ? `done on ${made.sort().join(' ')}` : '';
      const elsewhere = done || pending ? ` (${[done, pending].filter(Boolean).join('; ')})` : '';
      throw new Error(`${fault} failed on ${failures.sort().join('; ')}${elsewhere}`);
    }
    return deferred;
  }

  /**
   * Makes a node's rules match the current grudge and packet shapes now if it can take them;
   * else marks them pending and says why, if they differ from what it has.
   */
  private async refresh(node: string): Promise<string | undefined> {
    const entry = this.containers.get(node);
    if (!entry) return undefined;
    entry.stale = true;
    if (entry.running && !entry.paused) {
      await this.applyFaults(node);
      return undefined;
    }
    // A dead node's rules go with its network namespace; it gets the current ones when it restarts.
    const pending = entry.running ? this.rulesDiffer(node, entry) : this.wantsRules(node);
    return pending ? (entry.running ? 'paused' : 'not running') : undefined;
  }

  /** What a node drops under the current grudge: peers that drop it too are cut both ways, the others one way. */
  private dropsOf(node: string): PartitionDrops {
    const dropped = this.nodes.filter((peer) => peer !== node && drops(this.grudge, node, peer));
    return {
      from: dropped.filter((peer) => drops(this.grudge, peer, node)).map((peer) => this.nodeHost(peer)),
      bytesFrom: dropped.filter((peer) => !drops(this.grudge, peer, node)).map((peer) => this.nodeHost(peer)),
    };
  }

  private rulesDiffer(node: string, entry: NodeContainer): boolean {
    return dropsKey(this.dropsOf(node)) !== entry.dropping || JSON.stringify(this.shapes.get(node) ?? null) !== entry.shaped;
  }

  private wantsRules(node: string): boolean {
    return dropsKey(this.dropsOf(node)) !== '' || this.shapes.has(node);
  }

  /** Makes the rules inside a node's container match the current grudge and packet shape; every command's exit code counts. */
  private async applyFaults(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry) return;
    entry.stale = false;
    try {
      const dropping = this.dropsOf(node);
      if (dropsKey(dropping) !== entry.dropping) {
        entry.dropping = UNKNOWN;
        for (const cmd of partitionCommands(dropping)) await this.exec(entry, cmd);
        entry.dropping = dropsKey(dropping);
      }
      const shape = this.shapes.get(node);
      const wanted = JSON.stringify(shape ?? null);
      if (wanted !== entry.shaped) {
        const had = entry.shaped;
        entry.shaped = UNKNOWN;
        if (had !== 'null') await this.clearShape(entry);
        if (shape) for (const cmd of packetCommands(shape, await this.kernelTools())) await this.exec(entry, cmd);
        entry.shaped = wanted;
      }
    } catch (err) {
      entry.stale = true; // redone on the next change, resume or restart
      throw err;
    }
  }

  /** Removes a node's packet shape: the loss chain must flush; deleting the root qdisc may find none there. */
  private async clearShape(entry: NodeContainer): Promise<void> {
    const [flush, deleteQdisc] = clearPacketCommands() as [string[], string[]];
    await this.exec(entry, flush);
    const { exitCode, output } = await this.execStatus(entry, deleteQdisc);
    if (exitCode !== 0 && !/No such file|Cannot delete qdisc with handle of zero|not found/i.test(output)) {
      throw new Error(`\`${deleteQdisc.join(' ')}\` failed in container ${entry.name} (exit ${exitCode}): ${output.trim()}`);
    }
  }

  /** Probes, once, which packet tools the kernel offers, inside a running container. */
  private kernelTools(): Promise<KernelPacketTools> {
    this.tools ??= (async () => {
      const entry = [...this.containers.values()].find((e) => e.running && !e.paused);
      if (!entry) throw new Error('cannot probe packet tools: no node container is running');
      const tools = { netem: false, tbf: false, statistic: false, reject: false };
      for (const [tool, { probe, undo }] of Object.entries(PROBES) as [keyof KernelPacketTools, (typeof PROBES)[keyof KernelPacketTools]][]) {
        tools[tool] = (await this.execStatus(entry, probe)).exitCode === 0;
        if (tools[tool]) await this.exec(entry, undo);
      }
      return tools;
    })();
    this.tools.catch(() => (this.tools = undefined));
    return this.tools;
  }

  /** Saves what the container itself printed (faultline-run, docker-init) beside the node's log. */
  private async saveContainerLog(node: string, entry: NodeContainer): Promise<void> {
    const raw = (await this.call(`\`logs\` of container ${entry.name}`, (abortSignal) => entry.container.logs({ stdout: true, stderr: true, follow: false, abortSignal }))) as unknown as Buffer;
    const text = demux(Buffer.from(raw));
    if (text.trim() !== '') writeFileSync(join(this.options.runDir, 'nodes', node, 'container.log'), text);
  }
}

/** "containers a, b and network c". */
function describeLeft(left: readonly string[]): string {
  const containers = left.filter((w) => w.startsWith('container ')).map((w) => w.slice('container '.length));
  const networks = left.filter((w) => w.startsWith('network ')).map((w) => w.slice('network '.length));
  const parts = [
    ...(containers.length > 0 ? [`${containers.length === 1 ? 'container' : 'containers'} ${containers.join(', ')}`] : []),
    ...(networks.length > 0 ? [`network ${networks.join(', ')}`] : []),
  ];
  return parts.join(' and ');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

/** 304/409: already in the wanted state (not running, not paused). */
function ignoreWrongState(err: unknown): void {
  if (!isWrongState(err) && !isNotFound(err)) throw err;
}
