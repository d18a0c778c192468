// Redis as a db: on every node a Redis server and a Sentinel. n1 starts as the primary and the
// others replicate from it; the Sentinels (quorum: a majority) fail over when it goes down. A client
// (ioredis) asks Sentinels for the primary, its own node's first, and follows failovers.
//
//   read  -> GET k
//   write -> SET k v
//   cas   -> EVAL: if GET k == from then SET k to (atomic on the primary)
//
// Replication is asynchronous, so this is the configuration Jepsen showed can lose acknowledged
// writes in a partition; `min-replicas-to-write 1` (the documented mitigation) narrows that window.
// Persistence is an fsync'd append-only file, so a killed node restarts with what it acknowledged.
// The primary is whichever node's server says ROLE master (two of them during a split brain).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import { Redis, ReplyError } from 'ioredis';
import { OpFailure, type DbContext, type RegisterConnection, type RegisterDb } from './db.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';

const SERVER_PORT = 6379;
const SENTINEL_PORT = 26379;
const MASTER = 'faultline';

const CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

export function redisDb(): RegisterDb & PrimaryDb {
  return {
    name: 'redis',

    async start(node, ctx) {
      const host = hostOf(ctx, node, 'redis');
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      const nodes = ctx.runtime.nodes;
      const first = nodes[0] as string;
      // Written once: Sentinel rewrites both files when it fails over, and a restart must keep that.
      const serverConf = join(dataDir, 'redis.conf');
      const sentinelConf = join(dataDir, 'sentinel.conf');
      if (!existsSync(serverConf)) {
        writeFileSync(serverConf, [
          `bind ${host}`, `port ${SERVER_PORT}`, 'protected-mode no', 'daemonize no', 'logfile ""', `dir ${dataDir}`,
          'appendonly yes', 'appendfsync always', 'save ""',
          'min-replicas-to-write 1', 'min-replicas-max-lag 10',
          ...(node === first ? [] : [`replicaof ${hostOf(ctx, first, 'redis')} ${SERVER_PORT}`]),
        ].join('\n') + '\n');
      }
      if (!existsSync(sentinelConf)) {
        const quorum = Math.floor(nodes.length / 2) + 1;
        writeFileSync(sentinelConf, [
          `bind ${host}`, `port ${SENTINEL_PORT}`, 'protected-mode no', 'daemonize no', 'logfile ""', `dir ${dataDir}`,
          `sentinel monitor ${MASTER} ${hostOf(ctx, first, 'redis')} ${SERVER_PORT} ${quorum}`,
          `sentinel down-after-milliseconds ${MASTER} 3000`,
          `sentinel failover-timeout ${MASTER} 10000`,
          `sentinel parallel-syncs ${MASTER} 1`,
        ].join('\n') + '\n');
      }
      await ctx.runtime.spawn(node, { command: 'faultline-redis-node', args: [serverConf, sentinelConf], image: 'redis' }, nodeLog(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      // Ready when the node's server answers, its Sentinel names a primary, and that primary agrees.
      await awaitNodes(nodes, ctx, deadlineMs, async (node) => {
        await withConnection(ctx, node, SERVER_PORT, (r) => r.ping());
        const address = (await withConnection(ctx, node, SENTINEL_PORT, (r) => r.call('SENTINEL', 'get-master-addr-by-name', MASTER))) as [string, string] | null;
        if (!address) return `its Sentinel knows no primary for "${MASTER}"`;
        const primary = ctx.runtime.nodes.find((n) => hostOf(ctx, n, 'redis') === address[0]);
        if (!primary) return `its Sentinel names ${address.join(':')}, which is no node`;
        const role = (await withConnection(ctx, primary, SERVER_PORT, (r) => r.call('ROLE'))) as [string, number, unknown[]];
        if (role[0] !== 'master') return `its Sentinel names ${primary} as primary, but ${primary} is a ${role[0]}`;
        // min-replicas-to-write 1: the primary refuses writes until a replica is in sync.
        if (ctx.runtime.nodes.length > 1 && (role[2]?.length ?? 0) < 1) return `its primary ${primary} has no replica in sync yet`;
        return true;
      });
    },

    async primaries(ctx) {
      const roles = await Promise.all(ctx.runtime.nodes.map(async (node) => {
        const role = (await withConnection(ctx, node, SERVER_PORT, (r) => r.call('ROLE')).catch(() => undefined)) as [string] | undefined;
        return role?.[0] === 'master' ? [node] : [];
      }));
      return roles.flat();
    },

    async openRegister(node, ctx) {
      const timeoutMs = ctx.test.opTimeoutMs;
      const nodes = ctx.runtime.nodes;
      const ordered = [node, ...nodes.filter((n) => n !== node)];
      let closed = false;
      const client = new Redis({
        sentinels: ordered.map((n) => ({ host: hostOf(ctx, n, 'redis'), port: SENTINEL_PORT })),
        name: MASTER,
        role: 'master',
        // After a failover Sentinel disconnects the old primary's clients, so they ask again.
        // Never queue or resend an op: each op is sent at most once, so its outcome can be judged.
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 0,
        commandTimeout: timeoutMs,
        connectTimeout: timeoutMs,
        sentinelCommandTimeout: Math.min(timeoutMs, 1000),
        // Reconnect for a few seconds, then stop: the next op reconnects. A client that nobody
        // closes can then never keep the controller alive.
        retryStrategy: (attempts) => (attempts > 10 ? null : 200),
        sentinelRetryStrategy: () => null,
        lazyConnect: true,
      });
      client.on('error', () => undefined); // connection errors surface through the ops
      const reconnect = () => client.connect().catch(() => undefined); // a node down now may be up for the next op
      await reconnect();
      const key = (k: string) => `r/${k}`;
      const run = async <T>(what: () => Promise<T>): Promise<T> => {
        if (client.status === 'end' && !closed) await reconnect();
        try {
          return await what();
        } catch (err) {
          throw toOpFailure(err, node);
        }
      };
      const connection: RegisterConnection = {
        async read(k) {
          const value = await run(() => client.get(key(k)));
          return value === null ? null : (JSON.parse(value) as unknown);
        },
        async write(k, value) {
          await run(() => client.set(key(k), JSON.stringify(value)));
        },
        async cas(k, from, to) {
          const changed = await run(() => client.eval(CAS_SCRIPT, 1, key(k), JSON.stringify(from), JSON.stringify(to)));
          return changed === 1;
        },
        async close() {
          closed = true;
          client.disconnect();
        },
      };
      return connection;
    },
  };
}

/**
 * An error reply means Redis refused the command as a whole (READONLY on a replica, NOREPLICAS,
 * MASTERDOWN, LOADING): definite. A command that was never written (no connection) is definite
 * too. A timeout or a connection lost with the command in flight may have been applied.
 */
function toOpFailure(err: unknown, node: string): OpFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ReplyError) return new OpFailure(`redis via ${node}: ${message}`, true);
  const neverSent = /Stream isn't writeable/.test(message);
  return new OpFailure(`redis via ${node}: ${message}`, neverSent);
}

/** Opens a short-lived plain connection to one node's server or Sentinel, runs `what`, closes it. */
async function withConnection<T>(ctx: DbContext, node: string, port: number, what: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: hostOf(ctx, node, 'redis'), port, lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await what(r);
  } finally {
    r.disconnect();
  }
}

/** Redis, as --db redis names it. */
export default defineDb({
  name: 'redis',
  description: "Redis 7 (Debian's redis-server) with asynchronous replicas and Sentinel failover",
  runtimes: ['docker'],
  create: () => redisDb(),
});
