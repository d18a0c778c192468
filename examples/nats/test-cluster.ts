// Test support: nats-server processes on loopback through a minimal Runtime of our own (faultline's
// runtimes are not public): each node gets one held port for its cluster listener, routes go
// straight to the peers' ports (no proxies, so no partitions), and kill is SIGKILL.
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdNodePort, type Address, type DbContext, type NodeFaultOutcome, type ProcessSpec, type Runtime } from 'faultline';
import { natsDb, type NatsOptions } from './nats.ts';

export interface TestCluster {
  ctx: DbContext;
  db: ReturnType<typeof natsDb>;
  /** Milliseconds from spawning until awaitReady returned. */
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts `nodes` with the adapter and waits until every node reads the bucket. */
export async function startTestCluster(nodes: string[], options: NatsOptions, opTimeoutMs = 3000): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'faultline-nats-'));
  const runtime = await processRuntime(nodes);
  const ctx: DbContext = {
    runtime,
    nodeDir: (node) => {
      const dir = join(root, node);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    test: { seed: 1, opTimeoutMs },
  };
  const db = natsDb(options);
  const stop = async () => {
    await runtime.teardown();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const start = Date.now();
    await Promise.all(nodes.map((node) => db.start(node, ctx)));
    await db.awaitReady(nodes, ctx, 30_000);
    return { ctx, db, readyMs: Date.now() - start, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Child processes on 127.0.0.1, one cluster port each. */
async function processRuntime(nodes: readonly string[]): Promise<Runtime> {
  const ports = new Map<string, number>();
  for (const node of nodes) {
    const held = await holdNodePort();
    await held.release();
    ports.set(node, held.port);
  }
  const children = new Map<string, ChildProcess>();
  const address = (node: string): Address => ({ host: '127.0.0.1', port: ports.get(node)! });
  const alive = (node: string) => {
    const child = children.get(node);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const kill = async (node: string): Promise<NodeFaultOutcome> => {
    const child = children.get(node);
    if (!child || !alive(node)) return 'not running';
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    return 'done';
  };
  const unsupported = async (): Promise<never> => {
    throw new Error('the test runtime has no pause or partitions; faultline test runs them');
  };
  return {
    name: 'test-processes',
    nodes,
    async setup() {},
    listenAddress: address,
    peerAddress: (_from, to) => address(to),
    clientAddress: address,
    async spawn(node: string, spec: ProcessSpec, logPath: string) {
      const log = openSync(logPath, 'a');
      children.set(node, spawnProcess(spec.command, spec.args, { stdio: ['ignore', log, log], env: { ...process.env, ...spec.env } }));
    },
    isRunning: alive,
    kill,
    pause: unsupported,
    resume: unsupported,
    partition: unsupported,
    heal: async () => ({}),
    async teardown() {
      await Promise.all(nodes.map(kill));
    },
  };
}
