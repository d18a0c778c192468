// Multi-process chaos: five real nodes behind a blackhole proxy mesh, clients doing read and
// cas-increment on one register while a nemesis partitions, SIGKILLs and SIGSTOPs nodes.
//
// Checks that are sound for a register that only ever moves v -> v+1 by cas:
//  - no two acknowledged cas share the same `from` (each step happens once: no lost updates);
//  - a read that starts after an acknowledged cas from v completes sees at least v+1;
//  - a read that starts after another read completes sees at least that value;
//  - the final value lies between #ok cas and #ok + #indefinite cas.
import { afterEach, describe, expect, it } from 'vitest';
import { KvClient, KvClientError } from './client.js';
import { freePorts, LocalKvCluster, ProxyMesh, sleep } from '../../test-support/kv-test-cluster.js';
import { createPrng, type Prng } from './prng.js';

interface Completed {
  f: 'read' | 'cas';
  from?: number;
  type: 'ok' | 'fail' | 'info';
  value?: number;
  error?: string;
  invokeMs: number;
  completeMs: number;
}

const KEY = 'r';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function runChaos(readMode: 'quorum' | 'lease' | 'local', seed: number, durationMs: number): Promise<Completed[]> {
  const random = createPrng(seed);
  const ports = await freePorts(5);
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const mesh = await ProxyMesh.start(ids, (id) => ports[ids.indexOf(id)]!);
  const cluster = await LocalKvCluster.start(
    { nodes: 5, args: ['--read-mode', readMode, '--request-timeout-ms', '2000'], peerAddress: (from, to) => `127.0.0.1:${mesh.port(from, to)}` },
    ports,
  );
  cleanups.push(() => mesh.close(), () => cluster.stop(process.env.KEEP_KV_LOGS === '1'));
  await cluster.waitForLeader(10_000);

  const history: Completed[] = [];
  const deadline = performance.now() + durationMs;
  const workers = Array.from({ length: 8 }, (_, w) => runWorker(cluster, ids, w, deadline, history, createPrng(seed * 100 + w)));
  const nemesis = runNemesis(cluster, mesh, ids, deadline, random);
  await Promise.all([...workers, nemesis]);

  // Heal everything, then a final read through the leader.
  mesh.heal();
  for (const id of ids) {
    if (cluster.isRunning(id)) await cluster.signal(id, 'SIGCONT');
    else cluster.spawn(id);
  }
  const leader = await cluster.waitForLeader(15_000);
  const client = await cluster.client(leader);
  let final: number | undefined;
  for (let i = 0; i < 20 && final === undefined; i++) {
    const invokeMs = performance.now();
    const r = await client.request({ op: 'read', key: KEY }, 3000).catch(() => undefined);
    if (r?.ok && 'value' in r) {
      final = (r.value as number | null) ?? 0;
      history.push({ f: 'read', type: 'ok', value: final, invokeMs, completeMs: performance.now() });
    } else {
      await sleep(200);
    }
  }
  client.close();
  expect(final, 'final read').toBeDefined();
  for (const id of ids) expect(cluster.log(id), `${id} log has a fatal line`).not.toContain('"level":60');
  return history;
}

async function runWorker(cluster: LocalKvCluster, ids: string[], w: number, deadline: number, history: Completed[], random: Prng): Promise<void> {
  let client: KvClient | undefined;
  let last = 0;
  while (performance.now() < deadline) {
    if (!client) {
      client = await cluster.client(ids[random.int(0, ids.length - 1)]!).catch(() => undefined);
      if (!client) {
        await sleep(50);
        continue;
      }
    }
    const f: Completed['f'] = random.next() < 0.5 ? 'read' : 'cas';
    const invokeMs = performance.now();
    try {
      const r = await client.request(f === 'read' ? { op: 'read', key: KEY } : { op: 'cas', key: KEY, from: last === 0 ? null : last, to: last + 1 }, 2500);
      const base = { f, invokeMs, completeMs: performance.now(), ...(f === 'cas' ? { from: last } : {}) };
      if (r.ok) {
        if (f === 'read') last = ((r as { value?: number | null }).value ?? 0) as number;
        else last += 1;
        history.push({ ...base, type: 'ok', ...(f === 'read' ? { value: last } : {}) });
      } else {
        history.push({ ...base, type: r.definite ? 'fail' : 'info', error: r.error });
        if (r.error === 'no-leader' || r.error === 'not-leader') await sleep(50);
      }
    } catch (err) {
      const definite = err instanceof KvClientError && err.definite;
      history.push({ f, invokeMs, completeMs: performance.now(), type: definite ? 'fail' : 'info', error: (err as Error).message, ...(f === 'cas' ? { from: last } : {}) });
      client.close();
      client = undefined;
    }
  }
  client?.close();
}

