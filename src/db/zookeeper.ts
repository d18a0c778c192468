// ZooKeeper as a db: an ensemble with one server per node, and a client (node-zookeeper-client)
// whose session is bound to its own node's server. Each register is a znode /r/<key>.
//
//   read  -> as the `reads` knob says (below): checked, sync or local
//   write -> setData (create when the znode does not exist yet)
//   cas   -> getData; if the value is `from`, setData with that version (refused if it moved)
//
// Requests are never retried by the client, so an op is sent at most once. The leader is the primary.
//
// The knob, `reads` (--zk-reads). ZooKeeper's Programmer's Guide (Consistency Guarantees,
// https://zookeeper.apache.org/doc/r3.8.0/zookeeperProgrammers.html#ch_zkGuarantees) promises that
// a client's updates apply in order, that a client never sees an older view than one it saw, and
// that its view lags by at most some tens of seconds; it warns that it does not promise two clients
// the same view at the same time: a server answers reads from its own replica, so a client may read
// a value older than one another client already wrote, and the remedy it names is calling sync()
// before the read. The Internals page (https://zookeeper.apache.org/doc/current/zookeeperInternals.html#sc_consistency)
// says it outright: reads are not quorum operations, may be stale, and are sequentially consistent,
// not linearizable. All three modes work on Debian's ZooKeeper 3.8 (sync and multi predate it).
// - checked (the default, as before): getData, then a multi holding only check(version). The check
//   is a write-path request, ordered by the leader and committed by a quorum, so a read that passes
//   it held the current version at that point; if the version moved, the read is tried again.
// - sync: sync(path), then getData on the same session (zookeeper-reads.ts sends the sync: the
//   client library has no call for it). The server answers the read only after catching up with
//   the leader as of the sync. Not a quorum round, though: a leader cut off from its quorum answers
//   syncs until it notices, so this is not strictly linearizable (discussed in Jepsen's issue 399;
//   ZOOKEEPER-3600 asks ZooKeeper for a fully linearizable read).
// - local: getData alone: ZooKeeper's own default read, sequentially consistent, may be stale.
// Sync and local reads create no znode (a create needs the leader): a missing one reads as null.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import type zookeeper from 'node-zookeeper-client';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import { OpFailure, type DataFilesDb, type DbContext, type RegisterConnection, type RegisterDb } from './db.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';
import { parse, readZnode, sync, type ZooKeeperReads } from './zookeeper-reads.js';

const CLIENT_PORT = 2181;
const ROOT = '/r';

/** Outcomes the server decided: the request certainly had no other effect (codes of the library's Exception, loaded on use). */
const DEFINITE_EXCEPTIONS = ['NO_NODE', 'NODE_EXISTS', 'BAD_VERSION', 'NO_CHILDREN_FOR_EPHEMERALS', 'NOT_EMPTY', 'BAD_ARGUMENTS'] as const;

/** ZooKeeper's consistency knobs, declared for the CLI and test.json. */
export const zookeeperOptions = {
  reads: option.oneOf<ZooKeeperReads>(['checked', 'sync', 'local'], {
    default: 'checked',
    flag: 'zk-reads',
    help: 'how a read is made: checked (getData, then a version check committed by a quorum), sync (sync() first, as the manual advises) or local (getData alone: may be stale)',
  }),
};

/** The resolved values of zookeeperOptions. */
export type ZooKeeperOptions = OptionValues<typeof zookeeperOptions>;

