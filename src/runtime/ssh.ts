// The SSH runtime: each node is a host reached over SSH (ssh-session.ts). A node's database runs
// there as a process of its own session, started by a launcher that marks it and, for clock
// faults, preloads libfaketime; faults are made with the same tools as in containers (faultline's
// iptables chain, built by docker-partition.ts; packet faults on the peers' traffic only,
// ssh-packet.ts; kill/pause by the pid the launcher printed).
// Everything the run leaves on a host carries a mark (ssh-host-commands.ts), and teardown
// downloads the logs, then removes every mark. A host whose connection drops is an event in its
// node's log; the faults that need it fail with one line naming the host, and the run goes on.
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { partitionCommands, type PartitionDrops, dropsKey } from './docker-partition.js';
import { CLOCK_FILE, FaketimeClock } from './faketime.js';
import { drops, type Grudge } from './grudge.js';
import { packageRoot } from './package-root.js';
import { assertShapeSupported, type Address, type ClockSkewable, type Deferred, type NodeAddressed, type NodeClock, type NodeFaultOutcome, type PacketShape, type PacketShapeable, type PacketSupport, type ProcessSpec, type Runtime } from './runtime.js';
import { ownerLabel } from './docker-engine.js';
import { awaitExitCommand, HOST_CACHE_DIR, OWNER_FILE, firewallSetupCommand, hostArg, hostPath, hostRunDir, launchCommand, processStartCommand, processStartMs, removedMarks, removeMarksCommand, signalCommand } from './ssh-host-commands.js';
import { sshCleanupCommand, type SshSpec } from './ssh-hosts.js';
import { storeFiles, storeTarball, type StoreFiles } from './ssh-package.js';
import { installCommand, installFailure, missingPackages, packageName, packageQueryCommand } from './ssh-packages.js';
import { packagesOf, toNodeImage } from './node-image.js';
import { batchCommand, batchFailure, parseBatch, type BatchStep } from './ssh-batch.js';
import { clearHostPacketSteps, combinedPacketSupport, hostPacketCommands, hostPacketSupport, isNoOwnQdisc, packetRefusal, parseRoutes, probeBatch, qdiscShowCommand, rootQdiscRefusal, routeCommand, sshClientCommand, TC_MISSING, type HostPacketProbe } from './ssh-packet.js';
import { SshError, SshSession } from './ssh-session.js';

/** The port a db listens on when it takes the runtime's address (the bundled store). */
const DEFAULT_PORT = 7000;
/** How long a killed process may take to be seen gone. */
const EXIT_DEADLINE_MS = 10_000;
/** How often a lost host is tried again in the background. */
const RECONNECT_INTERVAL_MS = 3_000;

export interface SshRuntimeOptions {
  nodes: readonly string[];
  /** The run's directory on the controller; logs are downloaded into it. */
  runDir: string;
  ssh: SshSpec;
  /** Start nodes' processes under libfaketime, so clock faults can reach them. */
  fakeClock: boolean;
  /** Progress and connection lines. */
  log?: (line: string) => void;
  /** Deadline of each connection's handshake. */
  connectTimeoutMs?: number;
}

/** A node's process on its host, as its launch left it. */
interface HostProcess {
  pid: number;
  running: boolean;
  paused: boolean;
  /** Settles once the process is seen gone (or the connection to its host is lost). */
  exited: Promise<void>;
}

export class SshRuntime implements Runtime, NodeAddressed, ClockSkewable, PacketShapeable {
  readonly name = 'ssh';
  readonly nodes: readonly string[];
  /** Names the run's directory and marks its processes on the hosts. */
  readonly runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  private readonly hostDir = hostRunDir(this.runId);
  private readonly sessions = new Map<string, SshSession>();
  private readonly addresses = new Map<string, string>();
  private readonly processes = new Map<string, HostProcess>();
  private readonly logPaths = new Map<string, string>();
  /** Node events noted by the controller (lost connections), appended to the logs once downloaded. */
  private readonly events = new Map<string, string[]>();
  private readonly uploads = new Map<string, Promise<void>>();
  private readonly packagesReady = new Map<string, Promise<void>>();
  private readonly reconnects = new Map<string, Promise<void>>();
  /** Why the last try to reach a lost host failed; cleared when it answers again. */
  private readonly unreachable = new Map<string, string>();
  private readonly clocks = new Map<string, FaketimeClock>();
  private readonly unfakeable = new Map<string, string>();
  private grudge: Grudge = {};
  /** What each host's chain drops now (dropsKey; '?' after a failed change). */
  private readonly dropping = new Map<string, string>();
  /** Each host's packet tools and devices, probed once (again after a failed probe). */
  private readonly packetProbes = new Map<string, Promise<HostPacketProbe>>();
  /** The packet shape each node's host should have, and what it has now (JSON; '?' after a failed change). */
  private readonly shapes = new Map<string, PacketShape>();
  private readonly shaped = new Map<string, string>();
  private tornDown = false;
  /** Where the store's package is on the hosts, once packed (its hash names it). */
  private hostPackageDir: string | undefined;
  private hostNodeName = 'node';
  private storeFiles: StoreFiles | undefined;

