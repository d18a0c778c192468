// Fast multi-process tests of the non-raft modes: three real nodes per mode on 127.0.0.1. Each mode
// serves its ops, refuses the ones it has not, survives a SIGKILL and recovers from its WAL.
import { afterEach, describe, expect, it } from 'vitest';
import type { KvClient, KvOp, KvResponse } from './client.js';
import { ask, CLUSTER_DEADLINE_MS, connectWhenUp, LocalKvCluster, sleep } from '../../test-support/kv-test-cluster.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function start(args: string[]): Promise<LocalKvCluster> {
  const cluster = await LocalKvCluster.start({ nodes: 3, args: ['--heartbeat-ms', '20', '--anti-entropy-ms', '100', ...args] });
  cleanups.push(() => cluster.stop(process.env.KEEP_KV_LOGS === '1'));
  return cluster;
}

async function clientOf(cluster: LocalKvCluster, id: string): Promise<KvClient> {
  const c = await connectWhenUp(cluster, id);
  cleanups.push(() => c.close());
  return c;
}

/** Asks until `accept` holds (replication and repair are asynchronous). */
async function eventually(c: () => Promise<KvClient>, op: KvOp, accept: (r: KvResponse) => boolean, timeoutMs = CLUSTER_DEADLINE_MS): Promise<KvResponse> {
  const deadline = Date.now() + timeoutMs;
  let last: KvResponse | undefined;
  while (Date.now() < deadline) {
    last = await c().then((client) => ask(client, op)).catch(() => undefined);
    if (last && accept(last)) return last;
    await sleep(50);
  }
  throw new Error(`${JSON.stringify(op)}: last answer ${JSON.stringify(last)} did not satisfy the test within ${timeoutMs} ms`);
}

describe('primary mode', () => {
  it('elects a primary, forwards writes, fails over after a SIGKILL and keeps what it replicated', async () => {
    // Failover after 1-1.5 s of silence: on a loaded machine (load 15 on 2 cores) heartbeats were
    // late by more than 500 ms, and the restarted old primary won a later election instead of rejoining.
    const cluster = await start(['--mode', 'primary', '--failover-timeout-ms', '1000-1500']);
    const primary = await cluster.waitForLeader();
    const replica = await cluster.followerOf(primary);
    const c = await clientOf(cluster, replica);
    expect(await ask(c, { op: 'write', key: 'k', value: 1 })).toEqual({ ok: true });
    expect(await ask(c, { op: 'cas', key: 'k', from: 1, to: 2 })).toEqual({ ok: true });
    expect(await ask(c, { op: 'cas', key: 'k', from: 1, to: 3 })).toMatchObject({ ok: false, error: 'cas-mismatch', definite: true });
    expect(await ask(c, { op: 'set-add', key: 's', element: 'a' })).toEqual({ ok: true });
    expect(await ask(c, { op: 'counter-add', key: 'c', delta: 5 })).toEqual({ ok: true });
    expect(await ask(c, { op: 'read', key: 'k' })).toEqual({ ok: true, value: 2 });
    expect(await ask(c, { op: 'status' })).toMatchObject({ mode: 'primary', role: 'replica', leader: primary });
    // Wait until every replica has the writes, then kill the primary.
    for (const id of cluster.ids) await eventually(() => clientOf(cluster, id), { op: 'status' }, (s) => 'appliedIndex' in s && s.appliedIndex >= 4);
    await cluster.signal(primary, 'SIGKILL');
    const next = await cluster.waitForLeader(CLUSTER_DEADLINE_MS, cluster.ids.filter((id) => id !== primary));
    expect(next).not.toBe(primary);
    const c2 = await clientOf(cluster, next);
    expect(await ask(c2, { op: 'read', key: 's' })).toEqual({ ok: true, value: ['a'] });
    expect(await ask(c2, { op: 'read', key: 'c' })).toEqual({ ok: true, value: 5 });
    cluster.spawn(primary);
    await eventually(() => clientOf(cluster, primary), { op: 'status' }, (s) => 'role' in s && s.role === 'replica' && s.leader === next);
    expect(cluster.log(next)).toContain('"event":"failover"');
  }, 120_000);
});

