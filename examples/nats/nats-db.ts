// NATS JetStream's key-value store as a faultline db (a prototype on the current internal contract,
// src/db/db.ts, until defineDb exists). One nats-server per node, JetStream on, all nodes one
// cluster; one KV bucket (a stream KV_<bucket>) replicated on `replicas` nodes. Clients use the
// `nats` npm client, each connection bound to its own node (no cluster discovery, no failover).
//
//   register read  -> kv.get(key)                     (leader get, or direct get from any replica: `read`)
//   register write -> kv.put(key, value)
//   register cas   -> kv.get, compare the value, kv.update(key, to, revision)   (update-at-revision)
//   set add/read   -> one key per element: kv.create(<set>.<element>); kv.keys(<set>.*)
//   counter        -> a cas loop on one key (get, update at the revision read)
//
// A value is its JSON text. See NOTES.md for what each NATS error means and the sources.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JSONCodec, StorageType, type KV, type NatsConnection, type NatsError } from 'nats';
import { OpFailure, type CounterConnection, type CounterDb, type DbContext, type RegisterConnection, type RegisterDb, type SetConnection, type SetDb } from 'faultline/dist/src/db/db.js';
import { awaitNodes, nodeLog } from 'faultline/dist/src/db/readiness.js';
import { holdNodePort } from 'faultline/dist/src/runtime/node-ports.js';
import { hasNodeAddresses } from 'faultline/dist/src/runtime/runtime.js';

/** The consistency knobs a definition exposes (NOTES.md: what each means in NATS's manual). */
export interface NatsOptions {
  /** The bucket's replication factor (stream num_replicas); at most the node count, at most 5. */
  replicas: number;
  /**
   * `leader`: a get goes to the stream leader ($JS.API.STREAM.MSG.GET). `direct`: any replica may
   * answer ($JS.API.DIRECT.GET, the stream's allow_direct; what the nats client makes by default),
   * which the manual says does not guarantee read-your-writes.
   */
  read: 'leader' | 'direct';
  /** JetStream storage of the bucket's stream. */
  storage: 'file' | 'memory';
  /** The bucket's name (its stream is KV_<bucket>). */
  bucket: string;
  /** How many times a cas re-reads after a `wrong last sequence` whose value was still `from`. */
  casRetries: number;
}

export const defaultNatsOptions: NatsOptions = { replicas: 3, read: 'leader', storage: 'file', bucket: 'faultline', casRetries: 5 };

/** Standard ports where a node has an address of its own (Docker). */
const STANDARD = { client: 4222, cluster: 6222, monitor: 8222 } as const;

/** JetStream API error codes that are answered before the message is proposed: certainly not stored. */
const WRONG_LAST_SEQUENCE = 10071;
const DEFINITE_API_ERRORS = new Set([WRONG_LAST_SEQUENCE]);

type NatsDb = RegisterDb & SetDb & CounterDb;

/** Where a node's HTTP monitoring endpoint is (/healthz, /routez, /jsz). */
export interface Monitored {
  monitorUrl(node: string, ctx: DbContext): string;
}

