// ZooKeeper as a db: an ensemble with one server per node, and a client (node-zookeeper-client)
// whose session is bound to its own node's server. Each register is a znode /r/<key>.
//
//   read  -> getData, then a multi holding only check(version): the check goes through the
//            leader's total order, so a read that passes it is linearizable at that point (a plain
//            getData may be stale: ZooKeeper serves reads from the local replica)
//   write -> setData (create when the znode does not exist yet)
//   cas   -> getData; if the value is `from`, setData with that version (refused if it moved)
//
// Requests are never retried by the client, so an op is sent at most once. The leader is the primary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import zookeeper from 'node-zookeeper-client';
import { OpFailure, type DbContext, type RegisterConnection, type RegisterDb } from './db.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';

const CLIENT_PORT = 2181;
const ROOT = '/r';
const { Exception } = zookeeper;

/** Outcomes the server decided: the request certainly had no other effect. */
const DEFINITE_CODES: readonly number[] = [Exception.NO_NODE, Exception.NODE_EXISTS, Exception.BAD_VERSION, Exception.NO_CHILDREN_FOR_EPHEMERALS, Exception.NOT_EMPTY, Exception.BAD_ARGUMENTS];

export function zookeeperDb(): RegisterDb & PrimaryDb {
  return {
    name: 'zookeeper',

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
      await ctx.runtime.spawn(node, { command: 'env', args: ['-u', 'FAKETIME_DONT_FAKE_MONOTONIC', 'java', ...args], env, image: 'zookeeper' }, nodeLog(ctx, node));
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
      return new ZooKeeperRegister(`${hostOf(ctx, node, 'zookeeper')}:${CLIENT_PORT}`, node, ctx.test.opTimeoutMs);
    },
  };
}

/** A session to one server; replaced when it expires. */
class ZooKeeperRegister implements RegisterConnection {
  private client: zookeeper.Client | undefined;
  private rootReady = false;

  constructor(private readonly address: string, private readonly node: string, private readonly timeoutMs: number) {}

  async read(key: string): Promise<unknown> {
    const path = await this.ensure(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const [data, stat] = await this.call<[Buffer | undefined, zookeeper.Stat]>('getData', (c, cb) => c.getData(path, (e, d, s) => cb(e, [d, s])));
      try {
        await this.call('check', (c, cb) => c.transaction().check(path, stat.version).commit((e) => cb(e, undefined)));
        return parse(data);
      } catch (err) {
        if (!(err instanceof OpFailure && err.message.includes('BAD_VERSION'))) throw err;
      }
    }
    throw new OpFailure(`read of ${path} via ${this.node}: the register changed under three reads in a row`, true);
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
    if (this.client && this.client.getState() === zookeeper.State.SYNC_CONNECTED) return this.client;
    if (this.client && this.client.getState() !== zookeeper.State.EXPIRED && this.client.getState() !== zookeeper.State.DISCONNECTED) {
      throw new OpFailure(`not connected to ${this.node} (${this.client.getState().name})`, true);
    }
    this.client?.close();
    const client = zookeeper.createClient(this.address, { sessionTimeout: 6000, spinDelay: 200, retries: 0 });
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
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new OpFailure(`${what} via ${this.node} timed out after ${this.timeoutMs} ms`, false)), this.timeoutMs);
      request(client, (err, result) => {
        clearTimeout(timer);
        if (!err) return resolve(result);
        const code = (err as zookeeper.Exception).getCode?.();
        reject(new OpFailure(`${what} via ${this.node}: ${err.toString()}`, code !== undefined && DEFINITE_CODES.includes(code)));
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

function parse(data: Buffer | undefined): unknown {
  return data === undefined || data.length === 0 ? null : (JSON.parse(data.toString('utf8')) as unknown);
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
  runtimes: ['docker'],
  create: () => zookeeperDb(),
});
