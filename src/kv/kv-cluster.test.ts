// Fast multi-process test: three real nodes on 127.0.0.1 with direct addresses. Elect, write and
// read through a follower, SIGKILL the leader, elect again, restart it from its data directory (it
// catches up by InstallSnapshot, since the log was compacted meanwhile), then restart everyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvClient } from './client.js';
import { CLUSTER_DEADLINE_MS, LocalKvCluster, REPLY_DEADLINE_MS, waitUntil } from '../../test-support/kv-test-cluster.js';

let cluster: LocalKvCluster;
const clients: KvClient[] = [];
async function clientOf(id: string): Promise<KvClient> {
  const c = await cluster.client(id);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await LocalKvCluster.start({ nodes: 3, args: ['--snapshot-every', '50'] });
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('a 3-process raft cluster', () => {
  let leader: string;

  it('elects a leader and serves writes, reads and cas through a follower', async () => {
    leader = await cluster.waitForLeader();
    const follower = await cluster.followerOf(leader);
    const c = await clientOf(follower);
    expect(await c.request({ op: 'write', key: 'k', value: { v: 1 } }, REPLY_DEADLINE_MS)).toEqual({ id: 1, ok: true });
    expect(await c.request({ op: 'read', key: 'k' }, REPLY_DEADLINE_MS)).toEqual({ id: 2, ok: true, value: { v: 1 } });
    expect(await c.request({ op: 'read', key: 'absent' }, REPLY_DEADLINE_MS)).toEqual({ id: 3, ok: true, value: null });
    expect(await c.request({ op: 'cas', key: 'k', from: { v: 1 }, to: 2 }, REPLY_DEADLINE_MS)).toEqual({ id: 4, ok: true });
    expect(await c.request({ op: 'cas', key: 'k', from: { v: 1 }, to: 3 }, REPLY_DEADLINE_MS)).toMatchObject({ ok: false, error: 'cas-mismatch', definite: true });
    const status = await c.request({ op: 'status' }, REPLY_DEADLINE_MS);
    expect(status).toMatchObject({ ok: true, node: follower, role: 'follower', leader, mode: 'raft' });
  }, 60_000);

  it('elects a new leader after the leader is SIGKILLed, and the restarted node keeps committed data', async () => {
    const old = leader;
    await cluster.signal(old, 'SIGKILL');
    const killedAt = Date.now();
    const survivors = cluster.ids.filter((id) => id !== old);
    leader = await cluster.waitForLeader(CLUSTER_DEADLINE_MS, survivors);
    // Election timeouts are 300-600 ms, so this takes well under a second on an idle machine. The
    // bound leaves room for a loaded 2-core one, and still fails an election that needs many rounds.
    const electionMs = Date.now() - killedAt;
    expect(electionMs).toBeLessThan(10_000);
    const c = await clientOf(leader);
    expect(await c.request({ op: 'read', key: 'k' }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true, value: 2 });
    // More entries than one append carries (256), so stale appends queued for the dead node cannot
    // bring it up to date: it needs the leader's snapshot.
    const writes = await Promise.all(Array.from({ length: 400 }, (_, i) => c.request({ op: 'write', key: `bulk${i}`, value: i }, REPLY_DEADLINE_MS)));
    expect(writes.every((w) => w.ok)).toBe(true);
    expect(await c.request({ op: 'write', key: 'k', value: 3 }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true });

    cluster.spawn(old);
    await waitUntil(async () => {
      const [s, l] = await Promise.all([cluster.status(old), cluster.status(leader)]);
      return s !== undefined && l !== undefined && s.role === 'follower' && s.appliedIndex >= l.commitIndex;
    }, `restarted ${old} follows ${leader} and has applied its commit index`);
    const viaOld = await clientOf(old);
    expect(await viaOld.request({ op: 'read', key: 'k' }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true, value: 3 });
    expect(await viaOld.request({ op: 'read', key: 'bulk7' }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true, value: 7 });
    expect(cluster.log(old)).toContain('wal: recovered');
    expect(cluster.log(leader)).toContain('snapshot taken; log compacted');
    expect(cluster.log(old)).toContain('snapshot installed from leader');
  }, 90_000);

  it('keeps acknowledged writes when every node is killed and restarted', async () => {
    for (const id of cluster.ids) await cluster.signal(id, 'SIGKILL');
    for (const id of cluster.ids) cluster.spawn(id);
    leader = await cluster.waitForLeader();
    const c = await clientOf(leader);
    expect(await c.request({ op: 'read', key: 'k' }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true, value: 3 });
    expect(await c.request({ op: 'read', key: 'bulk399' }, REPLY_DEADLINE_MS)).toMatchObject({ ok: true, value: 399 });
  }, 60_000);
});