  constructor(private readonly options: SshRuntimeOptions) {
    this.nodes = options.nodes;
    if (options.ssh.hosts.length !== options.nodes.length) {
      throw new Error(`--runtime ssh has ${options.ssh.hosts.length} hosts (${options.ssh.hosts.join(', ')}) for ${options.nodes.length} nodes; expected one host per node`);
    }
  }

  /** The host of a node (node i is the i-th host given). */
  hostOf(node: string): string {
    const index = this.nodes.indexOf(node);
    if (index < 0) throw new Error(`unknown node "${node}"; expected one of ${this.nodes.join(', ')}`);
    return this.options.ssh.hosts[index] as string;
  }

  /** Connects to every host, finds their addresses and makes faultline's chain; throws one line per host that failed. */
  async setup(): Promise<void> {
    const failures: string[] = [];
    await Promise.all(this.nodes.map(async (node) => {
      try {
        await this.connect(node);
        const session = this.session(node);
        await session.runOk(['mkdir', '-p', `${this.hostDir}/run`]);
        // Whose run this is: cleanup spares the runs whose controller is alive (ssh-cleanup.ts).
        await session.writeFile(`${this.hostDir}/${OWNER_FILE}`, `${ownerLabel()}\n`);
        await session.runOk(firewallSetupCommand(), { sudo: true });
        this.dropping.set(node, '');
      } catch (err) {
        failures.push(`${node}: ${messageOf(err)}`);
      }
    }));
    if (failures.length > 0) throw new Error(failures.sort().join('\n'));
  }

  private async connect(node: string): Promise<void> {
    const host = this.hostOf(node);
    const session = new SshSession(host, this.options.ssh, {
      ...(this.options.connectTimeoutMs !== undefined && { connectTimeoutMs: this.options.connectTimeoutMs }),
      ...(this.options.log && { log: this.options.log }),
      onLost: (why) => this.noteLost(node, why),
    });
    await session.connect();
    this.sessions.set(node, session);
    if (!this.addresses.has(node)) {
      const bare = host.replace(/^\[|\]$/g, '');
      this.addresses.set(node, isIP(bare) ? bare : (await lookup(bare, { family: 4 })).address);
    }
  }

  private noteLost(node: string, why: string): void {
    if (this.tornDown) return;
    const host = this.hostOf(node);
    this.options.log?.(`${node}: ${why}; the run goes on, and its faults fail until it answers again (tried every ${RECONNECT_INTERVAL_MS / 1000} s): check that ${host} is up, and if it comes back only after the run, \`${sshCleanupCommand(this.options.ssh, [host])}\` removes what the run left there`);
    this.noteEvent(node, 'ssh-lost', why);
    void this.reconnectInBackground(node);
  }

  /** A node event of the controller's (`clock: "controller"`), appended to the node's log once downloaded. */
  private noteEvent(node: string, event: string, msg: string): void {
    const line = JSON.stringify({ level: event === 'ssh-lost' ? 50 : 30, time: Date.now(), node, event, msg, clock: 'controller' });
    this.events.set(node, [...(this.events.get(node) ?? []), line]);
  }

