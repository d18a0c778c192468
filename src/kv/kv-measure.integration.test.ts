// Rough numbers for the bundled store's raft mode on 5 local processes: how long an election takes
// after the leader is SIGKILLed, and write throughput (through the leader and through followers).
import { afterEach, describe, expect, it } from 'vitest';
import type { KvClient } from './client.js';
import { LocalKvCluster, sleep } from './kv-test-cluster.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function measureWrites(cluster: LocalKvCluster, targets: string[], connections: number, inFlightPerConnection: number, durationMs: number): Promise<{ perSecond: number; p50Ms: number; p99Ms: number; failed: number }> {
  const clients: KvClient[] = [];
  for (let i = 0; i < connections; i++) clients.push(await cluster.client(targets[i % targets.length]!));
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + durationMs;
  let n = 0;
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: inFlightPerConnection }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          const r = await c.request({ op: 'write', key: `k${n % 100}`, value: n++ }, 5000).catch(() => undefined);
          if (r?.ok) latencies.push(performance.now() - started);
          else failed++;
        }
      }),
    ),
  );
  for (const c of clients) c.close();
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round(latencies.length / (durationMs / 1000)),
    p50Ms: Number(latencies[Math.floor(latencies.length * 0.5)]!.toFixed(1)),
    p99Ms: Number(latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)),
    failed,
  };
}

describe('raft mode measurements (5 processes)', () => {
  it('election time after SIGKILL of the leader', async () => {
    const cluster = await LocalKvCluster.start({ nodes: 5 });
    cleanups.push(() => cluster.stop());
    const times: number[] = [];
    for (let trial = 0; trial < 6; trial++) {
      const leader = await cluster.waitForLeader(10_000);
      await sleep(500);
      await cluster.signal(leader, 'SIGKILL');
      const killedAt = performance.now();
      await cluster.waitForLeader(10_000, cluster.ids.filter((id) => id !== leader));
      times.push(Math.round(performance.now() - killedAt));
      cluster.spawn(leader);
      await sleep(1000);
    }
    console.log(`election after leader SIGKILL (election timeout 300-600 ms): ${times.join(', ')} ms`);
    expect(Math.max(...times)).toBeLessThan(3000);
  });

  it.each(['always', 'never'] as const)('write throughput with --fsync %s', async (fsync) => {
    const cluster = await LocalKvCluster.start({ nodes: 5, args: ['--fsync', fsync] });
    cleanups.push(() => cluster.stop());
    const leader = await cluster.waitForLeader(10_000);
    const followers = cluster.ids.filter((id) => id !== leader);
    const viaLeader = await measureWrites(cluster, [leader], 8, 8, 5000);
    const viaFollowers = await measureWrites(cluster, followers, 8, 8, 5000);
    const serial = await measureWrites(cluster, [leader], 1, 1, 3000);
    console.log(`fsync ${fsync}: via leader ${JSON.stringify(viaLeader)}; via followers ${JSON.stringify(viaFollowers)}; one client serial ${JSON.stringify(serial)}`);
    expect(viaLeader.perSecond).toBeGreaterThan(100);
  });
});
