// The local runtime: each node is a child process on a loopback port, and every node-to-node link
// runs through a proxy the controller owns, so partitions, kills and pauses are real, and packet
// faults are what a TCP proxy can make of them (link-shaping.ts). With a memory fault in the run,
// each node's process starts in a memory cgroup of its own (root only).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResultPromise } from 'execa';
import { drops, type Grudge } from './grudge.js';
import { LinkProxy } from './link-proxy.js';
import { combineLinkShapes, linkShapeOf, proxyPacketSupport } from './link-shaping.js';
import { holdNodePort } from './node-ports.js';
import { processStartTime, runCgroupName, sweepDeadRunsCgroups } from './local-reaper.js';
import { findMemoryCgroups, MemoryCgroups } from './memory-cgroup.js';
import { recordOomKill } from './oom-event.js';
import { CLOCK_FILE, faketimeEnv, FaketimeClock, hostLibfaketime } from './faketime.js';
import { FaultyDiskMounts, faultyDisksOver } from './faultfs.js';
import { assertShapeSupported, type Address, type ClockSkewable, type DataDirs, type Deferred, type FaultyDisks, type LostWrites, type MemoryLimit, type MemoryLimitable, type NodeClock, type NodeFaultOutcome, type PacketShape, type PacketShapeable, type PacketSupport, type ProcessSpec, type Runtime } from './runtime.js';

/** Puts the shell in the cgroup whose cgroup.procs is $0, then becomes the node's command: everything it allocates is charged there. */
const IN_CGROUP = 'echo $$ > "$0" && exec "$@"';

export class LocalRuntime implements Runtime, ClockSkewable, DataDirs, PacketShapeable, FaultyDisks, MemoryLimitable {
  readonly name = 'local';
  private readonly listen = new Map<string, Address>();
  private readonly proxies = new Map<string, LinkProxy>();
  private readonly processes = new Map<string, ResultPromise>();
  private readonly paused = new Set<string>();
  private readonly dataDirs = new Map<string, string>();
  /** Packet faults: each shaped node's shape, applied to both directions of every link to or from it. */
  private readonly shapes = new Map<string, PacketShape>();
  /** Clock faults: libfaketime preloaded into node processes, when installed and asked for. */
  private readonly clocks = new Map<string, FaketimeClock>();
  private readonly libfaketime: string | undefined;
  /** Disk faults: faultfs over each node's data directory, when the run's faults ask for it. */
  private readonly disks: FaultyDiskMounts | undefined;
  private readonly diskFaults: FaultyDisks;
  private reaper: ChildProcess | undefined;
  private pidFile: string | undefined;
  private readonly memoryLimits: boolean;
  /** Memory faults: the run's cgroups, one per node (set up when asked for). */
  private cgroups: MemoryCgroups | undefined;
  private readonly logPaths = new Map<string, string>();
  /** OOM kills of each node already written to its log. */
  private readonly oomLogged = new Map<string, number>();

  constructor(readonly nodes: readonly string[], options: { fakeClock?: boolean; faultyDisks?: boolean; memoryLimits?: boolean } = {}) {
    this.libfaketime = options.fakeClock ? hostLibfaketime() : undefined;
    // Node processes run as the controller's user: no allow_other needed.
    this.disks = options.faultyDisks ? new FaultyDiskMounts({ allowOther: false }) : undefined;
    this.diskFaults = faultyDisksOver(this.disks, (node) => this.isRunning(node));
    this.memoryLimits = options.memoryLimits ?? false;
  }

  async setup(): Promise<void> {
    await this.disks?.prepare();
    if (this.memoryLimits) {
      const layout = findMemoryCgroups();
      if (typeof layout === 'string') throw new Error(`memory faults on the local runtime: ${layout}`);
      // Cgroups a killed controller left behind go first (its reaper normally removes them).
      await sweepDeadRunsCgroups();
      this.cgroups = new MemoryCgroups(layout, runCgroupName());
    }
    // Hold each node's port until every proxy has its own, so the kernel cannot hand a node's
    // port to a proxy; the node binds it moments later.
    const held = await Promise.all(this.nodes.map(() => holdNodePort()));
    try {
      this.nodes.forEach((node, i) => this.listen.set(node, { host: '127.0.0.1', port: held[i]!.port }));
      for (const from of this.nodes) {
        for (const to of this.nodes) {
          if (from === to) continue;
          const proxy = new LinkProxy(from, to, this.listenAddress(to));
          await proxy.start();
          this.proxies.set(linkKey(from, to), proxy);
        }
      }
    } finally {
      await Promise.all(held.map((h) => h.release()));
    }
  }

  listenAddress(node: string): Address {
    const address = this.listen.get(node);
    if (!address) throw new Error(`unknown node "${node}"; expected one of ${this.nodes.join(', ')}`);
    return address;
  }

  peerAddress(from: string, to: string): Address {
    const address = this.proxies.get(linkKey(from, to))?.address;
    if (!address) throw new Error(`no link from "${from}" to "${to}"; expected two different nodes of ${this.nodes.join(', ')}`);
    return address;
  }

