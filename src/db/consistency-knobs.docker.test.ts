// Each database's consistency knobs in effect on a real 3-node cluster in containers: a node cut off
// by a partition shows what each read mode asks of the cluster (etcd, ZooKeeper), and Redis's WAIT
// and min-replicas-* change what a primary cut off from a replica does. Needs Docker (npm run
// test:docker); without it the suite skips with one line, or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../runtime/docker.js';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';
import { OpFailure, type DbContext, type RegisterDb } from './db.js';
import { etcdDb } from './etcd.js';
import type { PrimaryDb } from './primary.js';
import { redisDb, type RedisOptions } from './redis.js';
import { zookeeperDb } from './zookeeper.js';

const hasDocker = await systemHas(dockerEngine);
const NODES = ['n1', 'n2', 'n3'];
const OP_TIMEOUT_MS = 3000;

interface Cluster {
  runtime: DockerRuntime;
  ctx: DbContext;
}

/** Starts `db` on three containers and waits until it is ready. */
async function startCluster(db: RegisterDb): Promise<Cluster> {
  const runDir = mkdtempSync(join(tmpdir(), `faultline-knobs-${db.name}-`));
  const runtime = new DockerRuntime({ nodes: NODES, runDir, fakeClock: false, log: (line) => process.stderr.write(`${line}\n`) });
  await runtime.setup();
  const ctx: DbContext = { runtime, nodeDir: (node) => join(runDir, 'nodes', node), test: { seed: 1, opTimeoutMs: OP_TIMEOUT_MS } };
  for (const node of NODES) await db.start(node, ctx);
  await db.awaitReady(NODES, ctx, 180_000);
  return { runtime, ctx };
}

/** A node that is not a primary, and the others. */
async function follower(db: PrimaryDb, ctx: DbContext): Promise<{ isolated: string; others: string[] }> {
  let primaries: string[] = [];
  await until(async () => (primaries = await db.primaries(ctx)).length === 1, 'the cluster names one primary');
  const isolated = NODES.find((n) => !primaries.includes(n))!;
  return { isolated, others: NODES.filter((n) => n !== isolated) };
}

/** Cuts `node` off from every other node, both ways. */
function isolate(runtime: DockerRuntime, node: string): Promise<unknown> {
  const others = NODES.filter((n) => n !== node);
  return runtime.partition(Object.fromEntries([[node, others], ...others.map((n) => [n, [node]])]));
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** How an op ended: its value, or its failure. */
async function settle<T>(op: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: OpFailure }> {
  try {
    return { ok: true, value: await op };
  } catch (err) {
    if (!(err instanceof OpFailure)) throw err;
    return { ok: false, error: err };
  }
}

describe.runIf(hasDocker)('etcd --etcd-reads on a real cluster', () => {
  const db = etcdDb();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(db);
  });
  afterAll(async () => {
    await cluster?.runtime.teardown();
  });

  it('a member cut off from the quorum serves serializable reads from its own stale store, and fails linearizable ones', async () => {
    const { runtime, ctx } = cluster;
    const { isolated, others } = await follower(db, ctx);
    const serializable = etcdDb({ reads: 'serializable' });
    const writer = await db.openRegister(others[0]!, ctx);
    const txnWriter = await db.openTxn(others[0]!, ctx);
    await writer.write('x', 1);
    await txnWriter.txn([['append', 'l', 1]]);
    const localReader = await serializable.openRegister(isolated, ctx);
    const localTxn = await serializable.openTxn(isolated, ctx);
    await until(async () => (await localReader.read('x')) === 1, `${isolated} has applied x = 1`);

    await isolate(runtime, isolated);
    try {
      // The majority elects a leader (if the isolated member led) and goes on writing.
      await until(async () => (await settle(writer.write('x', 2))).ok, 'the majority accepts x = 2');
      await until(async () => (await settle(txnWriter.txn([['append', 'l', 2]]))).ok, 'the majority accepts an append of 2');
      expect(await (await db.openRegister(others[1]!, ctx)).read('x')).toBe(2);

      expect(await localReader.read('x'), 'serializable: answered alone, from the past').toBe(1);
      expect(await localTxn.txn([['r', 'l', null]])).toEqual([['r', 'l', [1]]]);
      const linearizable = await settle((await db.openRegister(isolated, ctx)).read('x'));
      expect(linearizable.ok, 'linearizable: needs the quorum it cannot reach').toBe(false);
      const linearizableTxn = await settle((await db.openTxn(isolated, ctx)).txn([['r', 'l', null]]));
      expect(linearizableTxn.ok).toBe(false);
    } finally {
      await runtime.heal();
    }
    await until(async () => (await localReader.read('x')) === 2, `${isolated} catches up after healing`);
  });
});

