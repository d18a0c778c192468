// Redis as a db: on every node a Redis server and a Sentinel. n1 starts as the primary and the
// others replicate from it; the Sentinels (quorum: a majority) fail over when it goes down. A client
// (ioredis) asks Sentinels for the primary, its own node's first, and follows failovers.
//
//   read  -> GET k
//   write -> SET k v                                      (then WAIT, under --redis-wait)
//   cas   -> EVAL: if GET k == from then SET k to (atomic on the primary; then WAIT if it wrote)
//
// Each node runs NODE_SCRIPT (below), started as `sh -c`, so it needs nothing on the node but Debian's
// redis-server: the same on a container (docker/redis) and on a host reached over SSH.
//
// Replication is asynchronous, so this is the configuration Jepsen showed can lose acknowledged
// writes in a partition. Persistence is an fsync'd append-only file, so a killed node restarts with
// what it acknowledged. The primary is whichever node's server says ROLE master (two of them
// during a split brain).
//
// The knobs, from Redis's own manual (all in Debian's Redis 7.0: WAIT since 3.0, min-replicas-*
// since 2.8, named min-slaves-* before 5.0):
// - wait (--redis-wait, with --redis-wait-timeout-ms): WAIT numreplicas timeout
//   (https://redis.io/docs/latest/commands/wait/) blocks until the connection's earlier writes are
//   acknowledged by that many replicas or the timeout passes, and returns how many did. Sent in the
//   same pipeline as the write, so both travel on one connection. A write that WAIT confirms on too
//   few replicas (or whose WAIT fails) did happen on the primary and may or may not survive: it is
//   recorded as unknown (info), never as ok or fail. The same page warns that WAIT does not make Redis
//   strongly consistent: a failover may still promote a replica that lacks a write, so writes WAIT
//   acknowledged can be lost; it only makes that less likely. 0 replicas (the default) sends no WAIT.
// - minReplicasToWrite and minReplicasMaxLagS (--redis-min-replicas, --redis-min-replicas-max-lag),
//   written to every node's redis.conf as min-replicas-to-write and min-replicas-max-lag. The
//   redis.conf Debian ships with 7.0 documents them: a primary stops accepting writes when fewer than
//   N replicas are online with a lag (time since their last ping, sent about every second) of at
//   most M seconds; this does not guarantee that N replicas get a write, it limits to M seconds the
//   window in which writes can be lost when replicas are gone. A refused write gets NOREPLICAS
//   (https://redis.io/docs/latest/develop/reference/errors/common/noreplicas/): recorded as fail.
//   0 replicas turns the check off; the default, 1 replica within 10 s, is what the adapter always set.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import type { DataFilesDb, DbContext, RegisterConnection, RegisterDb } from './db.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';
import { redisRegister, type RedisLink, type Settled } from './redis-register.js';

const SERVER_PORT = 6379;
const SENTINEL_PORT = 26379;
const MASTER = 'faultline';

/** Redis's consistency knobs, declared for the CLI and test.json. */
export const redisOptions = {
  wait: option.integer({
    min: 0, max: 14, default: 0, flag: 'redis-wait',
    help: 'replicas that must acknowledge each write (WAIT) before it counts as ok; fewer in time makes it unknown (0: no WAIT)',
  }),
  waitTimeoutMs: option.integer({
    min: 1, max: 600_000, default: 1000, flag: 'redis-wait-timeout-ms',
    help: 'how long WAIT waits for --redis-wait replicas, in milliseconds (keep it under --op-timeout-ms)',
  }),
  minReplicasToWrite: option.integer({
    min: 0, max: 14, default: 1, flag: 'redis-min-replicas',
    help: 'min-replicas-to-write: the primary refuses writes (NOREPLICAS) unless this many replicas are in touch (0: off)',
  }),
  minReplicasMaxLagS: option.integer({
    min: 1, max: 3600, default: 10, flag: 'redis-min-replicas-max-lag',
    help: 'min-replicas-max-lag: seconds since its last ping within which a replica counts for --redis-min-replicas',
  }),
};

/** The resolved values of redisOptions. */
export type RedisOptions = OptionValues<typeof redisOptions>;

/**
 * Runs a node's Redis server and its Sentinel: `sh -c NODE_SCRIPT faultline-redis-node DATA_DIR
 * REDIS_CONF_TEXT SENTINEL_CONF_TEXT`. It writes each config into DATA_DIR unless it is there
 * (Sentinel rewrites both when it fails over, and a restart must keep that), and starts both there
 * (the configs name no directory: Redis keeps its data in the one it starts in). When either
 * exits, the other is stopped too, so the node goes down as one, like a crashed machine.
 */
export const NODE_SCRIPT = `set -u
dir=$1
cd "$dir" || exit 1
command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 127; }
[ -e redis.conf ] || printf '%s' "$2" >redis.conf
[ -e sentinel.conf ] || printf '%s' "$3" >sentinel.conf
# libfaketime cannot initialise inside jemalloc, Redis's allocator (libfaketime issue #130): when
# the clock is faked, glibc's allocator goes first (libc_malloc_debug interposes malloc and friends).
case "\${LD_PRELOAD:-}" in
  *libfaketime*)
    for lib in /lib/*/libc_malloc_debug.so.0; do LD_PRELOAD=$lib:$LD_PRELOAD; done
    export LD_PRELOAD
    ;;
esac
redis-server "$dir/redis.conf" &
server=$!
redis-server "$dir/sentinel.conf" --sentinel &
sentinel=$!
trap 'kill "$server" "$sentinel" 2>/dev/null' TERM INT
while kill -0 "$server" 2>/dev/null && kill -0 "$sentinel" 2>/dev/null; do sleep 0.2; done
kill "$server" "$sentinel" 2>/dev/null
wait
exit 1`;