  clientAddress(node: string): Address {
    return this.listenAddress(node);
  }

  async spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void> {
    if (this.isRunning(node)) throw new Error(`node ${node} is already running (pid ${this.processes.get(node)?.pid})`);
    if (this.disks) {
      await this.disks.mountFor(node, spec.dataDir);
      this.killOnExit();
      this.recordMountsForReaper();
    }
    // In its cgroup from its first instruction: a process moved in later leaves its memory charged outside.
    const [command, args] = this.cgroups ? ['/bin/sh', ['-c', IN_CGROUP, this.cgroups.create(node), spec.command, ...spec.args]] : [spec.command, spec.args];
    const { execa } = await import('execa');
    const child = execa(command, args, {
      stdin: 'ignore',
      stdout: { file: logPath, append: true },
      stderr: { file: logPath, append: true },
      // FAULTLINE_PARENT_PID lets a node exit on its own if the controller is SIGKILLed.
      env: { ...spec.env, ...this.clockEnv(node, spec, logPath), FAULTLINE_PARENT_PID: String(process.pid) },
      reject: false,
      cleanup: true,
      // Its own process group: a terminal's Ctrl-C reaches only the controller, which stops the nodes.
      detached: true,
    });
    this.processes.set(node, child);
    this.logPaths.set(node, logPath);
    this.paused.delete(node);
    if (spec.dataDir !== undefined) this.dataDirs.set(node, spec.dataDir);
    this.killOnExit();
    this.recordForReaper(child.pid);
    void child.then(() => {
      if (this.processes.get(node) === child) this.processes.delete(node);
      this.noteOomKills(node);
    });
  }

  isRunning(node: string): boolean {
    return this.processes.has(node);
  }

  dataDir(node: string): string | undefined {
    return this.dataDirs.get(node);
  }

  async kill(node: string): Promise<NodeFaultOutcome> {
    const child = this.processes.get(node);
    if (!child) return 'not running';
    child.kill('SIGKILL');
    await child;
    this.processes.delete(node);
    this.paused.delete(node);
    return 'done';
  }

  async pause(node: string): Promise<NodeFaultOutcome> {
    if (this.paused.has(node) && this.isRunning(node)) return 'already paused';
    if (!this.signal(node, 'SIGSTOP')) return 'not running';
    this.paused.add(node);
    return 'done';
  }

  async resume(node: string): Promise<NodeFaultOutcome> {
    if (!this.paused.delete(node)) return 'not paused';
    return this.signal(node, 'SIGCONT') ? 'done' : 'not paused';
  }

  /** The proxies are the controller's own: a partition is in force at once, whatever the nodes' state. */
  async partition(grudge: Grudge): Promise<Deferred> {
    for (const proxy of this.proxies.values()) {
      proxy.setBlock({ forward: drops(grudge, proxy.to, proxy.from), backward: drops(grudge, proxy.from, proxy.to) });
    }
    return {};
  }

  async heal(): Promise<Deferred> {
    return this.partition({});
  }

  async packetSupport(): Promise<PacketSupport> {
    return proxyPacketSupport();
  }

  /** The proxies are the controller's: a shape is in force at once, whatever the nodes' state. */
  async shapePackets(nodes: readonly string[], shape: PacketShape): Promise<Deferred> {
    assertShapeSupported(shape, proxyPacketSupport());
    for (const node of nodes) this.listenAddress(node); // throws naming an unknown node
    for (const node of nodes) this.shapes.set(node, shape);
    this.applyShapes();
    return {};
  }

  async clearPackets(): Promise<Deferred> {
    this.shapes.clear();
    this.applyShapes();
    return {};
  }

  /** The links that carry a shape now ("n1->n2"), for tests and checks that nothing is left. */
  shapedLinks(): string[] {
    return [...this.proxies].filter(([, proxy]) => proxy.shaped).map(([key]) => key);
  }

  private applyShapes(): void {
    const shapeOf = (node: string) => {
      const shape = this.shapes.get(node);
      return shape && linkShapeOf(shape);
    };
    for (const proxy of this.proxies.values()) proxy.setShaping(combineLinkShapes(shapeOf(proxy.from), shapeOf(proxy.to)));
  }

