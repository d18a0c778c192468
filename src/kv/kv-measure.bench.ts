// Numbers for the bundled store on 5 local processes: how long raft takes to elect a new leader
// after the leader is SIGKILLed or isolated, and throughput and latency of every mode with no
// faults. A benchmark (`npm run bench:kv`, 5 trials); the figures in src/kv/README.md come from:
//   FAULTLINE_MEASURE_TRIALS=20 FAULTLINE_MEASURE_S=10 npm run bench:kv
import { afterEach, describe, expect, it } from 'vitest';
import type { KvClient, KvOp } from './client.js';
import { freePorts, LocalKvCluster, ProxyMesh, sleep } from '../../test-support/kv-test-cluster.js';
import type { ModeName } from './mode-ops.js';

const trials = Number(process.env.FAULTLINE_MEASURE_TRIALS ?? 5);
const durationMs = Number(process.env.FAULTLINE_MEASURE_S ?? 3) * 1000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Figures {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

/** Closed-loop load: `connections` clients over `targets`, each with `inFlight` ops outstanding. */
async function measure(cluster: LocalKvCluster, targets: string[], makeOp: (n: number) => KvOp, connections: number, inFlight: number, ms: number): Promise<Figures> {
  const clients: KvClient[] = [];
  for (let i = 0; i < connections; i++) clients.push(await cluster.client(targets[i % targets.length]!));
  const latencies: number[] = [];
  let failed = 0;
  let n = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          const r = await c.request(makeOp(n++), 5000).catch(() => undefined);
          if (r?.ok) latencies.push(performance.now() - started);
          else failed++;
        }
      }),
    ),
  );
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN).toFixed(1));
  return { opsPerSecond: Math.round(latencies.length / (ms / 1000)), p50Ms: at(0.5), p99Ms: at(0.99), failed };
}

function summary(times: number[]): { medianMs: number; maxMs: number; all: number[] } {
  const sorted = [...times].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor((sorted.length - 1) / 2)]!, maxMs: sorted.at(-1)!, all: times };
}

describe('raft elections (5 processes, election timeout 300-600 ms)', () => {
  it(`after the leader is SIGKILLed (${trials} trials)`, async () => {
    const cluster = await LocalKvCluster.start({ nodes: 5 });
    cleanups.push(() => cluster.stop());
    const times: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const leader = await cluster.waitForLeader(10_000);
      await sleep(500);
      await cluster.signal(leader, 'SIGKILL');
      const killedAt = performance.now();
      await cluster.waitForLeader(10_000, cluster.ids.filter((id) => id !== leader));
      times.push(Math.round(performance.now() - killedAt));
      cluster.spawn(leader);
      await sleep(1000);
    }
    console.log(`raft election after leader SIGKILL: ${JSON.stringify(summary(times))}`);
    expect(Math.max(...times)).toBeLessThan(3000);
  });

  it(`after the leader is isolated by a partition (${trials} trials)`, async () => {
    const ports = await freePorts(5);
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const mesh = await ProxyMesh.start(ids, (id) => ports[ids.indexOf(id)]!);
    const cluster = await LocalKvCluster.start({ nodes: 5, peerAddress: (from, to) => `127.0.0.1:${mesh.port(from, to)}` }, ports);
    cleanups.push(() => mesh.close(), () => cluster.stop());
    const times: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const leader = await cluster.waitForLeader(10_000);
      await sleep(500);
      const others = ids.filter((id) => id !== leader);
      mesh.partition([[leader], others]);
      const cutAt = performance.now();
      await cluster.waitForLeader(10_000, others);
      times.push(Math.round(performance.now() - cutAt));
      mesh.heal();
      await sleep(1500);
    }
    console.log(`raft election after leader isolation: ${JSON.stringify(summary(times))}`);
    expect(Math.max(...times)).toBeLessThan(3000);
  });
});

/** Each mode's write op and how to read it back. */
const modeOps: Record<ModeName, { args: string[]; write: (n: number) => KvOp }> = {
  raft: { args: [], write: (n) => ({ op: 'write', key: `k${n % 100}`, value: n }) },
  primary: { args: [], write: (n) => ({ op: 'write', key: `k${n % 100}`, value: n }) },
  quorum: { args: ['--replicas', '3', '--r', '2', '--w', '2'], write: (n) => ({ op: 'write', key: `k${n % 100}`, value: n }) },
  'quorum-vc': { args: ['--replicas', '3', '--r', '2', '--w', '2'], write: (n) => ({ op: 'write', key: `k${n % 100}`, value: n }) },
  crdt: { args: [], write: (n) => ({ op: 'counter-add', key: `k${n % 100}`, delta: 1 }) },
};

describe('throughput and latency per mode (5 processes, no faults, fsync always)', () => {
  it.each(Object.keys(modeOps) as ModeName[])('%s', async (mode) => {
    const cluster = await LocalKvCluster.start({ nodes: 5, args: ['--mode', mode, ...modeOps[mode].args] });
    cleanups.push(() => cluster.stop());
    if (mode === 'raft' || mode === 'primary') await cluster.waitForLeader(10_000);
    else await sleep(1500); // let every node connect to its peers
    // Clients on every node, as the harness places them; 16 connections x 4 ops in flight.
    const writes = await measure(cluster, cluster.ids, modeOps[mode].write, 16, 4, durationMs);
    const reads = await measure(cluster, cluster.ids, (n) => ({ op: 'read', key: `k${n % 100}` }), 16, 4, durationMs);
    const serial = await measure(cluster, [cluster.ids[0]!], modeOps[mode].write, 1, 1, Math.min(durationMs, 3000));
    console.log(`${mode}: writes ${JSON.stringify(writes)}; reads ${JSON.stringify(reads)}; one client serial writes ${JSON.stringify(serial)}`);
    expect(writes.opsPerSecond).toBeGreaterThan(50);
  });

  it.each(['always', 'never'] as const)('raft writes through the leader with --fsync %s', async (fsync) => {
    const cluster = await LocalKvCluster.start({ nodes: 5, args: ['--fsync', fsync] });
    cleanups.push(() => cluster.stop());
    const leader = await cluster.waitForLeader(10_000);
    const viaLeader = await measure(cluster, [leader], modeOps.raft.write, 8, 8, durationMs);
    console.log(`raft fsync ${fsync}: via leader ${JSON.stringify(viaLeader)}`);
    expect(viaLeader.opsPerSecond).toBeGreaterThan(100);
  });
});