describe('quorum mode', () => {
  it('reads and writes through any node, refuses cas, and repairs a restarted replica by anti-entropy', async () => {
    const cluster = await start(['--mode', 'quorum', '--replicas', '3', '--r', '1', '--w', '2']);
    const [a, b, dead] = cluster.ids as [string, string, string];
    const ca = await clientOf(cluster, a);
    for (const id of cluster.ids) await eventually(() => clientOf(cluster, id), { op: 'status' }, (s) => (s as { connected?: string[] }).connected?.length === 2);
    expect(await ask(ca, { op: 'write', key: 'k', value: 'v1' })).toEqual({ ok: true });
    expect(await ask(await clientOf(cluster, b), { op: 'read', key: 'k' })).toEqual({ ok: true, value: 'v1' });
    expect(await ask(ca, { op: 'cas', key: 'k', from: 'v1', to: 'v2' })).toMatchObject({ ok: false, error: 'unsupported', definite: true });
    expect(await ask(ca, { op: 'set-add', key: 's', element: 1 })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'set-add', key: 's', element: 2 })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'counter-add', key: 'c', delta: 3 })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'read', key: 's' })).toEqual({ ok: true, value: [1, 2] });
    await cluster.signal(dead, 'SIGKILL');
    expect(await ask(ca, { op: 'write', key: 'k', value: 'v2' })).toEqual({ ok: true });
    cluster.spawn(dead);
    // R=1 at the restarted node answers from its own replica first: it has v2 once repaired.
    await eventually(() => clientOf(cluster, dead), { op: 'read', key: 'k' }, (r) => r.ok && 'value' in r && r.value === 'v2');
    expect(await ask(await clientOf(cluster, dead), { op: 'read', key: 'c' })).toEqual({ ok: true, value: 3 });
  }, 120_000);
});

describe('quorum-vc mode', () => {
  it('keeps concurrent writes as siblings until a write with their context supersedes them', async () => {
    const cluster = await start(['--mode', 'quorum-vc']);
    const [a, b] = cluster.ids as [string, string];
    const ca = await clientOf(cluster, a);
    const cb = await clientOf(cluster, b);
    for (const id of cluster.ids) await eventually(() => clientOf(cluster, id), { op: 'status' }, (s) => (s as { connected?: string[] }).connected?.length === 2);
    expect(await ask(ca, { op: 'write', key: 'k', value: 'x' })).toEqual({ ok: true });
    expect(await ask(cb, { op: 'write', key: 'k', value: 'y' })).toEqual({ ok: true });
    const read = (await ask(ca, { op: 'read', key: 'k' })) as { siblings: string[]; context: string; value?: unknown };
    expect([...read.siblings].sort()).toEqual(['x', 'y']);
    expect(read.value).toBeUndefined();
    expect(await ask(cb, { op: 'write', key: 'k', value: 'z', context: read.context })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'read', key: 'k' })).toMatchObject({ ok: true, value: 'z', siblings: ['z'] });
    expect(await ask(ca, { op: 'write', key: 'k', value: 1, context: 'garbage!' })).toMatchObject({ ok: false, error: 'bad-request' });
    expect(await ask(ca, { op: 'set-add', key: 's', element: 'e1' })).toEqual({ ok: true });
    expect(await ask(cb, { op: 'read', key: 's' })).toMatchObject({ ok: true, value: ['e1'] });
  }, 120_000);
});

describe('crdt mode', () => {
  it('counts and sets on every node alone, converges, and survives a SIGKILL', async () => {
    const cluster = await start(['--mode', 'crdt']);
    const [a, b, c] = cluster.ids as [string, string, string];
    const ca = await clientOf(cluster, a);
    const cb = await clientOf(cluster, b);
    expect(await ask(ca, { op: 'counter-add', key: 'n', delta: 2 })).toEqual({ ok: true });
    expect(await ask(cb, { op: 'counter-add', key: 'n', delta: -5 })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'counter-add', key: 'g', delta: 1, type: 'g-counter' })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'counter-add', key: 'g', delta: -1 })).toMatchObject({ ok: false, error: 'wrong-type' });
    expect(await ask(ca, { op: 'set-add', key: 's', element: 'x' })).toEqual({ ok: true });
    expect(await ask(cb, { op: 'set-add', key: 's', element: 'y' })).toEqual({ ok: true });
    await eventually(() => clientOf(cluster, b), { op: 'read', key: 's' }, (r) => JSON.stringify((r as { value?: unknown }).value) === '["x","y"]');
    expect(await ask(cb, { op: 'set-remove', key: 's', element: 'x' })).toEqual({ ok: true });
    expect(await ask(ca, { op: 'write', key: 'k', value: 1 })).toMatchObject({ ok: false, error: 'unsupported', definite: true });
    await cluster.signal(c, 'SIGKILL');
    expect(await ask(ca, { op: 'counter-add', key: 'n', delta: 10 })).toEqual({ ok: true });
    cluster.spawn(c);
    await eventually(() => clientOf(cluster, c), { op: 'read', key: 'n' }, (r) => (r as { value?: unknown }).value === 7);
    await eventually(() => clientOf(cluster, c), { op: 'read', key: 's' }, (r) => JSON.stringify((r as { value?: unknown }).value) === '["y"]');
  }, 120_000);
});
