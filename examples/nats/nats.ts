// NATS JetStream's key-value store as a faultline database, defined outside faultline's tree with
// its public API only. One nats-server per node, JetStream on, all nodes one cluster, one KV bucket
// (a stream KV_<bucket>, replicated by Raft on --nats-replicas nodes). Clients use the `nats` npm
// client, each connection bound to its own node (no cluster discovery, no failover).
//
//   register read  -> kv.get(key)                  (the stream leader, or any replica with --nats-reads direct)
//   register write -> kv.put(key, value)
//   register cas   -> kv.get, compare the value, kv.update(key, to, revision)   (update at a revision)
//   set add / read -> one key per element: kv.put(s.<set>.<element>); kv.keys(s.<set>.*)
//   counter        -> a cas loop on one key (get, update at the revision read)
//
// A value is its JSON text. README.md walks through this file; NOTES.md is the research behind it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JSONCodec, StorageType, type KV, type NatsConnection } from 'nats';
import {
  awaitNodes, defineDb, hasNodeAddresses, holdNodePort, nodeImage, nodeLog, option, OpFailure,
  type CounterConnection, type DbContext, type OptionValues, type RegisterConnection, type SetConnection,
} from 'faultline';
import { natsConfig } from './nats-config.ts';
import { apiErrorCode, natsFailure, WRONG_LAST_SEQUENCE } from './nats-errors.ts';

const GO_CLOCK = 'nats-server is a Go program, and Go reads the clock through the vDSO rather than libc, so libfaketime cannot shift it';

/** The consistency knobs of the bucket, from NATS's manual (https://docs.nats.io/nats-concepts/jetstream/key-value-store). */
export const natsOptions = {
  replicas: option.integer({
    min: 1,
    max: 5,
    flag: 'nats-replicas',
    default: ({ nodeCount }) => Math.min(3, nodeCount),
    help: "the bucket's replicas (its stream's num_replicas, Raft-replicated): 1 to 5 and at most --nodes (default: 3, or the node count if smaller)",
  }),
  reads: option.oneOf(['leader', 'direct'], {
    flag: 'nats-reads',
    default: 'leader',
    help: "how a get is served: leader (the stream leader answers, STREAM.MSG.GET) or direct (any replica answers, the stream's allow_direct; the manual: no read-your-writes guarantee)",
  }),
  history: option.integer({
    min: 1,
    max: 64,
    flag: 'nats-history',
    default: 1,
    help: "values the bucket keeps per key (max_msgs_per_subject), 1 to 64; the register reads only the latest",
  }),
  storage: option.oneOf(['file', 'memory'], {
    flag: 'nats-storage',
    default: 'file',
    help: "where the bucket's stream keeps its messages: file or memory (a killed node then restarts empty and catches up from the others)",
  }),
};

export type NatsOptions = OptionValues<typeof natsOptions>;

/** The node image for the Docker runtime: Debian's nats-server on the faultline base (docker/nats/). */
export const natsImage = nodeImage.fromDir(new URL('./docker/nats/', import.meta.url));

/** The bucket every client uses; its stream is KV_faultline. */
export const BUCKET = 'faultline';

/** The usual ports, where a node has an address of its own (Docker). */
const STANDARD_PORTS = { client: 4222, cluster: 6222, monitor: 8222 } as const;

/** How many times a cas reads again after a wrong last sequence while the value was still `from`. */
const CAS_RETRIES = 5;

/** A counter add reads again after each lost race, up to this many times. */
const COUNTER_RETRIES = 20;

const codec = JSONCodec<unknown>();

