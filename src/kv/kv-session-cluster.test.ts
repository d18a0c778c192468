// Session tokens on real clusters: three nodes behind a blackhole proxy mesh, one of them cut off.
// A write through the majority, then a read on the isolated node: without a token it serves the old
// value (read-your-writes broken, as these modes allow); with the writer's token it answers `stale`
// after --catch-up-ms; once healed, the same token read returns the write.
import { afterEach, describe, expect, it } from 'vitest';
import type { KvClient, KvResponse } from './client.js';
import { KvSession } from './kv-session.js';
import { connectWhenUp, freePorts, LocalKvCluster, ProxyMesh, REPLY_DEADLINE_MS, waitUntil } from '../../test-support/kv-test-cluster.js';
import { compareVersions, type KvVersion, type VersionScope } from './version.js';

const CATCH_UP_MS = 300;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function start(args: string[]): Promise<{ cluster: LocalKvCluster; mesh: ProxyMesh; client: (id: string) => Promise<KvClient> }> {
  const ids = ['n1', 'n2', 'n3'];
  const ports = await freePorts(3);
  const mesh = await ProxyMesh.start(ids, (id) => ports[ids.indexOf(id)]!);
  const cluster = await LocalKvCluster.start(
    { nodes: 3, args: ['--catch-up-ms', String(CATCH_UP_MS), '--anti-entropy-ms', '100', ...args], peerAddress: (from, to) => `127.0.0.1:${mesh.port(from, to)}` },
    ports,
  );
  cleanups.push(() => mesh.close(), () => cluster.stop(process.env.KEEP_KV_LOGS === '1'));
  const client = async (id: string): Promise<KvClient> => {
    const c = await connectWhenUp(cluster, id);
    cleanups.push(() => c.close());
    return c;
  };
  return { cluster, mesh, client };
}

/** Waits until every node has a connection to every other (leaderless modes have no leader to wait for). */
async function waitConnected(cluster: LocalKvCluster): Promise<void> {
  await waitUntil(async () => {
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    return statuses.every((s) => (s?.connected?.length ?? 0) === cluster.ids.length - 1);
  }, 'every node is connected to every other');
}

const modes: { mode: string; scope: VersionScope; args: string[] }[] = [
  { mode: 'raft', scope: 'log', args: ['--mode', 'raft', '--read-mode', 'local'] },
  { mode: 'primary', scope: 'log', args: ['--mode', 'primary', '--read-mode', 'local'] },
  { mode: 'quorum', scope: 'key', args: ['--mode', 'quorum', '--replicas', '3', '--r', '1', '--w', '1'] },
];

describe.each(modes)('session tokens in $mode', ({ scope, args }) => {
  it('a read on a node cut off from the write is stale without the token, refused with it, and served once healed', async () => {
    const { cluster, mesh, client } = await start(args);
    const writer = scope === 'log' ? await cluster.waitForLeader() : 'n1';
    if (scope === 'key') await waitConnected(cluster);
    const isolated = cluster.ids.find((id) => id !== writer)!;
    mesh.partition([[isolated], cluster.ids.filter((id) => id !== isolated)]);

    const session = new KvSession(scope);
    const written = await session.request(await client(writer), { op: 'write', key: 'k', value: 'v1' }, REPLY_DEADLINE_MS);
    expect(written).toMatchObject({ ok: true, version: expect.any(Array) });
    const token = session.versionFor('k')!;

    const plain = await (await client(isolated)).request({ op: 'read', key: 'k' }, REPLY_DEADLINE_MS);
    expect(plain).toEqual({ id: 1, ok: true, value: null }); // no version unless asked

    const started = performance.now();
    const refused = await session.request(await client(isolated), { op: 'read', key: 'k' }, REPLY_DEADLINE_MS);
    expect(refused).toMatchObject({ ok: false, error: 'stale', definite: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(CATCH_UP_MS - 10);

    mesh.heal();
    let served: KvResponse | undefined;
    await waitUntil(async () => (served = await session.request(await client(isolated), { op: 'read', key: 'k' }, REPLY_DEADLINE_MS)).ok, `healed ${isolated} serves the token read`);
    expect(served).toMatchObject({ ok: true, value: 'v1' });
    expect(compareVersions((served as { version: KvVersion }).version, token)).toBeGreaterThanOrEqual(0);
  }, 90_000);
});

it('a mode without versions refuses a read after one', async () => {
  const { client } = await start(['--mode', 'crdt']);
  const c = await client('n1');
  expect(await c.request({ op: 'read', key: 'k', after: [1] }, REPLY_DEADLINE_MS)).toMatchObject({ ok: false, error: 'unsupported', definite: true });
  expect(await c.request({ op: 'read', key: 'k', version: true }, REPLY_DEADLINE_MS)).toEqual({ id: 2, ok: true, value: null });
}, 60_000);
