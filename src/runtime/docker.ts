// The docker runtime: each node is a container on a private network of the run, with fixed
// addresses. Faults happen inside the containers with the kernel's own tools (iptables, tc) and
// libfaketime, or through the Docker API (kill, start, pause, unpause). Only NET_ADMIN is added;
// containers are never privileged, and nothing here touches the machine's clock.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { drops, type Grudge } from '../../nemesis/grudge.js';
import { tailLines } from '../log-tail.js';
import { connectDocker, demux, execIn, execOk, isNotFound, LABELS, ownerLabel } from './docker-engine.js';
import { ensureImage, IMAGE_NAMES, packageRoot, type ImageName } from './docker-images.js';
import { createRunNetwork, nodeIp, type RunNetwork } from './docker-network.js';
import { partitionCommands, partitionSetupCommands } from './docker-partition.js';
import { clearPacketCommands, lossSetupCommands, packetCommands, packetSupport, PROBES, type KernelPacketTools } from './docker-packet.js';
import { childStartMs, CLOCK_FILE, FaketimeClock } from './faketime.js';
import type { Address, ClockSkewable, NodeAddressed, NodeClock, PacketShape, PacketShapeable, PacketSupport, ProcessSpec, Runtime } from './runtime.js';

/** The port a db listens on when it takes the runtime's address (the bundled store). */
const DEFAULT_PORT = 7000;

export interface DockerRuntimeOptions {
  nodes: readonly string[];
  /** The run's directory; node directories (logs, data, clock files) are under nodes/<node>. */
  runDir: string;
  /** Preload libfaketime into nodes' processes, so clock faults can reach them. */
  fakeClock: boolean;
  /** Progress lines (image builds). */
  log?: (line: string) => void;
}

/** One node's container and what must be true inside it. */
interface NodeContainer {
  container: Docker.Container;
  /** Cmd and Env it was created with: a restart with the same spec reuses it. */
  configKey: string;
  running: boolean;
  paused: boolean;
  /** Bumped on every start, so a late exit notice of an earlier start is ignored. */
  generation: number;
  /** Partition and packet rules must be re-applied (it was paused or dead when they changed). */
  stale: boolean;
  /** What is in effect inside it now: the addresses it drops, and its packet shape as JSON. */
  dropping: string;
  shaped: string;
}

