// Test support: runs a cluster of real bundled-store processes on 127.0.0.1 with direct addresses.
// It transpiles src/kv into a cache directory first, so tests need neither a fresh dist/ nor a
// type-clean tree elsewhere. Used by the multi-process tests only; the server never imports it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvClient } from '../src/kv/client.js';
import type { KvOp, KvResponse, KvStatusResponse } from '../src/kv/protocol.js';
import { holdNodePort } from '../src/runtime/node-ports.js';

/**
 * How long a test waits for a cluster condition: a leader, a node up, a replica caught up. Sized
 * for a loaded 2-core machine, where starting a node process alone can take seconds; waits poll,
 * so a healthy cluster meets each condition in well under a second and never waits this long.
 */
export const CLUSTER_DEADLINE_MS = 20_000;

/** How long a test waits for one request's reply, for the same machine. */
export const REPLY_DEADLINE_MS = 10_000;

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const KV_SRC = join(REPO, 'src', 'kv');

/** Transpiles src/kv (minus tests) to JS once per source version; returns the path of main.js. */
export async function buildKvForTests(): Promise<string> {
  const files = listSources(KV_SRC);
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(f));
  const out = join(REPO, 'node_modules', '.cache', 'faultline-kv', hash.digest('hex').slice(0, 16));
  const main = join(out, 'src', 'kv', 'main.js');
  if (existsSync(main)) return main;
  const ts = (await import('typescript')).default;
  const staging = `${out}.${process.pid}.tmp`;
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
      fileName: file,
    }).outputText;
    const target = join(staging, relative(REPO, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  // Inside node_modules the repo's package.json is not consulted, so declare ESM here.
  writeFileSync(join(staging, 'package.json'), '{"type":"module"}\n');
  try {
    renameSync(staging, out);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run built it first
  }
  return main;
}

function listSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSources(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

/** Finds `count` free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  // From below the ephemeral range, as the local runtime's nodes: a restarted node finds its port free.
  const held = await Promise.all(Array.from({ length: count }, () => holdNodePort()));
  await Promise.all(held.map((h) => h.release()));
  return held.map((h) => h.port);
}

export interface TestClusterOptions {
  nodes: number;
  /** Extra flags for every node, e.g. ['--read-mode', 'lease']. */
  args?: string[];
  /** Per-node address overrides for --peers: (from, to) => "host:port" (e.g. through a proxy). */
  peerAddress?: (from: string, to: string, port: number) => string;
}

interface TestNode {
  id: string;
  port: number;
  dataDir: string;
  logPath: string;
  proc: ChildProcess | null;
}

/** A cluster of local node processes with their own data directories and log files. */
export class LocalKvCluster {
  readonly ids: string[];
  private readonly nodes = new Map<string, TestNode>();

  private constructor(
    private readonly main: string,
    readonly dir: string,
    private readonly opts: TestClusterOptions,
    ports: number[],
  ) {
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    this.ids.forEach((id, i) => {
      this.nodes.set(id, { id, port: ports[i]!, dataDir: join(dir, id, 'data'), logPath: join(dir, id, 'kv.log'), proc: null });
    });
  }

  /** Starts every node; `ports` fixes their listen ports (e.g. chosen before building a proxy mesh). */
  static async start(opts: TestClusterOptions, ports?: number[]): Promise<LocalKvCluster> {
    const main = await buildKvForTests();
    const dir = join(tmpdir(), `faultline-kv-${process.pid}-${Date.now()}`);
    const cluster = new LocalKvCluster(main, dir, opts, ports ?? (await freePorts(opts.nodes)));
    for (const id of cluster.ids) cluster.spawn(id);
    return cluster;
  }

  port(id: string): number {
    return this.node(id).port;
  }

  /** The flags a node is started with. */
  argv(id: string): string[] {
    const node = this.node(id);
    const peers = this.ids
      .filter((p) => p !== id)
      .map((p) => `${p}=${this.opts.peerAddress?.(id, p, this.node(p).port) ?? `127.0.0.1:${this.node(p).port}`}`)
      .join(',');
    const seed = String(this.ids.indexOf(id) + 1);
    return ['--id', id, '--listen', `127.0.0.1:${node.port}`, '--peers', peers, '--data-dir', node.dataDir, '--seed', seed, ...(this.opts.args ?? [])];
  }

  spawn(id: string): void {
    const node = this.node(id);
    if (node.proc) throw new Error(`test cluster: ${id} is already running (pid ${node.proc.pid})`);
    mkdirSync(dirname(node.logPath), { recursive: true });
    const logFd = openSync(node.logPath, 'a');
    const proc = spawn(process.execPath, [this.main, ...this.argv(id)], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    node.proc = proc;
    proc.on('exit', () => {
      if (node.proc === proc) node.proc = null;
    });
  }

  /** Sends a signal; for SIGKILL/SIGTERM waits until the process has exited. */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const proc = this.node(id).proc;
    if (!proc) return;
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM') {
      proc.kill(signal);
      return;
    }
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  }

  isRunning(id: string): boolean {
    return this.node(id).proc !== null;
  }

  async client(id: string): Promise<KvClient> {
    return KvClient.connect({ host: '127.0.0.1', port: this.node(id).port, connectTimeoutMs: 1000 });
  }

  /** Asks one node for its status; undefined when it does not answer. */
  async status(id: string): Promise<KvStatusResponse | undefined> {
    try {
      const c = await this.client(id);
      try {
        const r = await c.request({ op: 'status' }, 1000);
        return r.ok && 'role' in r ? r : undefined;
      } finally {
        c.close();
      }
    } catch {
      return undefined;
    }
  }

  /** Waits until a majority of the given nodes agree on one leader (raft) or primary that is itself one. */
  async waitForLeader(timeoutMs = CLUSTER_DEADLINE_MS, among = this.ids.filter((id) => this.isRunning(id))): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const statuses = (await Promise.all(among.map((id) => this.status(id)))).filter((s) => s !== undefined);
      const leader = statuses.find((s) => s.role === 'leader' || s.role === 'primary');
      if (leader && statuses.filter((s) => s.leader === leader.node && s.term === leader.term).length > this.ids.length / 2) {
        return leader.node;
      }
      await sleep(20);
    }
    const tails = among.map((id) => `--- ${id}\n${this.log(id).split('\n').slice(-5).join('\n')}`).join('\n');
    throw new Error(`test cluster: no leader among ${among.join(', ')} within ${timeoutMs} ms; logs in ${this.dir}\n${tails}`);
  }

  /**
   * A running node other than `leader` that names it as its leader, waiting until one does:
   * waitForLeader needs only a majority to know, and a node that started late may not yet.
   */
  async followerOf(leader: string, timeoutMs = CLUSTER_DEADLINE_MS): Promise<string> {
    let found: string | undefined;
    await waitUntil(async () => {
      for (const id of this.ids) {
        if (id === leader || !this.isRunning(id) || (await this.status(id))?.leader !== leader) continue;
        found = id;
        return true;
      }
      return false;
    }, `a node other than ${leader} names it as its leader`, timeoutMs);
    return found as string;
  }

  log(id: string): string {
    const path = this.node(id).logPath;
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** Kills every process; removes the directory unless `keep`. */
  async stop(keep = false): Promise<void> {
    await Promise.all(this.ids.map((id) => this.signal(id, 'SIGKILL')));
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  private node(id: string): TestNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`test cluster: no node "${id}"; nodes are ${this.ids.join(', ')}`);
    return node;
  }
}

