// The definition through faultline's public API, and its adapter against three real nats-server
// processes on loopback. Needs nats-server on PATH (Debian: apt-get install nats-server); without it
// the server tests skip with one line saying so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, JSONCodec } from 'nats';
import { runTest, type Db } from 'faultline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nats, { natsDb, type NatsOptions } from './nats.ts';
import { startTestCluster, type TestCluster } from './test-cluster.ts';

const defaults: NatsOptions = { replicas: 3, reads: 'leader', history: 1, storage: 'file' };

describe('the nats definition', () => {
  it('declares its options with flags, defaults that follow the node count, and a check of replicas against nodes', () => {
    expect(Object.entries(nats.options).map(([key, def]) => [key, def.flag])).toEqual([
      ['replicas', 'nats-replicas'], ['reads', 'nats-reads'], ['history', 'nats-history'], ['storage', 'nats-storage'],
    ]);
    const replicasDefault = nats.options.replicas.default as (ctx: { nodeCount: number }) => number;
    expect([1, 2, 3, 5].map((nodeCount) => replicasDefault({ nodeCount }))).toEqual([1, 2, 3, 3]);
    expect(() => nats.options.reads.parse('stale', 'nats-reads')).toThrow('--nats-reads "stale" is not known; expected one of: leader, direct');
    expect(() => nats.validate({ ...defaults, replicas: 5 }, { nodeCount: 3 })).toThrow('--nats-replicas 5 is more than the 3 nodes; expected at most --nodes');
    expect(() => nats.validate(defaults, { nodeCount: 3 })).not.toThrow();
    expect(nats.runtimes).toEqual(['local', 'docker']);
  });

  it('names the options that differ from the defaults in the run name, and marks direct reads stale', () => {
    expect(nats.describe(defaults)).toEqual([]);
    expect(nats.describe({ replicas: 1, reads: 'direct', history: 5, storage: 'memory' })).toEqual(['r1', 'direct-reads', 'memory']);
    expect((natsDb(defaults) as Db).staleReads).toBeUndefined();
    expect((natsDb({ ...defaults, reads: 'direct' }) as Db).staleReads).toBe(true);
  });

  it('serves registers, sets and counters, and starts nothing when made', () => {
    const db = nats.create(defaults) as Db & Record<string, unknown>;
    expect(['start', 'awaitReady', 'openRegister', 'openSet', 'openCounter', 'primaries'].filter((m) => typeof db[m] !== 'function')).toEqual([]);
  });
});

/** The nats-server version on PATH, or undefined (the server tests then skip). */
function serverVersion(): string | undefined {
  try {
    return execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).trim().replace(/^nats-server: v/, '');
  } catch {
    console.log('skipping the nats-server tests: nats-server not found on PATH; install it (apt-get install nats-server) to run them');
    return undefined;
  }
}

const version = serverVersion();

function olderThan(v: string, than: string): boolean {
  const [a, b] = [v, than].map((s) => s.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a![i] !== b![i]) return (a![i] ?? 0) < (b![i] ?? 0);
  return false;
}