export function zookeeperDb(given: Partial<ZooKeeperOptions> = {}): RegisterDb & PrimaryDb & DataFilesDb {
  // No default here depends on the cluster, so any node count resolves them alike.
  const { reads } = resolveOptions(zookeeperOptions, given, { nodeCount: 1 }, 'db zookeeper');
  return {
    name: 'zookeeper',
    // start() reuses the data directory (it rewrites only myid, which is configuration).
    dataFiles: ['version-2/log.*', 'version-2/snapshot.*'],
    // A local read is the follower's own answer, possibly behind the leader.
    ...(reads === 'local' && { staleReads: true }),

    async start(node, ctx) {
      const host = hostOf(ctx, node, 'zookeeper');
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      const nodes = ctx.runtime.nodes;
      writeFileSync(join(dataDir, 'myid'), `${nodes.indexOf(node) + 1}\n`);
      const config = join(ctx.nodeDir(node), 'zoo.cfg');
      writeFileSync(config, [
        'tickTime=2000', 'initLimit=10', 'syncLimit=5',
        `dataDir=${dataDir}`,
        `clientPort=${CLIENT_PORT}`, `clientPortAddress=${host}`,
        '4lw.commands.whitelist=srvr,ruok', 'admin.enableServer=false',
        ...nodes.map((peer, i) => `server.${i + 1}=${hostOf(ctx, peer, 'zookeeper')}:2888:3888`),
      ].join('\n') + '\n');
      const args = [
        '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
        // A follower gives up on a leader after five connection attempts; spaced 1 s apart they
        // outlast a leader that is slow to open its port on a loaded machine (or under libfaketime).
        '-Dzookeeper.leaderConnectDelayDuringRetryMs=1000',
        '-Dorg.slf4j.simpleLogger.showDateTime=true', '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
        `-Dzookeeper.log.dir=${ctx.nodeDir(node)}`,
        '-cp', '/usr/share/java/slf4j-simple.jar:/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
        'org.apache.zookeeper.server.quorum.QuorumPeerMain', config,
      ];
      // Two libfaketime quirks with the JVM. Leaving monotonic clocks alone (what faultline-run asks
      // for) makes a JVM burn six times the CPU, so ZooKeeper's monotonic clock moves with the fault
      // too (`env -u`); and a JDK 17 thread in a timed wait can then hang for good unless libfaketime
      // applies its "monotonic fix" (libfaketime issue #460). Without a clock fault both are inert.
      const env = { FAKETIME_FORCE_MONOTONIC_FIX: '1' };
      await ctx.runtime.spawn(node, { command: 'env', args: ['-u', 'FAKETIME_DONT_FAKE_MONOTONIC', 'java', ...args], env, image: 'zookeeper', dataDir }, nodeLog(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      // Ready when the server has joined a quorum: it is the leader or a follower.
      await awaitNodes(nodes, ctx, deadlineMs, async (node) => {
        const mode = await modeOf(ctx, node);
        return mode === 'leader' || mode === 'follower' || mode === 'standalone' ? true : `mode ${mode}`;
      });
    },

    async primaries(ctx) {
      const modes = await Promise.all(ctx.runtime.nodes.map(async (node) => ((await modeOf(ctx, node).catch(() => '')) === 'leader' ? [node] : [])));
      return modes.flat();
    },

    async openRegister(node, ctx) {
      return new ZooKeeperRegister(`${hostOf(ctx, node, 'zookeeper')}:${CLIENT_PORT}`, node, ctx.test.opTimeoutMs, reads);
    },
  };
}

/** A session to one server; replaced when it expires. */
class ZooKeeperRegister implements RegisterConnection {
  private client: zookeeper.Client | undefined;
  private rootReady = false;

  constructor(private readonly address: string, private readonly node: string, private readonly timeoutMs: number, private readonly reads: ZooKeeperReads) {}

  async read(key: string): Promise<unknown> {
    // Creating a missing register is a write, which only the leader can order: a local or synced
    // read must not depend on it, so those read a missing znode as null instead.
    const path = this.reads === 'checked' ? await this.ensure(key) : `${ROOT}/${key}`;
    return readZnode({
      getData: (p) => this.call('getData', (c, cb) => c.getData(p, (e, d, s) => cb(e, [d, s]))),
      check: (p, version) => this.call('check', (c, cb) => c.transaction().check(p, version).commit((e) => cb(e, undefined))),
      sync: (p) => this.call('sync', (c, cb) => sync(c, p, (e) => cb(e, undefined))),
    }, path, this.reads, this.node);
  }

  async write(key: string, value: unknown): Promise<void> {
    const path = await this.ensure(key);
    await this.call('setData', (c, cb) => c.setData(path, Buffer.from(JSON.stringify(value)), -1, (e) => cb(e, undefined)));
  }

  async cas(key: string, from: unknown, to: unknown): Promise<boolean> {
    const path = await this.ensure(key);
    const [data, stat] = await this.call<[Buffer | undefined, zookeeper.Stat]>('getData', (c, cb) => c.getData(path, (e, d, s) => cb(e, [d, s])));
    if (JSON.stringify(parse(data)) !== JSON.stringify(from)) return false;
    try {
      await this.call('setData', (c, cb) => c.setData(path, Buffer.from(JSON.stringify(to)), stat.version, (e) => cb(e, undefined)));
      return true;
    } catch (err) {
      if (err instanceof OpFailure && err.message.includes('BAD_VERSION')) return false; // it moved since the read: not applied
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }

  /** Creates /r and /r/<key> (empty, meaning null) if missing: creating an empty register changes no value. */
  private async ensure(key: string): Promise<string> {
    const path = `${ROOT}/${key}`;
    if (!this.rootReady) {
      await this.createIfMissing(ROOT);
      this.rootReady = true;
    }
    await this.createIfMissing(path);
    return path;
  }

  private async createIfMissing(path: string): Promise<void> {
    try {
      await this.call('create', (c, cb) => c.create(path, Buffer.alloc(0), (e) => cb(e, undefined)));
    } catch (err) {
      if (!(err instanceof OpFailure && err.message.includes('NODE_EXISTS'))) throw err;
    }
  }

  /** A connected client, or a definite failure: an op is never queued behind a reconnect. */
  private async connected(): Promise<zookeeper.Client> {
    const { default: zk } = await import('node-zookeeper-client');
    if (this.client && this.client.getState() === zk.State.SYNC_CONNECTED) return this.client;
    if (this.client && this.client.getState() !== zk.State.EXPIRED && this.client.getState() !== zk.State.DISCONNECTED) {
      throw new OpFailure(`not connected to ${this.node} (${this.client.getState().name})`, true);
    }
    this.client?.close();
    const client = zk.createClient(this.address, { sessionTimeout: 6000, spinDelay: 200, retries: 0 });
    guardAgainstUnparsableReplies(client);
    this.client = client;
    this.rootReady = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new OpFailure(`no ZooKeeper session with ${this.node} within ${this.timeoutMs} ms`, true)), this.timeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    }).catch((err: unknown) => {
      client.close();
      if (this.client === client) this.client = undefined;
      throw err;
    });
    return client;
  }

  /** Runs one request with the op deadline; maps ZooKeeper's error codes to definite or indefinite. */
  private async call<T>(what: string, request: (client: zookeeper.Client, done: (err: Error | zookeeper.Exception | null | undefined, result: T) => void) => void): Promise<T> {
    const client = await this.connected();
    const { Exception } = (await import('node-zookeeper-client')).default;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new OpFailure(`${what} via ${this.node} timed out after ${this.timeoutMs} ms`, false)), this.timeoutMs);
      request(client, (err, result) => {
        clearTimeout(timer);
        if (!err) return resolve(result);
        const code = (err as zookeeper.Exception).getCode?.();
        reject(new OpFailure(`${what} via ${this.node}: ${err.toString()}`, code !== undefined && DEFINITE_EXCEPTIONS.some((name) => Exception[name] === code)));
      });
    });
  }
}

