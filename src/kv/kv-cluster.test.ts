// Fast multi-process test: three real nodes on 127.0.0.1 with direct addresses. Elect, write and
// read through a follower, SIGKILL the leader, elect again, restart it from its data directory (it
// catches up by InstallSnapshot, since the log was compacted meanwhile), then restart everyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvClient } from './client.js';
import { LocalKvCluster, sleep } from './kv-test-cluster.js';

let cluster: LocalKvCluster;
const clients: KvClient[] = [];
async function clientOf(id: string): Promise<KvClient> {
  const c = await cluster.client(id);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  cluster = await LocalKvCluster.start({ nodes: 3, args: ['--snapshot-every', '50'] });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

describe('a 3-process raft cluster', () => {
  let leader: string;

  it('elects a leader and serves writes, reads and cas through a follower', async () => {
    leader = await cluster.waitForLeader(5000);
    const follower = cluster.ids.find((id) => id !== leader)!;
    const c = await clientOf(follower);
    expect(await c.request({ op: 'write', key: 'k', value: { v: 1 } }, 3000)).toEqual({ id: 1, ok: true });
    expect(await c.request({ op: 'read', key: 'k' }, 3000)).toEqual({ id: 2, ok: true, value: { v: 1 } });
    expect(await c.request({ op: 'read', key: 'absent' }, 3000)).toEqual({ id: 3, ok: true, value: null });
    expect(await c.request({ op: 'cas', key: 'k', from: { v: 1 }, to: 2 }, 3000)).toEqual({ id: 4, ok: true });
    expect(await c.request({ op: 'cas', key: 'k', from: { v: 1 }, to: 3 }, 3000)).toMatchObject({ ok: false, error: 'cas-mismatch', definite: true });
    const status = await c.request({ op: 'status' }, 3000);
    expect(status).toMatchObject({ ok: true, node: follower, role: 'follower', leader, mode: 'raft' });
  });

  it('elects a new leader after the leader is SIGKILLed, and the restarted node keeps committed data', async () => {
    const old = leader;
    await cluster.signal(old, 'SIGKILL');
    const killedAt = Date.now();
    const survivors = cluster.ids.filter((id) => id !== old);
    leader = await cluster.waitForLeader(5000, survivors);
    const electionMs = Date.now() - killedAt;
    expect(electionMs).toBeLessThan(3000);
    const c = await clientOf(leader);
    expect(await c.request({ op: 'read', key: 'k' }, 3000)).toMatchObject({ ok: true, value: 2 });
    // More entries than one append carries (256), so stale appends queued for the dead node cannot
    // bring it up to date: it needs the leader's snapshot.
    const writes = await Promise.all(Array.from({ length: 400 }, (_, i) => c.request({ op: 'write', key: `bulk${i}`, value: i }, 5000)));
    expect(writes.every((w) => w.ok)).toBe(true);
    expect(await c.request({ op: 'write', key: 'k', value: 3 }, 3000)).toMatchObject({ ok: true });

    cluster.spawn(old);
    let caughtUp = false;
    for (let i = 0; i < 100 && !caughtUp; i++) {
      const [s, l] = await Promise.all([cluster.status(old), cluster.status(leader)]);
      caughtUp = s !== undefined && l !== undefined && s.role === 'follower' && s.appliedIndex >= l.commitIndex;
      if (!caughtUp) await sleep(50);
    }
    expect(caughtUp).toBe(true);
    const viaOld = await clientOf(old);
    expect(await viaOld.request({ op: 'read', key: 'k' }, 3000)).toMatchObject({ ok: true, value: 3 });
    expect(await viaOld.request({ op: 'read', key: 'bulk7' }, 3000)).toMatchObject({ ok: true, value: 7 });
    expect(cluster.log(old)).toContain('wal: recovered');
    expect(cluster.log(leader)).toContain('snapshot taken; log compacted');
    expect(cluster.log(old)).toContain('snapshot installed from leader');
  });

  it('keeps acknowledged writes when every node is killed and restarted', async () => {
    for (const id of cluster.ids) await cluster.signal(id, 'SIGKILL');
    for (const id of cluster.ids) cluster.spawn(id);
    leader = await cluster.waitForLeader(5000);
    const c = await clientOf(leader);
    expect(await c.request({ op: 'read', key: 'k' }, 3000)).toMatchObject({ ok: true, value: 3 });
    expect(await c.request({ op: 'read', key: 'bulk399' }, 3000)).toMatchObject({ ok: true, value: 399 });
  });
});