async function runNemesis(cluster: LocalKvCluster, mesh: ProxyMesh, ids: string[], deadline: number, random: Prng): Promise<void> {
  while (performance.now() < deadline - 3000) {
    await sleep(random.int(500, 1500));
    const shuffled = [...ids].sort(() => random.next() - 0.5);
    const victim = shuffled[0]!;
    switch (random.int(0, 3)) {
      case 0: // majority/minority partition
        mesh.partition([shuffled.slice(0, 2), shuffled.slice(2)]);
        await sleep(random.int(1000, 3000));
        mesh.heal();
        break;
      case 1: // a bridge-less split of one node from all others
        mesh.partition([[victim], shuffled.slice(1)]);
        await sleep(random.int(1000, 3000));
        mesh.heal();
        break;
      case 2:
        await cluster.signal(victim, 'SIGKILL');
        await sleep(random.int(300, 1500));
        cluster.spawn(victim);
        break;
      case 3:
        await cluster.signal(victim, 'SIGSTOP');
        await sleep(random.int(500, 2500));
        await cluster.signal(victim, 'SIGCONT');
        break;
    }
  }
}

/** The register checks from the header; returns human-readable violations. */
function checkRegister(history: Completed[]): string[] {
  const problems: string[] = [];
  const okCas = history.filter((h) => h.f === 'cas' && h.type === 'ok');
  const infoCas = history.filter((h) => h.f === 'cas' && h.type === 'info');
  const okReads = history.filter((h) => h.f === 'read' && h.type === 'ok');
  const seen = new Map<number, Completed>();
  for (const c of okCas) {
    if (seen.has(c.from!)) problems.push(`two acknowledged cas from ${c.from}`);
    seen.set(c.from!, c);
  }
  // Sweep reads by start time against everything completed before it (cas by end, reads by end).
  const byEnd = [...okCas.map((c) => ({ at: c.completeMs, floor: c.from! + 1, what: `cas ${c.from}->${c.from! + 1}` })),
    ...okReads.map((r) => ({ at: r.completeMs, floor: r.value!, what: `read of ${r.value}` }))].sort((a, b) => a.at - b.at);
  let i = 0;
  let max = { floor: 0, what: 'nothing', at: 0 };
  for (const r of [...okReads].sort((a, b) => a.invokeMs - b.invokeMs)) {
    for (; i < byEnd.length && byEnd[i]!.at < r.invokeMs; i++) if (byEnd[i]!.floor > max.floor) max = byEnd[i]!;
    if (r.value! < max.floor) {
      problems.push(`stale read ${r.value} started at ${r.invokeMs.toFixed(0)} ms after ${max.what} completed at ${max.at.toFixed(0)} ms`);
    }
  }
  const final = okReads.at(-1)!.value!;
  if (final < okCas.length || final > okCas.length + infoCas.length) {
    problems.push(`final value ${final} outside [${okCas.length}, ${okCas.length + infoCas.length}] (ok cas, ok + indefinite cas)`);
  }
  return problems.slice(0, 10);
}

function summarize(history: Completed[]): string {
  const count = (f: string, t: string): number => history.filter((h) => h.f === f && h.type === t).length;
  const errors = new Map<string, number>();
  for (const h of history) if (h.error) errors.set(h.error.replace(/\d+/g, '#').slice(0, 60), (errors.get(h.error.replace(/\d+/g, '#').slice(0, 60)) ?? 0) + 1);
  return `cas ok/fail/info ${count('cas', 'ok')}/${count('cas', 'fail')}/${count('cas', 'info')}, read ok/fail/info ${count('read', 'ok')}/${count('read', 'fail')}/${count('read', 'info')}; errors ${JSON.stringify(Object.fromEntries(errors))}`;
}

describe('raft cluster under partitions, kills and pauses', () => {
  it.each([
    ['quorum', 1],
    ['lease', 2],
  ] as const)('read mode %s (seed %d) stays linearizable on a cas register', async (readMode, seed) => {
    const history = await runChaos(readMode, seed, 20_000);
    console.log(`${readMode}: ${summarize(history)}`);
    expect(checkRegister(history)).toEqual([]);
    expect(history.filter((h) => h.f === 'cas' && h.type === 'ok').length).toBeGreaterThan(20);
  });

  it('read mode local serves stale reads (the checks catch them) but writes stay safe', async () => {
    const history = await runChaos('local', 3, 20_000);
    const problems = checkRegister(history);
    console.log(`local: ${summarize(history)}; first problems: ${JSON.stringify(problems.slice(0, 3))}`);
    expect(problems.every((p) => p.startsWith('stale read'))).toBe(true);
  });
});