describe.runIf(version !== undefined)(`the adapter on three nats-server ${version ?? ''} processes`, () => {
  const nodes = ['n1', 'n2', 'n3'];
  let cluster: TestCluster;
  const open: { close(): Promise<void> }[] = [];
  const register = async (node: string) => {
    const c = await cluster.db.openRegister(node, cluster.ctx);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startTestCluster(nodes, defaults);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    await cluster?.stop();
  });

  it('reads, writes and compares-and-sets through every node', async () => {
    const [c1, c2, c3] = await Promise.all(nodes.map(register));
    await c1!.write('k', 1);
    expect(await c2!.read('k')).toBe(1);
    expect(await c3!.cas('k', 5, 6)).toBe(false);
    expect(await c3!.read('k')).toBe(1);
    expect(await c2!.cas('k', 1, 2)).toBe(true);
    expect(await c1!.read('k')).toBe(2);
    expect(await c1!.read('absent')).toBeNull();
  });

  it('refuses an update at a stale revision with wrong last sequence (err_code 10071), storing nothing', async () => {
    const nc = await connect({ servers: cluster.db.clientAddress('n2', cluster.ctx), ignoreClusterUpdates: true });
    try {
      const kv = await nc.jetstream().views.kv('faultline', { bindOnly: true });
      const codec = JSONCodec<number>();
      const first = await kv.put('r.stale', codec.encode(1));
      await kv.put('r.stale', codec.encode(2));
      const err = await kv.update('r.stale', codec.encode(3), first).then(() => undefined, (e: unknown) => e as { api_error?: { err_code?: number } });
      expect(err?.api_error?.err_code).toBe(10071);
      expect(codec.decode((await kv.get('r.stale'))!.value)).toBe(2);
    } finally {
      await nc.close();
    }
  });

  it('serves a set (a key per element) and a counter (a cas loop)', async () => {
    const s1 = await cluster.db.openSet('n1', cluster.ctx);
    const s3 = await cluster.db.openSet('n3', cluster.ctx);
    open.push(s1, s3);
    await Promise.all([1, 2, 3].map((e) => s1.add('a', e)));
    await s3.add('a', 'x');
    expect((await s3.read('a')).map(String).sort()).toEqual(['1', '2', '3', 'x']);
    expect(await s1.read('none')).toEqual([]);
    const counters = await Promise.all(nodes.map((n) => cluster.db.openCounter(n, cluster.ctx)));
    open.push(...counters);
    // One add at a time, through the nodes in turn: no race, so the sum must be exact.
    for (let j = 0; j < 10; j++) await counters[j % 3]!.add('seq', j);
    expect(await counters[1]!.read('seq')).toBe(45);
    expect(await counters[2]!.read('none')).toBe(0);
  });

  it('names the stream leader as the primary', async () => {
    const primaries = await cluster.db.primaries(cluster.ctx);
    expect(primaries).toHaveLength(1);
    expect(nodes).toContain(primaries[0]);
  });

  it('records a write to a killed node as certainly failed or unknown, never ok', async () => {
    const victim = await register('n3');
    await victim.write('kill', 0);
    expect(await cluster.ctx.runtime.kill('n3')).toBe('done');
    const outcome = await victim.write('kill', 1).then(() => 'ok', (err: unknown) => (err as { definite?: boolean }).definite);
    expect(outcome === true || outcome === false).toBe(true);
    await expect(cluster.db.openRegister('n3', cluster.ctx)).rejects.toMatchObject({ definite: true, message: expect.stringMatching(/^connect to n3 .*CONNECTION_REFUSED/) });
    await cluster.db.start('n3', cluster.ctx);
    await cluster.db.awaitReady(['n3'], cluster.ctx, 30_000);
    expect(await (await register('n3')).read('kill')).toBe(0);
  }, 60_000);

  // nats-server#4320: in a clustered stream the expected-last-subject-sequence check was a pre-check
  // on the leader, outside Raft, so updates in flight together at one revision could all be accepted.
  // Reported on 2.9.15-2.9.20; Debian bookworm ships 2.9.10. On servers older than 2.9.21 this test is
  // expected to fail (it.fails): it shows the race rather than hiding it.
  (version !== undefined && olderThan(version, '2.9.21') ? it.fails : it)('accepts at most one of three concurrent updates at one revision', async () => {
    const codec = JSONCodec<number>();
    const conns = await Promise.all(nodes.map((n) => connect({ servers: cluster.db.clientAddress(n, cluster.ctx), ignoreClusterUpdates: true })));
    try {
      const kvs = await Promise.all(conns.map((c) => c.jetstream({ timeout: 3000 }).views.kv('faultline', { bindOnly: true })));
      let revision = await kvs[0]!.put('r.race', codec.encode(0));
      let doubled = 0;
      for (let round = 0; round < 50; round++) {
        const results = await Promise.allSettled(kvs.map((kv, i) => kv.update('r.race', codec.encode(round * 10 + i), revision)));
        if (results.filter((r) => r.status === 'fulfilled').length > 1) doubled++;
        revision = (await kvs[0]!.get('r.race'))!.revision;
      }
      console.log(`nats-server ${version}: rounds where 2 or 3 of 3 concurrent updates at one revision were accepted: ${doubled} of 50`);
      expect(doubled).toBe(0);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  }, 60_000);
});

describe.runIf(version !== undefined)('a faultline run through the public API', () => {
  const store = mkdtempSync(join(tmpdir(), 'faultline-nats-store-'));
  afterAll(() => rmSync(store, { recursive: true, force: true }));

  it('runs the set workload on three local nodes without faults and finds it valid', async () => {
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const outcome = await runTest(
      { db: 'nats', workload: 'set', nemesis: 'none', nodes: 3, timeLimitS: 5, seed: 3, storeDir: store },
      { definitions: [nats], status: quiet },
    );
    expect(outcome.spec.db).toEqual({ name: 'nats', replicas: 3, reads: 'leader', history: 1, storage: 'file' });
    expect({ valid: outcome.results.valid, exitCode: outcome.exitCode }).toEqual({ valid: true, exitCode: 0 });
  }, 90_000);
});