  /** Tries every few seconds to connect to a lost host again, so that its node's state is known again. */
  private async reconnectInBackground(node: string): Promise<void> {
    while (!this.tornDown && this.sessions.get(node)?.lost !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_INTERVAL_MS).unref());
      if (this.tornDown || this.sessions.get(node)?.lost === undefined) return;
      try {
        await this.reconnect(node);
        this.options.log?.(`${node}: ssh ${this.hostOf(node)} answers again`);
        this.noteEvent(node, 'ssh-reconnected', `ssh ${this.hostOf(node)} answers again`);
      } catch {
        // still gone; the next fault that needs it says so
      }
    }
  }

  /** Connects to a node's host again (once at a time), and asks whether its process survived. */
  private reconnect(node: string): Promise<void> {
    let pending = this.reconnects.get(node);
    if (!pending) {
      this.sessions.get(node)?.close();
      pending = this.connect(node)
        .then(() => this.recheckProcess(node))
        .then(
          () => void this.unreachable.delete(node),
          (err: unknown) => {
            this.unreachable.set(node, messageOf(err));
            throw err;
          },
        )
        .finally(() => this.reconnects.delete(node));
      this.reconnects.set(node, pending);
    }
    return pending;
  }

  /**
   * The node's session, connecting again if the last one was lost; throws the one line of why it
   * cannot. Once a try to reach a lost host has failed, calls fail at once with that reason (the
   * background loop keeps trying) rather than each waiting out the connect deadline again; `retry`
   * (teardown) tries once more regardless.
   */
  private async live(node: string, retry = false): Promise<SshSession> {
    const session = this.sessions.get(node);
    if (session && session.lost === undefined) return session;
    if (this.tornDown) throw new SshError(`ssh ${this.hostOf(node)}: the runtime was torn down`);
    const why = session?.lost;
    const failed = this.unreachable.get(node);
    if (failed !== undefined && !retry) {
      throw new SshError(`${why ?? failed}; reconnecting failed: ${failed} (tried again every ${RECONNECT_INTERVAL_MS / 1000} s)`, true);
    }
    try {
      await this.reconnect(node);
    } catch (err) {
      throw new SshError(`${why ?? messageOf(err)}; reconnecting failed: ${messageOf(err)}`, true);
    }
    return this.session(node);
  }

  private session(node: string): SshSession {
    const session = this.sessions.get(node);
    if (!session) throw new Error(`the ssh runtime has no connection to ${node}; call setup() first`);
    return session;
  }

  nodeHost(node: string): string {
    const address = this.addresses.get(node);
    if (address === undefined) throw new Error(`the ssh runtime has not resolved ${node} (${this.hostOf(node)}) yet; call setup() first`);
    return address;
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

  private toHost(localPath: string): string {
    return hostPath(resolve(localPath), { runDir: resolve(this.options.runDir), packageRoot: packageRoot(), hostRunDir: this.hostDir, hostPackageDir: this.hostPackageDir ?? `${HOST_CACHE_DIR}/store` });
  }

  async spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void> {
    const session = await this.live(node);
    if (this.processes.get(node)?.running) throw new Error(`node ${node} is already running on ${this.hostOf(node)} (pid ${this.processes.get(node)?.pid})`);
    this.logPaths.set(node, resolve(logPath));
    const log = this.toHost(logPath);
    const root = packageRoot();
    if (spec.command === process.execPath || spec.args.some((arg) => arg.startsWith(`${root}/`))) await this.uploadStore(node, session);
    const args = spec.args.map((arg) => hostArg(arg, (path) => this.toHost(path)));
    // The bundled store is started as the controller's Node binary, which is uploaded with it.
    const command = spec.command === process.execPath ? this.hostNode() : spec.command;
    if (spec.image !== undefined) await this.ensurePackages(node, session, packagesOf(toNodeImage(spec.image)));
    await session.runOk(['mkdir', '-p', dirname(log), ...(spec.dataDir !== undefined ? [this.toHost(spec.dataDir)] : [])]);
    const clockFile = await this.prepareClock(node, spec, logPath, session);
    const started = await session.run(launchCommand({ runId: this.runId, logPath: log, ...(clockFile !== undefined && { clockFile }), command, args, ...(spec.env && { env: spec.env }) }));
    const pid = Number(started.stdout.trim());
    if (started.code !== 0 || !Number.isInteger(pid) || pid <= 1) {
      throw new Error(`could not start ${command} on ${node} (${this.hostOf(node)}): ${started.stderr.trim() || `exit ${started.code}`}`);
    }
    await this.track(node, session, pid);
    if (clockFile !== undefined) {
      const output = await session.runOk(processStartCommand(pid)).catch(() => '');
      const startMs = processStartMs(output, Date.now());
      const clock = this.clocks.get(node);
      if (startMs !== undefined && clock) {
        clock.processStartedAt(startMs);
        await this.pushClock(node, session);
      }
    }
  }

  /** Installs, once per node, the packages of the node's image that its host lacks (ssh-packages.ts). */
  private ensurePackages(node: string, session: SshSession, packages: readonly string[]): Promise<void> {
    if (packages.length === 0) return Promise.resolve();
    const key = `${node}\t${packages.join(' ')}`;
    let ready = this.packagesReady.get(key);
    if (!ready) {
      ready = this.installMissing(node, session, packages);
      this.packagesReady.set(key, ready);
      ready.catch(() => this.packagesReady.delete(key)); // a later start tries again
    }
    return ready;
  }

  private async installMissing(node: string, session: SshSession, packages: readonly string[]): Promise<void> {
    const names = packages.map(packageName);
    const missing = missingPackages(packages, (await session.run(packageQueryCommand(names))).stdout);
    if (missing.length === 0) return;
    const host = this.hostOf(node);
    const debs = this.options.ssh.debs;
    const started = performance.now();
    let targets = packages.filter((p) => missing.includes(packageName(p)));
    if (debs !== undefined) {
      // Every .deb of the directory goes up, so apt can take dependencies from among them.
      const dir = `${this.hostDir}/debs`;
      await session.runOk(['mkdir', '-p', dir]);
      const files = readdirSync(debs).filter((name) => name.endsWith('.deb')).sort();
      for (const file of files) await session.upload(join(debs, file), `${dir}/${file}`);
      targets = files.map((file) => `${dir}/${file}`);
    }
    const them = missing.length === 1 ? 'it' : 'them';
    const remedy = debs === undefined ? `install ${them} on ${host}, or pass --ssh-debs DIR holding the .deb files (apt-get download ${missing.join(' ')})` : `add the missing .deb files to ${debs}, or install ${them} on ${host}`;
    const result = await session.run(installCommand(targets), { sudo: true, timeoutMs: 600_000 });
    if (result.code !== 0) throw new Error(`${node} (${host}) lacks ${missing.join(', ')} and apt-get could not install ${them}: ${installFailure(result.stderr, result.stdout)}; ${remedy}`);
    const still = missingPackages(packages, (await session.run(packageQueryCommand(names))).stdout);
    if (still.length > 0) throw new Error(`${node} (${host}) still lacks ${still.join(', ')} after apt-get install; ${remedy}`);
    this.options.log?.(`${node} (${host}): installed ${missing.join(', ')} ${debs === undefined ? "with the host's apt-get" : `from ${debs}`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Follows a launched process until it ends: `tail --pid` on its host returns then. */
  private async track(node: string, session: SshSession, pid: number): Promise<void> {
    const { ended } = await session.watch(awaitExitCommand(pid));
    const entry: HostProcess = { pid, running: true, paused: false, exited: Promise.resolve() };
    entry.exited = ended.then((code) => {
      // A lost connection says nothing of the process: live() asks again on reconnecting.
      if (code !== 'lost') {
        entry.running = false;
        entry.paused = false;
      }
    });
    this.processes.set(node, entry);
  }

  /** After a reconnection: is the node's process still there? Follow it again if it is. */
  private async recheckProcess(node: string): Promise<void> {
    const entry = this.processes.get(node);
    if (!entry?.running) return;
    const session = this.session(node);
    const alive = (await session.run(['kill', '-0', String(entry.pid)])).code === 0;
    if (!alive) {
      entry.running = false;
      entry.paused = false;
      return;
    }
    const paused = entry.paused;
    await this.track(node, session, entry.pid);
    (this.processes.get(node) as HostProcess).paused = paused;
  }

  /**
   * Makes sure the host has the bundled store's code and Node binary (ssh-package.ts): in the
   * hosts' cache by the tarball's hash, uploaded and unpacked only when missing (once per host).
   */
  private uploadStore(node: string, session: SshSession): Promise<void> {
    let upload = this.uploads.get(node);
    if (!upload) {
      upload = (async () => {
        const files = this.store();
        const dir = this.hostPackageDir as string;
        if ((await session.run(['test', '-e', `${dir}/.complete`])).code === 0) return;
        const tarball = await storeTarball(files);
        const partial = `${dir}.partial-${this.runId}`;
        await session.runOk(['mkdir', '-p', partial]);
        await session.upload(tarball, `${partial}.tgz`);
        await session.runOk(['tar', '-xzf', `${partial}.tgz`, '-C', partial]);
        await session.runOk(['touch', `${partial}/.complete`]);
        // Another run may have put it there meanwhile: then this copy goes.
        if ((await session.run(['mv', '-T', partial, dir])).code !== 0) await session.run(['rm', '-rf', partial]);
        await session.run(['rm', '-f', `${partial}.tgz`]);
      })();
      this.uploads.set(node, upload);
      upload.catch(() => this.uploads.delete(node));
    }
    return upload;
  }

  /** The store's files, listed and hashed once; sets where they are on the hosts. */
  private store(): StoreFiles {
    this.storeFiles ??= storeFiles(packageRoot());
    this.hostPackageDir = `${HOST_CACHE_DIR}/store-${this.storeFiles.sha256.slice(0, 16)}`;
    this.hostNodeName = this.storeFiles.node;
    return this.storeFiles;
  }

  /** Where the controller's Node binary is on a host. */
  private hostNode(): string {
    return `${this.hostPackageDir}/${this.hostNodeName}`;
  }

  /** The node's clock control file on its host, written before the process starts, or undefined for the real clock. */
  private async prepareClock(node: string, spec: ProcessSpec, logPath: string, session: SshSession): Promise<string | undefined> {
    if (spec.clockUnfakeable) this.unfakeable.set(node, spec.clockUnfakeable);
    else this.unfakeable.delete(node);
    if (!this.options.fakeClock || spec.clockUnfakeable) return undefined;
    let clock = this.clocks.get(node);
    if (!clock) {
      const local = join(dirname(resolve(logPath)), CLOCK_FILE);
      mkdirSync(dirname(local), { recursive: true });
      clock = new FaketimeClock(local);
      this.clocks.set(node, clock);
    }
    clock.processStarting();
    await this.pushClock(node, session);
    return this.toHost(clock.path);
  }

  /** Copies the node's control file (the FaketimeClock writes it on the controller) to its host. */
  private async pushClock(node: string, session: SshSession): Promise<void> {
    const clock = this.clocks.get(node) as FaketimeClock;
    await session.writeFile(this.toHost(clock.path), readFileSync(clock.path));
  }

  async setClock(node: string, clock: NodeClock): Promise<void> {
    const reason = this.unfakeable.get(node);
    if (reason) throw new Error(`cannot fake the clock of ${node}: ${reason}`);
    const faked = this.clocks.get(node);
    if (!faked) throw new Error(`cannot fake the clock of ${node}: its process was started without libfaketime; clock faults need --nemesis clock from the start of the run`);
    faked.set(clock);
    await this.pushClock(node, await this.live(node));
  }

  clockOffsetS(node: string): number {
    return this.clocks.get(node)?.offsetS() ?? 0;
  }

  /**
   * True while the node's process runs (even paused). While its host is lost, what was last known:
   * a lost connection says nothing of the process (reconnecting asks again), and a restart of the
   * dead nodes must not stop at a host it cannot reach.
   */
  isRunning(node: string): boolean {
    return this.processes.get(node)?.running ?? false;
  }

  async kill(node: string): Promise<NodeFaultOutcome> {
    const session = await this.live(node);
    const entry = this.processes.get(node);
    if (!entry?.running) return 'not running';
    const result = await session.run(signalCommand('KILL', entry.pid));
    if (result.code !== 0) {
      await entry.exited;
      return 'not running';
    }
    await withDeadline(entry.exited, EXIT_DEADLINE_MS, `${node}'s process (pid ${entry.pid} on ${this.hostOf(node)}) was not seen gone within ${EXIT_DEADLINE_MS / 1000} s of SIGKILL`);
    return 'done';
  }

  async pause(node: string): Promise<NodeFaultOutcome> {
    const session = await this.live(node);
    const entry = this.processes.get(node);
    if (!entry?.running) return 'not running';
    if (entry.paused) return 'already paused';
    if ((await session.run(signalCommand('STOP', entry.pid))).code !== 0) return 'not running';
    entry.paused = true;
    return 'done';
  }

  async resume(node: string): Promise<NodeFaultOutcome> {
    const session = await this.live(node);
    const entry = this.processes.get(node);
    if (!entry?.running || !entry.paused) return 'not paused';
    entry.paused = false;
    if ((await session.run(signalCommand('CONT', entry.pid))).code !== 0) return 'not paused';
    return 'done';
  }

  /** Each host's chain drops what its node's grudge says, whether its process runs or not: nothing is deferred. */
  async partition(grudge: Grudge): Promise<Deferred> {
    this.grudge = grudge;
    const failures: string[] = [];
    const made: string[] = [];
    await Promise.all(this.nodes.map(async (node) => {
      const wanted = this.dropsOf(node);
      if (dropsKey(wanted) === this.dropping.get(node)) return;
      try {
        const session = await this.live(node);
        this.dropping.set(node, '?');
        for (const cmd of partitionCommands(wanted)) await session.runOk(cmd, { sudo: true });
        this.dropping.set(node, dropsKey(wanted));
        made.push(node);
      } catch (err) {
        failures.push(`${node}: ${messageOf(err)}`);
      }
    }));
    if (failures.length > 0) {
      const fault = Object.values(grudge).some((peers) => peers.length > 0) ? 'partition' : 'heal';
      throw new Error(`${fault} failed on ${failures.sort().join('; ')}${made.length > 0 ? ` (done on ${made.sort().join(' ')})` : ''}`);
    }
    return {};
  }

  heal(): Promise<Deferred> {
    return this.partition({});
  }

  /** What a node drops under the current grudge: peers that drop it too are cut both ways, the others one way. */
  private dropsOf(node: string): PartitionDrops {
    const dropped = this.nodes.filter((peer) => peer !== node && drops(this.grudge, node, peer));
    return {
      from: dropped.filter((peer) => drops(this.grudge, peer, node)).map((peer) => this.nodeHost(peer)),
      bytesFrom: dropped.filter((peer) => !drops(this.grudge, peer, node)).map((peer) => this.nodeHost(peer)),
    };
  }

  /**
   * What every host can make (probed on each once): a behaviour missing on one host is unavailable,
   * naming it. A host that cannot be probed now is left out (a fault on it fails, naming it) unless none can.
   */
  async packetSupport(): Promise<PacketSupport> {
    const byHost: Record<string, PacketSupport> = {};
    const failures: string[] = [];
    await Promise.all(this.nodes.map(async (node) => {
      try {
        byHost[this.hostOf(node)] = hostPacketSupport(await this.probePackets(node));
      } catch (err) {
        failures.push(`${node}: ${messageOf(err)}`);
      }
    }));
    if (Object.keys(byHost).length === 0) throw new Error(`cannot probe packet tools on ${failures.sort().join('; ')}`);
    if (failures.length > 0) this.options.log?.(`packet tools not probed on ${failures.sort().join('; ')}; faults there fail until it answers`);
    return combinedPacketSupport(byHost);
  }

  /** Shapes the traffic between each of `nodes` and its peers, on its host, whether its process runs or not: nothing is deferred. */
  async shapePackets(nodes: readonly string[], shape: PacketShape): Promise<Deferred> {
    assertShapeSupported(shape, await this.packetSupport()); // throws naming unavailable behaviours
    for (const node of nodes) this.shapes.set(node, shape);
    return this.applyShapes(nodes, 'packet fault');
  }

  async clearPackets(): Promise<Deferred> {
    const shaped = [...this.shapes.keys()];
    this.shapes.clear();
    return this.applyShapes(shaped, 'packet clearing');
  }

  private async applyShapes(nodes: readonly string[], what: string): Promise<Deferred> {
    const failures: string[] = [];
    const made: string[] = [];
    await Promise.all(nodes.map(async (node) => {
      const shape = this.shapes.get(node);
      const wanted = JSON.stringify(shape ?? null);
      const had = this.shaped.get(node) ?? 'null';
      if (wanted === had) return;
      try {
        const session = await this.live(node);
        const probe = await this.probePackets(node);
        this.shaped.set(node, '?');
        const steps: BatchStep[] = [
          ...(had !== 'null' ? clearHostPacketSteps(Object.keys(probe.devices)) : []),
          ...(shape ? hostPacketCommands(shape, probe).map((argv) => ({ argv })) : []),
        ];
        if (steps.length > 0) {
          const failed = batchFailure(parseBatch(await session.runOk(batchCommand(steps), { sudo: true }), steps), steps, (result) => isNoOwnQdisc(result.output));
          if (failed !== undefined) throw new Error(`on ${this.hostOf(node)}: ${failed}`);
        }
        this.shaped.set(node, wanted);
        made.push(node);
      } catch (err) {
        failures.push(`${node}: ${messageOf(err)}`);
      }
    }));
    if (failures.length > 0) throw new Error(`${what} failed on ${failures.sort().join('; ')}${made.length > 0 ? ` (done on ${made.sort().join(' ')})` : ''}`);
    return {};
  }

  /**
   * Finds, once per host, the devices that route to its peers and which tools its kernel has, by
   * trying each and undoing it, in one batch (the tc probes shape no traffic). Makes the loss chain.
   */
  private probePackets(node: string): Promise<HostPacketProbe> {
    let probe = this.packetProbes.get(node);
    if (!probe) {
      probe = (async () => {
        const session = await this.live(node);
        const peers = Object.fromEntries(this.nodes.filter((peer) => peer !== node).map((peer) => [peer, this.nodeHost(peer)]));
        const refused = packetRefusal((await session.run(sshClientCommand())).stdout, peers);
        if (refused !== undefined) return { tools: { statistic: false, reject: false, htb: false, u32: false, netem: false }, devices: {}, refused };
        const addresses = Object.values(peers);
        const devices = parseRoutes(await session.runOk(routeCommand(addresses), { sudo: true }), addresses); // ip may be in sbin too
        const tcRefused = (await Promise.all(Object.keys(devices).map(async (device) => {
          const shown = await session.run(qdiscShowCommand(device), { sudo: true }); // tc is in sbin, which a user's PATH may lack
          if (shown.code === 127) return TC_MISSING;
          if (shown.code !== 0) throw new Error(`\`${qdiscShowCommand(device).join(' ')}\` failed on ${this.hostOf(node)} (exit ${shown.code}): ${shown.stderr.trim()}`);
          return rootQdiscRefusal(device, shown.stdout);
        }))).find((why) => why !== undefined);
        const { steps, tools } = probeBatch(tcRefused === undefined ? Object.keys(devices)[0] : undefined);
        const results = parseBatch(await session.runOk(batchCommand(steps), { sudo: true }), steps);
        const failed = batchFailure(results, steps, () => true);
        if (failed !== undefined) throw new Error(`probing packet tools on ${this.hostOf(node)}: ${failed}`);
        return { tools: tools(results), devices, ...(tcRefused !== undefined && { tcRefused }) };
      })();
      this.packetProbes.set(node, probe);
      probe.catch(() => this.packetProbes.delete(node));
    }
    return probe;
  }

  /**
   * On each host: kills the run's processes, downloads the nodes' logs, removes every mark of the
   * run (processes, its directory, faultline's chain). Goes on past a host it cannot reach, and
   * throws one line naming those, with the cleanup command that removes what is left.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    const left: string[] = [];
    await Promise.all(this.nodes.map(async (node) => {
      try {
        const session = await this.live(node, true);
        const entry = this.processes.get(node);
        if (entry?.running) await session.run(signalCommand('KILL', entry.pid)).catch(() => undefined);
        await this.downloadLog(node, session).catch((err: unknown) => this.options.log?.(`${node}: its log could not be downloaded: ${messageOf(err)}`));
        const own = removedMarks(await session.runOk(removeMarksCommand(this.runId, 'processes')));
        const removed = [...own, ...removedMarks(await session.runOk(removeMarksCommand(this.runId), { sudo: true }))];
        if (removed.length > 0 && process.env.FAULTLINE_SSH_DEBUG) this.options.log?.(`${node}: removed ${removed.join(', ')}`);
      } catch (err) {
        left.push(`${node} (${messageOf(err)})`);
      } finally {
        this.appendEvents(node);
      }
    }));
    this.tornDown = true;
    for (const session of this.sessions.values()) session.close();
    if (left.length > 0) {
      throw new Error(`could not clean up ${left.sort().join('; ')}; \`${sshCleanupCommand(this.options.ssh)}\` removes what is left`);
    }
  }

  private async downloadLog(node: string, session: SshSession): Promise<void> {
    const local = this.logPaths.get(node);
    if (local === undefined) return;
    mkdirSync(dirname(local), { recursive: true });
    await session.download(this.toHost(local), local);
  }

  private appendEvents(node: string): void {
    const lines = this.events.get(node);
    const local = this.logPaths.get(node);
    if (!lines || local === undefined) return;
    try {
      appendFileSync(local, lines.map((line) => `${line}\n`).join(''));
    } catch {
      // the status line already said it
    }
    this.events.delete(node);
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