/** A client of node `id`, retrying while the node is still starting, for up to `timeoutMs`. */
export async function connectWhenUp(cluster: LocalKvCluster, id: string, timeoutMs = CLUSTER_DEADLINE_MS): Promise<KvClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await cluster.client(id);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`test cluster: cannot connect to ${id} within ${timeoutMs} ms: ${(err as Error).message}`);
      await sleep(50);
    }
  }
}

/** Polls `check` until it holds; throws naming `what` once `timeoutMs` has passed. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = CLUSTER_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`test cluster: timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(50);
  }
}

/** Sends one op and returns the response without its id, for exact comparisons. */
export async function ask(c: KvClient, op: KvOp, timeoutMs = REPLY_DEADLINE_MS): Promise<KvResponse> {
  const { id: _id, ...rest } = (await c.request(op, timeoutMs)) as KvResponse & { id: unknown };
  return rest as KvResponse;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A TCP proxy for one directed link. `blocked` makes it discard bytes both ways without closing
 * anything (a blackhole partition: connections hang, nothing is reset).
 */
export class LinkProxy {
  blocked = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<LinkProxy> {
    let proxy: LinkProxy | undefined;
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      for (const s of [client, upstream]) {
        proxy!.sockets.add(s);
        s.on('close', () => proxy!.sockets.delete(s));
        s.on('error', () => {});
      }
      client.on('data', (d) => {
        if (!proxy!.blocked) upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (!proxy!.blocked) client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new LinkProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

/** One proxy per directed link between cluster nodes, for partitions as grudges. */
export class ProxyMesh {
  private constructor(private readonly links: Map<string, LinkProxy>) {}

  /** Creates proxies for every ordered pair; `portOf(to)` is the real port of the target node. */
  static async start(ids: string[], portOf: (id: string) => number): Promise<ProxyMesh> {
    const links = new Map<string, LinkProxy>();
    for (const from of ids) {
      for (const to of ids) {
        if (from !== to) links.set(`${from}>${to}`, await LinkProxy.start(portOf(to)));
      }
    }
    return new ProxyMesh(links);
  }

  port(from: string, to: string): number {
    return this.link(from, to).port;
  }

  /** Blocks every link between nodes of different groups, both ways; heals all others. */
  partition(groups: string[][]): void {
    for (const [key, proxy] of this.links) {
      const [from, to] = key.split('>') as [string, string];
      proxy.blocked = groups.findIndex((g) => g.includes(from)) !== groups.findIndex((g) => g.includes(to));
    }
  }

  heal(): void {
    for (const proxy of this.links.values()) proxy.blocked = false;
  }

  close(): void {
    for (const proxy of this.links.values()) proxy.close();
  }

  private link(from: string, to: string): LinkProxy {
    const link = this.links.get(`${from}>${to}`);
    if (!link) throw new Error(`proxy mesh: no link ${from}>${to}`);
    return link;
  }
}
