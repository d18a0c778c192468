// Test support: a cluster of nats-server processes through faultline's local runtime (its proxies
// carry the routes), the prototype adapter on it, and each node's client address.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DbContext } from 'faultline/dist/src/db/db.js';
import { LocalRuntime } from 'faultline/dist/src/runtime/local.js';
import { natsDb, type NatsOptions } from './nats-db.js';

export interface LocalCluster {
  runtime: LocalRuntime;
  ctx: DbContext;
  db: ReturnType<typeof natsDb>;
  /** A node's client address, host:port, as its /varz reports it. */
  clientServer(node: string): string;
  /** Milliseconds from spawning until /healthz?js-enabled-only=true answered 200 on every node. */
  healthzMs: number;
  /** The plain /healthz status of each node at that moment. */
  plainHealthz: number[];
  /** Milliseconds from spawning until awaitReady returned. */
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts `nodes` and waits until the bucket exists and every node reads it. */
export async function startLocalCluster(nodes: string[], options: Partial<NatsOptions> = {}, opTimeoutMs = 3000): Promise<LocalCluster> {
  const root = mkdtempSync(join(tmpdir(), 'faultline-nats-'));
  const runtime = new LocalRuntime(nodes);
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
  const ports = new Map<string, number>();
  const stop = async () => {
    await runtime.teardown();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await runtime.setup();
    const start = Date.now();
    await Promise.all(nodes.map((node) => db.start(node, ctx)));
    for (const node of nodes) {
      const varz = await untilOk(async () => (await (await fetch(`${db.monitorUrl(node, ctx)}/varz`)).json()) as { port: number }, 10_000);
      ports.set(node, varz.port);
    }
    // /healthz?js-enabled-only=true: JetStream is on (not that it has a meta leader or the bucket).
    await Promise.all(nodes.map((node) => untilOk(async () => {
      const response = await fetch(`${db.monitorUrl(node, ctx)}/healthz?js-enabled-only=true`);
      if (!response.ok) throw new Error(`healthz ${response.status}`);
    }, 20_000)));
    const healthzMs = Date.now() - start;
    const plainHealthz = await Promise.all(nodes.map(async (node) => (await fetch(`${db.monitorUrl(node, ctx)}/healthz`)).status));
    await db.awaitReady(nodes, ctx, 30_000);
    const readyMs = Date.now() - start;
    return { runtime, ctx, db, clientServer: (node) => `127.0.0.1:${ports.get(node)}`, healthzMs, plainHealthz, readyMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Retries `op` every 100 ms until it resolves or `limitMs` has passed. */
export async function untilOk<T>(op: () => Promise<T>, limitMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() - start > limitMs) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