export function natsDb(options: Partial<NatsOptions> = {}): NatsDb & Monitored {
  const opts: NatsOptions = { ...defaultNatsOptions, ...options };
  // Local runtime: the runtime gives a node one port (its peers' proxies lead there), so the
  // cluster port is that one and the client port is picked here, once, and kept across restarts.
  const clientPorts = new Map<string, number>();
  const monitorPorts = new Map<string, number>();
  const codec = JSONCodec<unknown>();

  function clientAddress(node: string, ctx: DbContext): { host: string; port: number } {
    const { runtime } = ctx;
    if (hasNodeAddresses(runtime)) return { host: runtime.nodeHost(node), port: STANDARD.client };
    const port = clientPorts.get(node);
    if (port === undefined) throw new Error(`node ${node} has no client port yet: start it first`);
    return { host: '127.0.0.1', port };
  }

  async function open(node: string, ctx: DbContext): Promise<{ nc: NatsConnection; kv: KV }> {
    const { host, port } = clientAddress(node, ctx);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: `${host}:${port}`,
        name: `faultline-${node}`,
        // Bound to this node: never learn or fail over to the others.
        ignoreClusterUpdates: true,
        noRandomize: true,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: Math.min(2000, ctx.test.opTimeoutMs),
      });
    } catch (err) {
      throw failure(`connect to ${node} (${host}:${port})`, err, 'never-sent');
    }
    const js = nc.jetstream({ timeout: ctx.test.opTimeoutMs });
    // Bind without asking the server (a bound bucket needs no meta leader); direct gets only when asked.
    const kv = await js.views.kv(opts.bucket, { bindOnly: true, allow_direct: opts.read === 'direct' });
    return { nc, kv };
  }

  /** The entry's value and revision, or null and 0 when the key is absent (or deleted). */
  async function get(kv: KV, key: string): Promise<{ value: unknown; revision: number }> {
    try {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') return { value: null, revision: entry?.revision ?? 0 };
      return { value: codec.decode(entry.value), revision: entry.revision };
    } catch (err) {
      // A read changes nothing: whatever went wrong, it did not take effect.
      throw failure(`get ${key}`, err, 'read');
    }
  }

  /** Writes `value` at `revision` (0: only if absent); false when the key's last revision is another. */
  async function putAt(kv: KV, key: string, value: unknown, revision: number): Promise<boolean> {
    try {
      if (revision === 0) await kv.create(key, codec.encode(value));
      else await kv.update(key, codec.encode(value), revision);
      return true;
    } catch (err) {
      if (apiErrorCode(err) === WRONG_LAST_SEQUENCE) return false;
      throw failure(`update ${key} at revision ${revision}`, err, 'write');
    }
  }

  const db: ReturnType<typeof natsDb> = {
    name: 'nats',

    monitorUrl(node, ctx) {
      const { runtime } = ctx;
      if (hasNodeAddresses(runtime)) return `http://${runtime.nodeHost(node)}:${STANDARD.monitor}`;
      const port = monitorPorts.get(node);
      if (port === undefined) throw new Error(`node ${node} has no monitoring port yet: start it first`);
      return `http://127.0.0.1:${port}`;
    },

    async start(node, ctx) {
      const { runtime } = ctx;
      const dir = ctx.nodeDir(node);
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      let listen: string;
      let routes: string[];
      if (hasNodeAddresses(runtime)) {
        const host = runtime.nodeHost(node);
        listen = `${host}:${STANDARD.client}`;
        routes = runtime.nodes.filter((p) => p !== node).map((p) => `nats-route://${runtime.nodeHost(p)}:${STANDARD.cluster}`);
        clientPorts.set(node, STANDARD.client);
        writeConfig(dir, node, { listen, cluster: `${host}:${STANDARD.cluster}`, http: `${host}:${STANDARD.monitor}`, routes, dataDir });
      } else {
        if (!clientPorts.has(node)) {
          const held = await Promise.all([holdNodePort(), holdNodePort()]);
          clientPorts.set(node, held[0].port);
          monitorPorts.set(node, held[1].port);
          await Promise.all(held.map((h) => h.release()));
        }
        listen = `127.0.0.1:${clientPorts.get(node)}`;
        const cluster = runtime.listenAddress(node);
        // Routes go through the runtime's proxies, so partitions reach them.
        routes = runtime.nodes.filter((p) => p !== node).map((p) => {
          const a = runtime.peerAddress(node, p);
          return `nats-route://${a.host}:${a.port}`;
        });
        writeConfig(dir, node, { listen, cluster: `${cluster.host}:${cluster.port}`, http: `127.0.0.1:${monitorPorts.get(node)}`, routes, dataDir });
      }
      await runtime.spawn(node, {
        command: 'nats-server',
        args: ['--config', join(dir, 'nats.conf')],
        image: 'nats',
        clockUnfakeable: 'nats-server is a Go program, and Go reads the clock through the vDSO rather than libc, so libfaketime cannot shift it',
      }, nodeLog(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      // 1. Every node has JetStream with a meta leader: creating (or finding) the bucket needs one.
      await awaitNodes(nodes.slice(0, 1), ctx, deadlineMs, async (node) => {
        const { nc } = await open(node, ctx);
        try {
          const js = nc.jetstream({ timeout: 2000 });
          await js.views.kv(opts.bucket, { replicas: Math.min(opts.replicas, ctx.runtime.nodes.length), storage: opts.storage === 'file' ? StorageType.File : StorageType.Memory, history: 1, allow_direct: opts.read === 'direct' });
          return true;
        } finally {
          await nc.close();
        }
      });
      // 2. Every node answers a read of the bucket (its stream has a leader reachable from there).
      await awaitNodes(nodes, ctx, Math.max(1000, deadline - Date.now()), async (node) => {
        const { nc, kv } = await open(node, ctx);
        try {
          await get(kv, 'faultline-ready');
          return true;
        } finally {
          await nc.close();
        }
      });
    },

    async openRegister(node, ctx) {
      const { nc, kv } = await open(node, ctx);
      const connection: RegisterConnection = {
        async read(key) {
          return (await get(kv, `r.${key}`)).value;
        },
        async write(key, value) {
          try {
            await kv.put(`r.${key}`, codec.encode(value));
          } catch (err) {
            throw failure(`put r.${key}`, err, 'write');
          }
        },
        async cas(key, from, to) {
          // A value cas over update-at-revision. A `wrong last sequence` only says the revision moved
          // on, not that the value differs (the same value may have been written again): re-read.
          for (let attempt = 0; attempt <= opts.casRetries; attempt++) {
            const current = await get(kv, `r.${key}`);
            if (JSON.stringify(current.value) !== JSON.stringify(from)) return false;
            if (await putAt(kv, `r.${key}`, to, current.revision)) return true;
          }
          throw new OpFailure(`cas r.${key}: the revision moved on ${opts.casRetries + 1} times while the value was still ${JSON.stringify(from)}; nothing written`, true);
        },
        async close() {
          await nc.close();
        },
      };
      return connection;
    },

    async openSet(node, ctx) {
      const { nc, kv } = await open(node, ctx);
      const connection: SetConnection = {
        async add(key, element) {
          try {
            await kv.put(`s.${key}.${elementToken(element)}`, codec.encode(element));
          } catch (err) {
            throw failure(`add to s.${key}`, err, 'write');
          }
        },
        async read(key) {
          try {
            const elements: unknown[] = [];
            // keys() reads through an ordered consumer on the bucket's stream.
            for await (const k of await kv.keys(`s.${key}.*`)) elements.push(tokenToElement(k.slice(`s.${key}.`.length)));
            return elements;
          } catch (err) {
            throw failure(`read s.${key}`, err, 'read');
          }
        },
        async close() {
          await nc.close();
        },
      };
      return connection;
    },

    async openCounter(node, ctx) {
      const { nc, kv } = await open(node, ctx);
      const connection: CounterConnection = {
        async add(key, amount) {
          // Get, then update at that revision; on a wrong last sequence someone else added first: again.
          for (let attempt = 0; attempt <= opts.casRetries * 4; attempt++) {
            const current = await get(kv, `c.${key}`);
            const value = typeof current.value === 'number' ? current.value : 0;
            if (await putAt(kv, `c.${key}`, value + amount, current.revision)) return;
          }
          throw new OpFailure(`add to c.${key}: lost the race ${opts.casRetries * 4 + 1} times; nothing written`, true);
        },
        async read(key) {
          const { value } = await get(kv, `c.${key}`);
          if (value !== null && typeof value !== 'number') throw new OpFailure(`read of counter c.${key} returned ${JSON.stringify(value)}; expected a number`, true);
          return value ?? 0;
        },
        async close() {
          await nc.close();
        },
      };
      return connection;
    },
  };
  return db;
}

/** The node's config file: client port, monitoring port, cluster port and routes, JetStream store. */
function writeConfig(dir: string, node: string, c: { listen: string; cluster: string; http: string; routes: string[]; dataDir: string }): void {
  const { listen, cluster, http, routes, dataDir } = c;
  const text = [
    `server_name: ${node}`,
    `listen: "${listen}"`,
    `http: "${http}"`,
    `jetstream {`,
    `  store_dir: "${dataDir}"`,
    `}`,
    `cluster {`,
    `  name: faultline`,
    `  listen: "${cluster}"`,
    // Never tell clients about the other nodes: a faultline client talks to its own node only.
    `  no_advertise: true`,
    `  routes: [`,
    ...routes.map((r) => `    "${r}"`),
    `  ]`,
    `}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nats.conf'), text);
}

/** A set element as a key token (NATS keys: letters, digits, `-_=/.`; a token holds no dot). */
function elementToken(element: unknown): string {
  return Buffer.from(JSON.stringify(element)).toString('base64url');
}

function tokenToElement(token: string): unknown {
  return JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown;
}

function apiErrorCode(err: unknown): number | undefined {
  return (err as { api_error?: { err_code?: number } }).api_error?.err_code;
}

/**
 * Classifies a nats client error. Reads never take effect, so a failed read is definite. A write
 * is definite when it never left (refused connect), when no server had interest in its subject
 * (503 no responders: nothing stored it), or on an API error answered before proposing; a timeout,
 * a closed connection or anything else may have been stored.
 */
function failure(what: string, err: unknown, kind: 'read' | 'write' | 'never-sent'): OpFailure {
  const e = err as Partial<NatsError> & { message?: string };
  const api = e.api_error;
  const detail = api ? `${api.description ?? e.message} (err_code ${api.err_code})` : `${e.code ?? ''} ${e.message ?? String(err)}`.trim();
  const definite = kind !== 'write'
    || e.code === '503'
    || e.code === 'CONNECTION_REFUSED'
    || (api?.err_code !== undefined && DEFINITE_API_ERRORS.has(api.err_code));
  return new OpFailure(`${what}: ${detail}`, definite);
}