export class DockerRuntime implements Runtime, NodeAddressed, ClockSkewable, PacketShapeable {
  readonly name = 'docker';
  readonly nodes: readonly string[];
  /** Names this run's containers and network: unique per controller process and start time. */
  readonly runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  private docker: Docker | undefined;
  private network: RunNetwork | undefined;
  private readonly containers = new Map<string, NodeContainer>();
  private readonly images = new Map<ImageName, Promise<string>>();
  private readonly clocks = new Map<string, FaketimeClock>();
  private readonly unfakeable = new Map<string, string>();
  private grudge: Grudge = {};
  private readonly shapes = new Map<string, PacketShape>();
  private tools: Promise<KernelPacketTools> | undefined;
  private tornDown = false;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.nodes = options.nodes;
  }

  async setup(): Promise<void> {
    this.docker = await connectDocker();
    this.network = await createRunNetwork(this.docker, this.runId);
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
  private image(name: ImageName): Promise<string> {
    let ready = this.images.get(name);
    if (!ready) {
      ready = ensureImage(name, { ...(this.options.log && { log: this.options.log }) });
      this.images.set(name, ready);
    }
    return ready;
  }

  async spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void> {
    const docker = this.engine();
    const current = this.containers.get(node);
    if (current?.running) throw new Error(`node ${node} is already running (container ${current.container.id.slice(0, 12)})`);
    const image = await this.image(imageName(spec.image ?? 'bundled'));
    const nodeDir = resolve(dirname(logPath));
    mkdirSync(nodeDir, { recursive: true });

    const clock = this.prepareClock(node, spec, nodeDir);
    // The bundled store is started as this machine's Node binary; in a container that is the image's node.
    const command = spec.command === process.execPath ? 'node' : spec.command;
    const cmd = ['faultline-run', resolve(logPath), clock ?? '-', command, ...spec.args];
    const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const configKey = JSON.stringify({ image, cmd, env });

    let entry = current;
    if (!entry || entry.configKey !== configKey) {
      if (entry) await entry.container.remove({ force: true }).catch(ignoreNotFound);
      entry = { container: await this.create(docker, node, image, cmd, env, nodeDir), configKey, running: false, paused: false, generation: 0, stale: true, dropping: '', shaped: 'null' };
      this.containers.set(node, entry);
    }
    if (clock) this.clocks.get(node)?.processStarting();
    await entry.container.start();
    entry.generation++;
    entry.running = true;
    entry.paused = false;
    entry.stale = true;
    entry.dropping = '';
    entry.shaped = 'null';
    this.watchExit(node, entry);
    // A fresh start has a fresh network namespace: set up faultline's chains, then re-apply faults.
    if (clock) await this.correctProcessStart(node, entry.container);
    try {
      for (const cmd of [...partitionSetupCommands(), ...lossSetupCommands()]) await execOk(entry.container, cmd);
      await this.applyFaults(node);
    } catch (err) {
      const state = await entry.container.inspect().then((i) => i.State, () => undefined);
      if (state && !state.Running) {
        throw new Error(`node ${node}'s process (${command}) exited with status ${state.ExitCode} right after it started; last log lines:\n${tailLines(logPath)}`);
      }
      throw err;
    }
  }

  isRunning(node: string): boolean {
    return this.containers.get(node)?.running ?? false;
  }

  async kill(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry?.running) return;
    // The engine refuses to kill a paused container.
    if (entry.paused) await entry.container.unpause().catch(ignoreConflict);
    entry.paused = false;
    await entry.container.kill({ signal: 'SIGKILL' }).catch(ignoreConflict);
    await entry.container.wait().catch(ignoreNotFound);
    entry.running = false;
  }

  async pause(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry?.running || entry.paused) return;
    await entry.container.pause();
    entry.paused = true;
  }

  async resume(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry?.paused) return;
    await entry.container.unpause().catch(ignoreConflict);
    entry.paused = false;
    // Rules cannot be changed in a frozen container; any change made meanwhile lands now.
    if (entry.running && entry.stale) await this.applyFaults(node);
  }

  async partition(grudge: Grudge): Promise<void> {
    this.grudge = grudge;
    await Promise.all(this.nodes.map((node) => this.refresh(node)));
  }

  async heal(): Promise<void> {
    await this.partition({});
  }

  async packetSupport(): Promise<PacketSupport> {
    return packetSupport(await this.kernelTools());
  }

  async shapePackets(nodes: readonly string[], shape: PacketShape): Promise<void> {
    packetCommands(shape, await this.kernelTools()); // throws naming unavailable behaviours
    for (const node of nodes) this.shapes.set(node, shape);
    await Promise.all(nodes.map((node) => this.refresh(node)));
  }

  async clearPackets(): Promise<void> {
    const shaped = [...this.shapes.keys()];
    this.shapes.clear();
    await Promise.all(shaped.map((node) => this.refresh(node)));
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

  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const errors: string[] = [];
    await Promise.all([...this.containers.entries()].map(async ([node, entry]) => {
      try {
        await this.kill(node);
        await this.saveContainerLog(node, entry.container);
        await entry.container.remove({ force: true }).catch(ignoreNotFound);
      } catch (err) {
        errors.push(`${node}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }));
    this.containers.clear();
    if (this.docker && this.network) {
      await this.docker.getNetwork(this.network.id).remove().catch((err: unknown) => {
        if (!isNotFound(err)) errors.push(`network ${this.network?.name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    if (errors.length > 0) throw new Error(`docker teardown left things behind (run \`faultline cleanup\`): ${errors.join('; ')}`);
  }

  private engine(): Docker {
    if (!this.docker || !this.network) throw new Error('the docker runtime is not set up; call setup() first');
    return this.docker;
  }

  private async create(docker: Docker, node: string, image: string, cmd: string[], env: string[], nodeDir: string): Promise<Docker.Container> {
    const network = this.network as RunNetwork;
    const name = `faultline-${this.runId}-${node}`;
    const root = packageRoot();
    await docker.getContainer(name).remove({ force: true }).catch(ignoreNotFound);
    return docker.createContainer({
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
      },
      NetworkingConfig: { EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: this.nodeHost(node) } } } },
    });
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
  private async correctProcessStart(node: string, container: Docker.Container): Promise<void> {
    const initPid = (await container.inspect().catch(() => undefined))?.State.Pid;
    if (!initPid) return;
    for (let attempt = 0; attempt < 20; attempt++) {
      const startMs = childStartMs(initPid); // none until docker-init has forked it
      if (startMs !== undefined) return this.clocks.get(node)?.processStartedAt(startMs);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private watchExit(node: string, entry: NodeContainer): void {
    const generation = entry.generation;
    void entry.container.wait().then(
      () => {
        if (entry.generation === generation) {
          entry.running = false;
          entry.paused = false;
        }
      },
      () => undefined,
    );
  }

  /** Re-applies a node's faults now if it can take them, else marks them pending. */
  private async refresh(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry) return;
    entry.stale = true;
    if (entry.running && !entry.paused) await this.applyFaults(node);
  }

  /** Makes the rules inside a node's container match the current grudge and packet shape. */
  private async applyFaults(node: string): Promise<void> {
    const entry = this.containers.get(node);
    if (!entry) return;
    entry.stale = false;
    const dropFrom = this.nodes.filter((peer) => peer !== node && drops(this.grudge, node, peer)).map((peer) => this.nodeHost(peer));
    if (dropFrom.join(',') !== entry.dropping) {
      for (const cmd of partitionCommands(dropFrom)) await execOk(entry.container, cmd);
      entry.dropping = dropFrom.join(',');
    }
    const shape = this.shapes.get(node);
    if (JSON.stringify(shape ?? null) !== entry.shaped) {
      if (entry.shaped !== 'null') for (const cmd of clearPacketCommands()) await execIn(entry.container, cmd); // nothing to clear is fine
      if (shape) for (const cmd of packetCommands(shape, await this.kernelTools())) await execOk(entry.container, cmd);
      entry.shaped = JSON.stringify(shape ?? null);
    }
  }

  /** Probes, once, which packet tools the kernel offers, inside a running container. */
  private kernelTools(): Promise<KernelPacketTools> {
    this.tools ??= (async () => {
      const entry = [...this.containers.values()].find((e) => e.running && !e.paused);
      if (!entry) throw new Error('cannot probe packet tools: no node container is running');
      const tools = { netem: false, tbf: false, statistic: false };
      for (const [tool, { probe, undo }] of Object.entries(PROBES) as [keyof KernelPacketTools, (typeof PROBES)[keyof KernelPacketTools]][]) {
        tools[tool] = (await execIn(entry.container, probe)).exitCode === 0;
        if (tools[tool]) await execIn(entry.container, undo);
      }
      return tools;
    })();
    this.tools.catch(() => (this.tools = undefined));
    return this.tools;
  }

  /** Saves what the container itself printed (faultline-run, docker-init) beside the node's log. */
  private async saveContainerLog(node: string, container: Docker.Container): Promise<void> {
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false }).catch(() => Buffer.alloc(0))) as unknown as Buffer;
    const text = demux(Buffer.from(raw));
    if (text.trim() !== '') writeFileSync(join(this.options.runDir, 'nodes', node, 'container.log'), text);
  }
}

function imageName(name: string): ImageName {
  if ((IMAGE_NAMES as readonly string[]).includes(name)) return name as ImageName;
  throw new Error(`no node image "${name}"; expected one of ${IMAGE_NAMES.filter((n) => n !== 'base').join(', ')} (docker/<name>)`);
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

/** 304/409: already in the wanted state (not running, not paused). */
function ignoreConflict(err: unknown): void {
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== 304 && status !== 409 && !isNotFound(err)) throw err;
}
