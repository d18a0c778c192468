// The bundled adapter's membership capability: which changes are legal (pure), and a 5-process raft
// cluster that loses two members (the leader among them), takes writes, gets them back, and then
// serves everything with two of the never-removed nodes killed, so the re-added ones must hold it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_DEADLINE_MS, LocalKvCluster, sleep, waitUntil } from '../../test-support/kv-test-cluster.js';
import { bundledDb } from './bundled.js';
import { legalChanges } from './bundled-membership.js';
import { hasMembership, supportsRegister, type DbContext, type MembershipDb, type RegisterDb } from './db.js';

describe('legal membership changes', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  it('removes while more than a majority of the nodes stay members, and adds back any node', () => {
    expect(legalChanges(nodes, nodes)).toEqual(nodes.map((node) => ({ op: 'remove', node })));
    expect(legalChanges(nodes, ['n1', 'n2', 'n4', 'n5'])).toEqual([...['n1', 'n2', 'n4', 'n5'].map((node) => ({ op: 'remove', node })), { op: 'add', node: 'n3' }]);
    expect(legalChanges(nodes, ['n1', 'n4', 'n5'])).toEqual([{ op: 'add', node: 'n2' }, { op: 'add', node: 'n3' }]);
    expect(legalChanges(['n1', 'n2', 'n3'], ['n1', 'n3'])).toEqual([{ op: 'add', node: 'n2' }]);
  });

  it('exist in raft only', () => {
    const options = { readMode: 'quorum', replicas: 3, r: 2, w: 2, antiEntropy: 'on', fsync: 'always' } as const;
    expect(hasMembership(bundledDb({ ...options, storeMode: 'raft' }))).toBe(true);
    for (const storeMode of ['primary', 'quorum', 'quorum-vc', 'crdt'] as const) expect(hasMembership(bundledDb({ ...options, storeMode }))).toBe(false);
  });
});

describe('a 5-process raft cluster changing its membership', () => {
  let cluster: LocalKvCluster;
  let db: MembershipDb & RegisterDb;
  let ctx: DbContext;

  beforeAll(async () => {
    cluster = await LocalKvCluster.start({ nodes: 5, args: ['--snapshot-every', '20'] });
    ctx = {
      runtime: { nodes: cluster.ids, clientAddress: (node: string) => ({ host: '127.0.0.1', port: cluster.port(node) }) },
      test: { seed: 1, opTimeoutMs: 5000 },
      nodeDir: () => cluster.dir,
    } as unknown as DbContext;
    const made = bundledDb({ storeMode: 'raft', readMode: 'quorum', replicas: 3, r: 2, w: 2, antiEntropy: 'on', fsync: 'always' });
    if (!hasMembership(made) || !supportsRegister(made)) throw new Error('bundled raft has membership and registers');
    db = made as MembershipDb & RegisterDb;
    await cluster.waitForLeader();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('removes two members, writes, adds them back, and the re-added nodes hold everything', async () => {
    const written = new Map<string, number>();
    const write = async (node: string, from: number, to: number): Promise<void> => {
      const conn = await db.openRegister(node, ctx);
      for (let i = from; i < to; i++) {
        await conn.write(`k${i}`, i);
        written.set(`k${i}`, i);
      }
      await conn.close();
    };
    expect(await db.members(ctx)).toEqual(cluster.ids);
    await waitUntil(async () => (await db.legalMembershipChanges(ctx)).length === 5, 'the leader committed its no-op');
    await write('n1', 0, 30);

    // The leader goes first (it steps down once its removal commits), then a follower.
    const leader = await cluster.waitForLeader();
    const follower = await cluster.followerOf(leader);
    await db.changeMembership({ op: 'remove', node: leader }, ctx);
    await waitUntil(async () => (await db.legalMembershipChanges(ctx)).length > 0, 'a new leader can take a change');
    expect(await db.legalMembershipChanges(ctx)).toContainEqual({ op: 'add', node: leader });
    await db.changeMembership({ op: 'remove', node: follower }, ctx);
    const removed = [leader, follower].sort();
    const kept = cluster.ids.filter((id) => !removed.includes(id));
    expect(await db.members(ctx)).toEqual(kept);
    // Three of five left: no more removals, only adds.
    await waitUntil(async () => (await db.legalMembershipChanges(ctx)).length > 0, 'the second change committed at the leader');
    expect(await db.legalMembershipChanges(ctx)).toEqual(removed.map((node) => ({ op: 'add', node })));
    await expect(db.changeMembership({ op: 'add', node: kept[0]! }, ctx)).rejects.toThrow(/already a member/);

    // The removed nodes do not disrupt: the leader and its term stay while they sit out.
    const newLeader = await cluster.waitForLeader(CLUSTER_DEADLINE_MS, kept);
    const term = (await cluster.status(newLeader))!.term;
    await write(kept[0]!, 30, 80);
    await sleep(1500);
    expect((await cluster.status(newLeader))).toMatchObject({ role: 'leader', term });
    for (const id of removed) expect((await cluster.status(id))?.role).toBe('follower');

    for (const node of removed) await db.changeMembership({ op: 'add', node }, ctx);
    expect(await db.members(ctx)).toEqual(cluster.ids);
    await write(kept[1]!, 80, 100);
    await waitUntil(async () => {
      const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
      const target = Math.max(...statuses.map((s) => s?.commitIndex ?? 0));
      return statuses.every((s) => s && s.appliedIndex >= target);
    }, 'every node applied the leader\'s log');

    // Two never-removed nodes die: the survivors include both re-added nodes, so they must hold it all.
    const doomed = kept.slice(0, 2);
    for (const id of doomed) await cluster.signal(id, 'SIGKILL');
    const survivors = cluster.ids.filter((id) => !doomed.includes(id));
    await cluster.waitForLeader(CLUSTER_DEADLINE_MS, survivors);
    for (const node of removed) {
      const conn = await db.openRegister(node, ctx);
      for (const [key, value] of written) expect(await conn.read(key)).toBe(value);
      await conn.close();
    }
    expect(written.size).toBe(100);
  }, 120_000);
});