/** The adapter for these options: starts nodes, waits for the bucket, opens register, set and counter clients. */
export function natsDb(options: NatsOptions) {
  // Local runtime: the runtime gives a node one port, the one its peers' proxies lead to, so that is
  // the cluster port; the client and monitoring ports are picked here, once, and kept across restarts.
  const localPorts = new Map<string, { client: number; monitor: number }>();

  function clientAddress(node: string, ctx: DbContext): string {
    const { runtime } = ctx;
    if (hasNodeAddresses(runtime)) return `${runtime.nodeHost(node)}:${STANDARD_PORTS.client}`;
    const ports = localPorts.get(node);
    if (ports === undefined) throw new Error(`node ${node} has no client port yet; expected start() to have run on it`);
    return `${runtime.listenAddress(node).host}:${ports.client}`;
  }

  /** A connection to one node only, and the bucket bound through it (binding asks the server nothing). */
  async function open(node: string, ctx: DbContext): Promise<{ nc: NatsConnection; kv: KV }> {
    const server = clientAddress(node, ctx);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: server,
        name: `faultline-${node}`,
        ignoreClusterUpdates: true,
        noRandomize: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // Under faultline's own connect deadline (the op timeout), so a slow connect never outlives it.
        timeout: Math.min(2000, ctx.test.opTimeoutMs),
      });
    } catch (err) {
      throw natsFailure(`connect to ${node} (${server})`, err, 'never-sent');
    }
    // checkAPI false: opening asks the server nothing more, so each op, not the open, meets an unready node.
    const js = nc.jetstream({ timeout: ctx.test.opTimeoutMs, checkAPI: false });
    const kv = await js.views.kv(BUCKET, { bindOnly: true, allow_direct: options.reads === 'direct' });
    return { nc, kv };
  }

  return {
    name: 'nats',
    /** A node's client address, host:port (also for tests and scripts that talk NATS themselves). */
    clientAddress,
    // A direct get may come from a replica that has not caught up.
    ...(options.reads === 'direct' && { staleReads: true }),
    // Clock faults are refused before the run, with this reason.
    clockUnfakeable: GO_CLOCK,

    async start(node: string, ctx: DbContext) {
      const { runtime } = ctx;
      const dir = ctx.nodeDir(node);
      const storeDir = join(dir, 'data');
      mkdirSync(storeDir, { recursive: true });
      const others = runtime.nodes.filter((peer) => peer !== node);
      let config: string;
      if (hasNodeAddresses(runtime)) {
        const host = runtime.nodeHost(node);
        config = natsConfig({
          node,
          storeDir,
          client: `${host}:${STANDARD_PORTS.client}`,
          cluster: `${host}:${STANDARD_PORTS.cluster}`,
          monitor: `${host}:${STANDARD_PORTS.monitor}`,
          routes: others.map((peer) => `${runtime.nodeHost(peer)}:${STANDARD_PORTS.cluster}`),
        });
      } else {
        let ports = localPorts.get(node);
        if (ports === undefined) {
          const held = await Promise.all([holdNodePort(), holdNodePort()]);
          await Promise.all(held.map((h) => h.release()));
          ports = { client: held[0]!.port, monitor: held[1]!.port };
          localPorts.set(node, ports);
        }
        const listen = runtime.listenAddress(node);
        config = natsConfig({
          node,
          storeDir,
          client: `${listen.host}:${ports.client}`,
          cluster: `${listen.host}:${listen.port}`,
          monitor: `${listen.host}:${ports.monitor}`,
          // Routes go through the runtime's proxies, so partitions reach them.
          routes: others.map((peer) => {
            const a = runtime.peerAddress(node, peer);
            return `${a.host}:${a.port}`;
          }),
        });
      }
      const file = join(dir, 'nats.conf');
      writeFileSync(file, config);
      await runtime.spawn(node, {
        command: 'nats-server',
        args: ['--config', file],
        image: natsImage,
        dataDir: storeDir,
        clockUnfakeable: GO_CLOCK,
      }, nodeLog(ctx, node));
    },

    async awaitReady(nodes: readonly string[], ctx: DbContext, deadlineMs: number) {
      const deadline = Date.now() + deadlineMs;
      // 1. The bucket exists: made (or found) through the first node, which needs JetStream's meta leader.
      await awaitNodes(nodes.slice(0, 1), ctx, deadlineMs, async (node) => {
        const { nc } = await open(node, ctx);
        try {
          await nc.jetstream({ timeout: 2000 }).views.kv(BUCKET, {
            replicas: options.replicas,
            history: options.history,
            storage: options.storage === 'file' ? StorageType.File : StorageType.Memory,
            allow_direct: options.reads === 'direct',
          });
          return true;
        } finally {
          await nc.close();
        }
      });
      // 2. Every node answers a get: the bucket's stream has a leader it can reach.
      await awaitNodes(nodes, ctx, Math.max(1000, deadline - Date.now()), async (node) => {
        const { nc, kv } = await open(node, ctx);
        try {
          await readEntry(kv, 'ready');
          return true;
        } finally {
          await nc.close();
        }
      });
    },

    /** The node leading the bucket's stream (server names are node names): partitions and kills may aim at it. */
    async primaries(ctx: DbContext): Promise<string[]> {
      for (const node of ctx.runtime.nodes) {
        const leader = await streamLeader(node, ctx).catch(() => undefined);
        if (leader !== undefined && ctx.runtime.nodes.includes(leader)) return [leader];
      }
      return [];
    },

    async openRegister(node: string, ctx: DbContext): Promise<RegisterConnection> {
      const { nc, kv } = await open(node, ctx);
      return {
        async read(key) {
          return (await readEntry(kv, `r.${key}`)).value;
        },
        async write(key, value) {
          try {
            await kv.put(`r.${key}`, codec.encode(value));
          } catch (err) {
            throw natsFailure(`put r.${key}`, err, 'write');
          }
        },
        async cas(key, from, to) {
          // A value cas over update-at-revision. A wrong last sequence says the revision moved on, not
          // that the value differs (the same value may have been written again): read again.
          for (let attempt = 0; attempt <= CAS_RETRIES; attempt++) {
            const current = await readEntry(kv, `r.${key}`);
            if (JSON.stringify(current.value) !== JSON.stringify(from)) return false;
            if (await updateAt(kv, `r.${key}`, to, current.revision)) return true;
          }
          throw new OpFailure(`cas r.${key}: the revision moved on ${CAS_RETRIES + 1} times while the value was still ${JSON.stringify(from)}; nothing written`, true);
        },
        close: () => nc.close(),
      };
    },

    async openSet(node: string, ctx: DbContext): Promise<SetConnection> {
      const { nc, kv } = await open(node, ctx);
      return {
        async add(key, element) {
          // A key per element: adds never contend, and a lost add is a missing key.
          try {
            await kv.put(`s.${key}.${elementToken(element)}`, codec.encode(element));
          } catch (err) {
            throw natsFailure(`add to s.${key}`, err, 'write');
          }
        },
        async read(key) {
          try {
            const elements: unknown[] = [];
            // keys() reads through an ordered consumer on the bucket's stream.
            for await (const k of await kv.keys(`s.${key}.*`)) elements.push(tokenToElement(k.slice(`s.${key}.`.length)));
            return elements;
          } catch (err) {
            throw natsFailure(`read s.${key}`, err, 'read');
          }
        },
        close: () => nc.close(),
      };
    },

    async openCounter(node: string, ctx: DbContext): Promise<CounterConnection> {
      const { nc, kv } = await open(node, ctx);
      return {
        async add(key, amount) {
          // Get, then update at that revision; on a wrong last sequence someone else added first: again.
          for (let attempt = 0; attempt <= COUNTER_RETRIES; attempt++) {
            const current = await readEntry(kv, `c.${key}`);
            const value = typeof current.value === 'number' ? current.value : 0;
            if (await updateAt(kv, `c.${key}`, value + amount, current.revision)) return;
          }
          throw new OpFailure(`add to c.${key}: lost the race ${COUNTER_RETRIES + 1} times; nothing written`, true);
        },
        async read(key) {
          const { value } = await readEntry(kv, `c.${key}`);
          if (value !== null && typeof value !== 'number') throw new OpFailure(`read of counter c.${key} returned ${JSON.stringify(value)}; expected a number`, true);
          return value ?? 0;
        },
        close: () => nc.close(),
      };
    },
  };

  /** The stream leader as one node's JetStream API reports it. */
  async function streamLeader(node: string, ctx: DbContext): Promise<string | undefined> {
    const { nc } = await open(node, ctx);
    try {
      const info = await (await nc.jetstreamManager({ timeout: 1000 })).streams.info(`KV_${BUCKET}`);
      return info.cluster?.leader;
    } finally {
      await nc.close();
    }
  }
}