/** A node's redis.conf: where it listens, fsync'd AOF, the min-replicas knobs, whom it replicates. */
export function redisServerConf(host: string, primary: string | undefined, options: Pick<RedisOptions, 'minReplicasToWrite' | 'minReplicasMaxLagS'>): string {
  return [
    `bind ${host}`, `port ${SERVER_PORT}`, 'protected-mode no', 'daemonize no', 'logfile ""',
    'appendonly yes', 'appendfsync always', 'save ""',
    `min-replicas-to-write ${options.minReplicasToWrite}`, `min-replicas-max-lag ${options.minReplicasMaxLagS}`,
    ...(primary === undefined ? [] : [`replicaof ${primary} ${SERVER_PORT}`]),
  ].join('\n') + '\n';
}

/** Refuses, in one line, knobs that a cluster of this size can never satisfy (every write would fail or be unknown). */
export function assertReachable(options: Pick<RedisOptions, 'wait' | 'minReplicasToWrite'>, nodeCount: number): void {
  const replicas = nodeCount - 1;
  const needs = (flag: string, n: number) => `--${flag} ${n} needs ${n} replica${n === 1 ? '' : 's'}, but ${nodeCount} node${nodeCount === 1 ? ' has' : 's have'} ${replicas}`;
  if (options.wait > replicas) throw new Error(`redis: ${needs('redis-wait', options.wait)}: every write would be unknown; expected at most ${replicas}`);
  // A single node has no replicas to count: it is let through as before, whatever the setting.
  if (replicas > 0 && options.minReplicasToWrite > replicas) {
    throw new Error(`redis: ${needs('redis-min-replicas', options.minReplicasToWrite)}: the primary would refuse every write (NOREPLICAS); expected at most ${replicas}`);
  }
}

export function redisDb(given: Partial<RedisOptions> = {}): RegisterDb & PrimaryDb & DataFilesDb {
  // No default here depends on the cluster, so any node count resolves them alike.
  const options = resolveOptions(redisOptions, given, { nodeCount: 1 }, 'db redis');
  return {
    name: 'redis',
    // start() reuses the data directory; redis.conf and sentinel.conf beside the data are configuration,
    // and with appendonly on Redis starts from the AOF alone (a replica's dump.rdb is not read).
    dataFiles: ['appendonlydir/*'],

    async start(node, ctx) {
      const host = hostOf(ctx, node, 'redis');
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      const nodes = ctx.runtime.nodes;
      assertReachable(options, nodes.length);
      const first = nodes[0] as string;
      const quorum = Math.floor(nodes.length / 2) + 1;
      const serverConf = redisServerConf(host, node === first ? undefined : hostOf(ctx, first, 'redis'), options);
      const sentinelConf = [
        `bind ${host}`, `port ${SENTINEL_PORT}`, 'protected-mode no', 'daemonize no', 'logfile ""',
        `sentinel monitor ${MASTER} ${hostOf(ctx, first, 'redis')} ${SERVER_PORT} ${quorum}`,
        `sentinel down-after-milliseconds ${MASTER} 3000`,
        `sentinel failover-timeout ${MASTER} 10000`,
        `sentinel parallel-syncs ${MASTER} 1`,
      ].join('\n') + '\n';
      // The configs travel as arguments: the node writes them (once) where it keeps its data.
      await ctx.runtime.spawn(node, { command: 'sh', args: ['-c', NODE_SCRIPT, 'faultline-redis-node', dataDir, serverConf, sentinelConf], image: 'redis', dataDir }, nodeLog(ctx, node));
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
        // min-replicas-to-write: the primary refuses writes until that many replicas are in sync.
        const inSync = role[2]?.length ?? 0;
        const needed = Math.min(options.minReplicasToWrite, ctx.runtime.nodes.length - 1);
        if (inSync < needed) return `its primary ${primary} has ${inSync} replica(s) in sync, fewer than min-replicas-to-write ${needed}`;
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
      const { Redis } = await import('ioredis');
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
      const ready = async () => {
        if (client.status === 'end' && !closed) await reconnect();
      };
      const link: RedisLink = {
        async send([name, ...args]) {
          await ready();
          return client.call(name, ...args);
        },
        async pipeline(commands) {
          await ready();
          try {
            const results = await client.pipeline(commands.map(([name, ...args]) => [name.toLowerCase(), ...args])).exec();
            return commands.map((_, i): Settled => {
              const [error, value] = results?.[i] ?? [new Error('the pipeline returned no reply'), undefined];
              return error ? { ok: false, error } : { ok: true, value };
            });
          } catch (error) {
            return commands.map((): Settled => ({ ok: false, error }));
          }
        },
      };
      const connection: RegisterConnection = {
        ...redisRegister(link, node, { replicas: options.wait, timeoutMs: options.waitTimeoutMs }),
        async close() {
          closed = true;
          client.disconnect();
        },
      };
      return connection;
    },
  };
}

/** Opens a short-lived plain connection to one node's server or Sentinel, runs `what`, closes it. */
async function withConnection<T>(ctx: DbContext, node: string, port: number, what: (r: Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import('ioredis');
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
  options: redisOptions,
  runtimes: ['docker', 'ssh'],
  validate: (options, { nodeCount }) => assertReachable(options, nodeCount),
  describe: (options) => [options.wait > 0 ? `wait${options.wait}` : '', options.minReplicasToWrite !== 1 ? `min-replicas${options.minReplicasToWrite}` : ''].filter(Boolean),
  create: (options) => redisDb(options),
});