  async teardown(): Promise<void> {
    for (const node of [...this.paused]) this.signal(node, 'SIGCONT');
    await Promise.all([...this.processes.keys()].map((node) => this.kill(node)));
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.stop()));
    this.proxies.clear();
    process.off('exit', this.exitHook);
    try {
      await this.disks?.unmountAll();
    } finally {
      try {
        await this.cgroups?.remove();
      } finally {
        this.stopReaper();
      }
    }
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

  memoryLimitSupport(): true | string {
    const layout = findMemoryCgroups();
    return typeof layout === 'string' ? layout : true;
  }

  async memoryUsage(node: string): Promise<number | undefined> {
    const cgroups = this.memoryCgroups();
    return this.isRunning(node) ? cgroups.usage(node) : undefined;
  }

  async limitMemory(node: string, bytes: number): Promise<MemoryLimit> {
    const cgroups = this.memoryCgroups();
    cgroups.create(node);
    return cgroups.setLimit(node, bytes);
  }

  async unlimitMemory(node: string): Promise<void> {
    this.memoryCgroups().unlimit(node);
  }

  async oomKills(node: string): Promise<number> {
    return this.memoryCgroups().oomKills(node);
  }

  private memoryCgroups(): MemoryCgroups {
    if (!this.cgroups) throw new Error('memory faults on the local runtime need the nodes started in cgroups of their own: the run must have --nemesis memory from its start');
    return this.cgroups;
  }

  /** After a node's process ended: an OOM kill the kernel counted since the last one logged goes to the node's log. */
  private noteOomKills(node: string): void {
    const cgroups = this.cgroups;
    const logPath = this.logPaths.get(node);
    if (!cgroups || logPath === undefined) return;
    try {
      const kills = cgroups.oomKills(node);
      for (let k = this.oomLogged.get(node) ?? 0; k < kills; k++) recordOomKill(logPath, node, cgroups.limit(node));
      this.oomLogged.set(node, kills);
    } catch {
      // the cgroup is gone (teardown): nothing more to note
    }
  }

  /**
   * Records a node's pid (with its start time) for the reaper, started with the first node: if
   * the controller is SIGKILLed, the reaper resumes and kills the nodes (a paused node cannot
   * notice by itself that its controller is gone).
   */
  private recordForReaper(pid: number | undefined): void {
    if (pid === undefined) return;
    const startTime = processStartTime(pid);
    if (startTime === undefined) return; // already gone, or no /proc
    this.startReaper();
    appendFileSync(this.pidFile as string, `${pid} ${startTime}\n`);
  }

  /** faultfs unmounts itself when the controller dies; the reaper unmounts what a faultfs killed with SIGKILL left. */
  private recordMountsForReaper(): void {
    this.startReaper();
    const recorded = readFileSync(this.pidFile as string, 'utf8');
    for (const point of this.disks?.points() ?? []) {
      if (!recorded.includes(`mount ${point}\n`)) appendFileSync(this.pidFile as string, `mount ${point}\n`);
    }
  }

  private startReaper(): void {
    if (!this.reaper) {
      this.pidFile = join(tmpdir(), `faultline-local-${process.pid}-${Date.now()}.pids`);
      appendFileSync(this.pidFile, '');
      const script = new URL('./local-reaper.js', import.meta.url).pathname;
      const cgroupDir = this.cgroups ? [this.cgroups.dir] : [];
      this.reaper = spawn(process.execPath, [script, String(process.pid), this.pidFile, ...cgroupDir], { detached: true, stdio: 'ignore' });
      this.reaper.unref();
    }
  }

  private stopReaper(): void {
    if (this.reaper?.pid !== undefined && this.reaper.exitCode === null) {
      try {
        process.kill(this.reaper.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.reaper = undefined;
    if (this.pidFile) rmSync(this.pidFile, { force: true });
    this.pidFile = undefined;
  }

  /**
   * Nodes run in their own process group (so a terminal's Ctrl-C reaches only the controller),
   * which execa's cleanup does not cover: if the controller exits without tearing down (a second
   * Ctrl-C), SIGKILL the node processes it started, by the PIDs it recorded.
   */
  private killOnExit(): void {
    if (process.listeners('exit').includes(this.exitHook)) return;
    process.on('exit', this.exitHook);
  }

  private readonly exitHook = (): void => {
    // With cgroups the reaper stays: it removes them once these processes are gone.
    if (!this.cgroups) this.stopReaper();
    this.disks?.signalExit();
    for (const child of this.processes.values()) {
      if (child.pid === undefined) continue;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  async setClock(node: string, clock: NodeClock): Promise<void> {
    const faked = this.clocks.get(node);
    if (!faked) {
      throw new Error(this.libfaketime
        ? `cannot fake the clock of ${node}: its process ignores libfaketime or was not started with it`
        : 'clock faults on the local runtime need libfaketime (apt-get install libfaketime) and --nemesis clock from the start; not found under /usr/lib/*/faketime/');
    }
    faked.set(clock);
  }

  clockOffsetS(node: string): number {
    return this.clocks.get(node)?.offsetS() ?? 0;
  }

  /** The environment that puts a node's process under its faked clock (none when clocks are real). */
  private clockEnv(node: string, spec: ProcessSpec, logPath: string): Record<string, string> {
    if (!this.libfaketime || spec.clockUnfakeable) return {};
    let clock = this.clocks.get(node);
    if (!clock) {
      clock = new FaketimeClock(join(dirname(logPath), CLOCK_FILE));
      this.clocks.set(node, clock);
    }
    clock.processStarting();
    return faketimeEnv(this.libfaketime, clock.path);
  }

  /** Signals a node's process; false when it has none (it died, or was killed). */
  private signal(node: string, signal: NodeJS.Signals): boolean {
    const pid = this.processes.get(node)?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // it died in between; its exit is noticed by the child's promise
    }
  }
}

function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}