/** A key's value and revision; null and 0 when it is absent. */
async function readEntry(kv: KV, key: string): Promise<{ value: unknown; revision: number }> {
  try {
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT') return { value: null, revision: entry?.revision ?? 0 };
    return { value: codec.decode(entry.value), revision: entry.revision };
  } catch (err) {
    throw natsFailure(`get ${key}`, err, 'read');
  }
}

/** Writes `value` if the key's last revision is `revision` (0: only if absent); false when it is another. */
async function updateAt(kv: KV, key: string, value: unknown, revision: number): Promise<boolean> {
  try {
    if (revision === 0) await kv.create(key, codec.encode(value));
    else await kv.update(key, codec.encode(value), revision);
    return true;
  } catch (err) {
    if (apiErrorCode(err) === WRONG_LAST_SEQUENCE) return false;
    throw natsFailure(`update ${key} at revision ${revision}`, err, 'write');
  }
}

/** A set element as one key token (NATS keys: letters, digits, `-_=/.`; a token holds no dot). */
export function elementToken(element: unknown): string {
  return Buffer.from(JSON.stringify(element)).toString('base64url');
}

export function tokenToElement(token: string): unknown {
  return JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown;
}

/** NATS JetStream KV, as --db ./nats.ts names it. */
export default defineDb({
  name: 'nats',
  description: "NATS JetStream's key-value store (nats-server from PATH, or Debian's in Docker): Raft-replicated streams, cas as update at a revision",
  options: natsOptions,
  runtimes: ['local', 'docker'],
  validate(values, ctx) {
    if (values.replicas > ctx.nodeCount) throw new Error(`--nats-replicas ${values.replicas} is more than the ${ctx.nodeCount} nodes; expected at most --nodes`);
  },
  describe: (values) => [
    ...(values.replicas === 3 ? [] : [`r${values.replicas}`]),
    ...(values.reads === 'leader' ? [] : [`${values.reads}-reads`]),
    ...(values.storage === 'file' ? [] : [values.storage]),
  ],
  create: (values) => natsDb(values),
});
