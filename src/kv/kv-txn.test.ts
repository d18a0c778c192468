// Fast multi-process test of txns: three real nodes per mode on 127.0.0.1. raft runs txns through
// its log (from any node, surviving a restart of every node); primary applies them at the primary
// and replicates them; the leaderless modes refuse them.
import { afterEach, describe, expect, it } from 'vitest';
import type { KvClient, KvOp, KvResponse } from './client.js';
import { ask, connectWhenUp, LocalKvCluster, waitUntil } from '../../test-support/kv-test-cluster.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function start(args: string[]): Promise<LocalKvCluster> {
  const cluster = await LocalKvCluster.start({ nodes: 3, args: ['--heartbeat-ms', '20', ...args] });
  cleanups.push(() => cluster.stop(process.env.KEEP_KV_LOGS === '1'));
  return cluster;
}

async function clientOf(cluster: LocalKvCluster, id: string): Promise<KvClient> {
  const c = await connectWhenUp(cluster, id);
  cleanups.push(() => c.close());
  return c;
}

const transfer = (amount: number): KvOp => ({ op: 'txn', if: [['>=', 'a', amount]], ops: [['add', 'a', -amount], ['add', 'b', amount]] });
const readAll: KvOp = { op: 'txn', ops: [['r', 'a', null], ['r', 'b', null], ['r', 'l', null]] };

describe('txns in raft', () => {
  it('are atomic and guarded through a follower, and survive a restart of every node', async () => {
    const cluster = await start(['--snapshot-every', '5']);
    const leader = await cluster.waitForLeader();
    const c = await clientOf(cluster, await cluster.followerOf(leader));
    expect(await ask(c, { op: 'txn', if: [['=', 'a', null]], ops: [['w', 'a', 10], ['append', 'l', 1]] })).toEqual({ ok: true, results: [['w', 'a', 10], ['append', 'l', 1]] });
    expect(await ask(c, transfer(4))).toEqual({ ok: true, results: [['add', 'a', -4], ['add', 'b', 4]] });
    expect(await ask(c, transfer(7))).toMatchObject({ ok: false, error: 'txn-aborted', definite: true, message: 'compare [">=","a",7] is false: "a" holds 6' });
    expect(await ask(c, { op: 'txn', ops: [['append', 'l', 2], ['append', 'a', 3]] })).toMatchObject({ ok: false, error: 'wrong-type', definite: true });
    // Enough entries to snapshot, so recovery needs both the snapshot and the WAL.
    for (let i = 2; i <= 8; i++) expect(await ask(c, { op: 'txn', ops: [['append', 'l', i], ['r', 'l', null]] })).toMatchObject({ ok: true });
    expect(await ask(c, readAll)).toEqual({ ok: true, results: [['r', 'a', 6], ['r', 'b', 4], ['r', 'l', [1, 2, 3, 4, 5, 6, 7, 8]]] });

    for (const id of cluster.ids) await cluster.signal(id, 'SIGKILL');
    for (const id of cluster.ids) cluster.spawn(id);
    const after = await clientOf(cluster, await cluster.waitForLeader());
    expect(await ask(after, readAll)).toEqual({ ok: true, results: [['r', 'a', 6], ['r', 'b', 4], ['r', 'l', [1, 2, 3, 4, 5, 6, 7, 8]]] });
  }, 120_000);
});

describe('txns in primary', () => {
  it('are applied at the primary and replicated', async () => {
    const cluster = await start(['--mode', 'primary', '--read-mode', 'local', '--failover-timeout-ms', '300-500']);
    const primary = await cluster.waitForLeader();
    const replica = await cluster.followerOf(primary);
    const c = await clientOf(cluster, replica);
    expect(await ask(c, { op: 'txn', ops: [['w', 'a', 10], ['append', 'l', 1]] })).toMatchObject({ ok: true });
    expect(await ask(c, transfer(3))).toMatchObject({ ok: true });
    expect(await ask(c, transfer(30))).toMatchObject({ ok: false, error: 'txn-aborted', definite: true });
    // Read-only txns are served by the replica itself (--read-mode local), once replication arrives.
    let seen: KvResponse | undefined;
    await waitUntil(async () => JSON.stringify((seen = await ask(c, readAll))).includes('["r","b",3]'), `${replica} has the transfer to b`);
    expect(seen).toEqual({ ok: true, results: [['r', 'a', 7], ['r', 'b', 3], ['r', 'l', [1]]] });
  }, 120_000);
});

describe('txns in leaderless modes', () => {
  it('quorum answers unsupported (definite)', async () => {
    const cluster = await start(['--mode', 'quorum']);
    const c = await clientOf(cluster, cluster.ids[0]!);
    expect(await ask(c, readAll)).toMatchObject({ ok: false, error: 'unsupported', definite: true });
  }, 120_000);
});