/**
 * node-zookeeper-client throws from its socket's data handler when a reply does not parse (seen
 * with an unknown error code while a partition cut its server off), which would crash the
 * controller. A reply that does not parse means the stream can no longer be trusted: drop the
 * connection instead, so requests in flight fail as connection loss (indefinite) and it reconnects.
 */
function guardAgainstUnparsableReplies(client: zookeeper.Client): void {
  type Manager = { onSocketData(buffer: Buffer): void; pendingBuffer: Buffer | null; socket?: { destroy(): void } };
  const manager = (client as unknown as { connectionManager: Manager }).connectionManager;
  const onSocketData = manager.onSocketData;
  // The manager binds this method to each new socket, so an own property replaces it for all of them.
  manager.onSocketData = function (this: Manager, buffer: Buffer) {
    try {
      onSocketData.call(this, buffer);
    } catch {
      this.pendingBuffer = null;
      this.socket?.destroy();
    }
  };
}

/** The server's mode from the `srvr` four-letter command: leader, follower, standalone, or why not. */
function modeOf(ctx: DbContext, node: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('srvr timed out'));
    }, 1000);
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const mode = /Mode: (\w+)/.exec(text)?.[1];
      resolve(mode ?? (text.trim().split('\n')[0] || 'no answer'));
    });
    socket.connect(CLIENT_PORT, hostOf(ctx, node, 'zookeeper'), () => socket.end('srvr'));
  });
}

/** ZooKeeper, as --db zookeeper names it. */
export default defineDb({
  name: 'zookeeper',
  description: "ZooKeeper 3.8 (Debian's zookeeperd): ZAB, versioned znodes as registers",
  options: zookeeperOptions,
  runtimes: ['docker'],
  describe: (options) => (options.reads === 'checked' ? [] : [`${options.reads}-reads`]),
  create: (options) => zookeeperDb(options),
});