describe.runIf(hasDocker)('zookeeper --zk-reads on a real ensemble', () => {
  const db = zookeeperDb();
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(db);
  });
  afterAll(async () => {
    await cluster?.runtime.teardown();
  });

  it('a follower cut off from the leader answers local reads from its stale replica; sync and checked reads need the leader and fail', async () => {
    const { runtime, ctx } = cluster;
    const { isolated, others } = await follower(db, ctx);
    const writer = await db.openRegister(others[0]!, ctx);
    await writer.write('x', 1);
    const local = await zookeeperDb({ reads: 'local' }).openRegister(isolated, ctx);
    const synced = await zookeeperDb({ reads: 'sync' }).openRegister(isolated, ctx);
    const checked = await db.openRegister(isolated, ctx);
    // Each mode reads through its own session on the follower before the partition.
    await until(async () => (await local.read('x')) === 1, `${isolated} has x = 1`);
    expect(await synced.read('x')).toBe(1);
    expect(await checked.read('x')).toBe(1);
    expect(await local.read('never-written')).toBeNull();

    await isolate(runtime, isolated);
    try {
      // The leader and the other follower are a quorum: the write commits without the isolated one.
      await writer.write('x', 2);
      // A follower notices a lost leader only after syncLimit x tickTime (10 s): until then it serves local reads.
      expect(await local.read('x'), 'local: answered by the follower alone, from the past').toBe(1);
      const [sync, check] = await Promise.all([settle(synced.read('x')), settle(checked.read('x'))]);
      expect(sync.ok, 'sync: goes to the leader, which the follower cannot reach').toBe(false);
      expect(check.ok, 'checked: the version check is ordered by the leader').toBe(false);
    } finally {
      await runtime.heal();
    }
    const after = await zookeeperDb({ reads: 'sync' }).openRegister(isolated, ctx);
    await until(async () => (await after.read('x')) === 2, `${isolated} serves x = 2 after healing`, 90_000);
    for (const c of [writer, local, synced, checked, after]) await c.close();
  });
});

describe.runIf(hasDocker)('redis --redis-wait and --redis-min-replicas on a real cluster', () => {
  const knobs: Partial<RedisOptions> = { minReplicasToWrite: 2, minReplicasMaxLagS: 8 };
  const db = redisDb(knobs);
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(db);
  });
  afterAll(async () => {
    await cluster?.runtime.teardown();
  });

  /** A plain connection to a node's server. */
  async function server(node: string): Promise<Redis> {
    const r = new Redis({ host: cluster.runtime.nodeHost(node), port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 5000 });
    r.on('error', () => undefined);
    await r.connect();
    return r;
  }

  it('min-replicas-to-write and min-replicas-max-lag are what every node runs with', async () => {
    for (const node of NODES) {
      const r = await server(node);
      try {
        expect(await r.call('CONFIG', 'GET', 'min-replicas-to-write')).toEqual(['min-replicas-to-write', '2']);
        expect(await r.call('CONFIG', 'GET', 'min-replicas-max-lag')).toEqual(['min-replicas-max-lag', '8']);
      } finally {
        r.disconnect();
      }
    }
  });

  it('WAIT counts the replicas; a write short of them is unknown; cut from a replica past the lag, the primary refuses writes (NOREPLICAS)', async () => {
    const { runtime, ctx } = cluster;
    const primaries = await db.primaries(ctx);
    expect(primaries).toHaveLength(1);
    const primary = primaries[0]!;
    const cutOff = NODES.find((n) => n !== primary)!;
    const waiting = await redisDb({ ...knobs, wait: 2, waitTimeoutMs: 1000 }).openRegister(primary, ctx);
    const plain = await db.openRegister(primary, ctx);
    const raw = await server(primary);
    try {
      await raw.set('w', '1');
      expect(await raw.call('WAIT', 2, 1000), 'both replicas acknowledge').toBe(2);
      await waiting.write('a', 1);

      await runtime.partition({ [primary]: [cutOff], [cutOff]: [primary] });
      const partitionedAt = Date.now();
      await raw.set('w', '2');
      expect(await raw.call('WAIT', 2, 1000), 'one replica is cut off').toBe(1);
      const short = await settle(waiting.write('a', 2));
      expect(short.ok).toBe(false);
      if (!short.ok) {
        expect(short.error.definite, short.error.message).toBe(false);
        expect(short.error.message).toMatch(/SET r\/a was applied on the primary, but WAIT 2 1000 saw 1 replica\(s\)/);
      }
      expect(Date.now() - partitionedAt, 'still within min-replicas-max-lag').toBeLessThan(8000);
      expect(await plain.read('a'), 'the short write did happen on the primary').toBe(2);

      // Once the cut-off replica has been silent longer than the lag, it no longer counts: 1 < 2.
      let refused: OpFailure | undefined;
      await until(async () => {
        const outcome = await settle(plain.write('b', Date.now()));
        if (!outcome.ok) refused = outcome.error;
        return !outcome.ok;
      }, 'the primary refuses a write', 30_000);
      expect(refused?.message).toMatch(/NOREPLICAS/);
      expect(refused?.definite).toBe(true);
      expect(Date.now() - partitionedAt).toBeGreaterThanOrEqual(7000);
      expect(await plain.read('a'), 'reads still work').toBe(2);
    } finally {
      await runtime.heal();
    }
    await until(async () => (await settle(waiting.write('c', 1))).ok, 'writes are accepted and reach both replicas again');
    raw.disconnect();
    await waiting.close();
    await plain.close();
  });
});
