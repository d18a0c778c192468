// The bundled store as a db: one `kv` server process per node, peers reached through the
// runtime's links, clients speaking its NDJSON protocol (src/kv/README.md). Which workloads it can
// run depends on the store mode (src/kv/mode-ops.ts): the adapter only has openRegister, openSet,
// openCounter, openTxn, openBank and primaries where the mode has them. The bank is transactional
// in raft and primary, and a saga over counters in quorum (bank-saga.ts: no isolation, by design).
// Client sessions (startSession: version tokens) exist where the mode has versions (src/kv/version.ts).
// Membership changes (members, legalMembershipChanges, changeMembership) exist in raft only.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvClient, KvClientError, KvSession, VERSION_SCOPE, type Json, type KvOp, type KvResponse, type KvStatusResponse } from '../kv/client.js';
import { defineDb } from '../define/db.js';
import { option } from '../define/options.js';
import type { ClientKind } from '../define/db.js';
import { MODE_NAMES, modeServes, type ModeName } from '../kv/mode-ops.js';
import { FSYNC_MODES, type FsyncMode } from '../kv/server-options.js';
import { lastLoggedError, tailLines } from '../log-tail.js';
import { sagaBank } from './bank-saga.js';
import { raftMembership, removedByLeader } from './bundled-membership.js';
import { listAppendConnection, rwRegisterConnection, txnBank } from './bundled-txn.js';
import { OpFailure, type BankConnection, type CounterConnection, type DataFilesDb, type Db, type DbContext, type DbSession, type RegisterConnection, type SetConnection } from './db.js';
import type { PrimaryDb } from './primary.js';

/** The store's entry point: beside this file when built, or in dist/ when this runs from source (tests). */
const kvMainCandidates = ['../kv/main.js', '../../dist/src/kv/main.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

function kvMain(): string {
  const found = kvMainCandidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the bundled store is not built: none of ${kvMainCandidates.join(', ')} exists; run npm run build`);
  return found;
}

export interface BundledOptions {
  storeMode: ModeName;
  readMode: string;
  /** quorum modes: N, R, W. */
  replicas: number;
  r: number;
  w: number;
  /** Leaderless modes: periodic anti-entropy (off: replicas may never converge). */
  antiEntropy: 'on' | 'off';
  /** When the store's write-ahead log is fsynced: before acknowledging, every 100 ms, or never. */
  fsync: FsyncMode;
}

type Call = (req: KvOp) => Promise<KvResponse>;

/** Creates the bundled-store adapter for one store mode. */
export function bundledDb(options: BundledOptions): Db {
  const mode = options.storeMode;
  const leaderless = mode === 'quorum' || mode === 'quorum-vc' || mode === 'crdt';
  const can = clientsOf(mode);
  const scope = VERSION_SCOPE[mode];
  const db: DataFilesDb & Partial<PrimaryDb> = {
    name: 'bundled',
    // start() reuses the data directory; each mode keeps a write-ahead log and a JSON snapshot (src/kv/README.md).
    dataFiles: ['*.wal', '*.json'],

    async start(node, ctx) {
      const { runtime } = ctx;
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      const listen = runtime.listenAddress(node);
      const peers = runtime.nodes
        .filter((peer) => peer !== node)
        .map((peer) => {
          const address = runtime.peerAddress(node, peer);
          return `${peer}=${address.host}:${address.port}`;
        });
      const args = [
        kvMain(),
        '--id', node,
        '--listen', `${listen.host}:${listen.port}`,
        '--peers', peers.join(','),
        '--data-dir', dataDir,
        '--mode', mode,
        '--read-mode', options.readMode,
        '--fsync', options.fsync,
        '--seed', String((ctx.test.seed + runtime.nodes.indexOf(node)) | 0),
        ...modeArgs(options, ctx.test.opTimeoutMs),
      ];
      await runtime.spawn(node, { command: process.execPath, args, dataDir }, logPath(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      const peerCount = ctx.runtime.nodes.length - 1;
      for (const node of nodes) {
        for (;;) {
          const status = await statusOf(node, ctx).catch(() => undefined);
          // Leader-based modes are ready once a node knows its leader; leaderless ones once it reaches every peer.
          const s = status?.ok ? (status as KvStatusResponse) : undefined;
          if (s && (leaderless ? (s.connected?.length ?? 0) >= peerCount : s.leader)) break;
          // A raft node removed from the cluster hears from no leader; it is as ready as it will be.
          if (s && modeServes(mode, 'member') && (await removedByLeader(node, ctx))) break;
          if (!ctx.runtime.isRunning(node)) {
            const why = lastLoggedError(logPath(ctx, node));
            throw new Error(`node ${node} exited before it was ready${why ? ` (${why})` : ''}; last log lines:\n${tailLines(logPath(ctx, node))}`);
          }
          if (Date.now() > deadline) {
            const seen = status ? JSON.stringify(status) : 'no answer';
            throw new Error(`node ${node} was not ready within ${deadlineMs / 1000} s (status: ${seen}); last log lines:\n${tailLines(logPath(ctx, node))}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
  if (mode === 'raft' || mode === 'primary') {
    db.primaries = async (ctx) => {
      const statuses = await Promise.all(ctx.runtime.nodes.map((node) => statusOf(node, ctx).catch(() => undefined)));
      return statuses.flatMap((s) => (s?.ok && 'role' in s && (s.role === 'leader' || s.role === 'primary') ? [s.node] : []));
    };
  }
  return Object.assign(db, {
    ...(can.register && { openRegister: async (node: string, ctx: DbContext) => registerConnection(mode, await openCall(node, ctx)) }),
    ...(can.register && scope !== null && {
      startSession: (ctx: DbContext): DbSession => {
        const session = new KvSession(scope);
        return { openRegister: async (node) => registerConnection(mode, inSession(await openCall(node, ctx), session)) };
      },
    }),
    ...(can.register && !modeServes(mode, 'cas') && { casUnsupported: true as const }),
    ...(options.readMode === 'local' && { staleReads: true }),
    ...(can.set && { openSet: async (node: string, ctx: DbContext) => setConnection(mode, await openCall(node, ctx)) }),
    ...(can.counter && { openCounter: async (node: string, ctx: DbContext) => counterConnection(await openCall(node, ctx)) }),
    ...(can.txn && { openTxn: async (node: string, ctx: DbContext) => listAppendConnection(await openCall(node, ctx)) }),
    ...(can['rw-register'] && { openRwRegister: async (node: string, ctx: DbContext) => rwRegisterConnection(await openCall(node, ctx)) }),
    ...(can.bank && { openBank: async (node: string, ctx: DbContext) => bankConnection(mode, await openCall(node, ctx)) }),
    ...(modeServes(mode, 'member') && raftMembership()),
  });
}

/** A call whose requests go through a client session: asking for versions, reads `after` what it saw. */
function inSession(call: Call & { close(): void }, session: KvSession): Call & { close(): void } {
  const request = async (req: KvOp): Promise<KvResponse> => {
    // The stamped request carries `version: true`, which the call sends as it is.
    const response = await call(session.stamp(req));
    session.observe(req, response);
    return response;
  };
  return Object.assign(request, { close: () => call.close() });
}

/** Flags only some modes take. Non-raft nodes give up on an op a little before the client does. */
function modeArgs(options: BundledOptions, opTimeoutMs: number): string[] {
  const mode = options.storeMode;
  const args: string[] = [];
  if (mode !== 'raft') args.push('--request-timeout-ms', String(Math.max(100, opTimeoutMs - 500)));
  if (mode === 'quorum' || mode === 'quorum-vc') args.push('--replicas', String(options.replicas), '--r', String(options.r), '--w', String(options.w));
  if (mode === 'quorum' || mode === 'quorum-vc' || mode === 'crdt') args.push('--anti-entropy', options.antiEntropy, '--anti-entropy-ms', '500');
  return args;
}

/** A call to one node that reconnects on the next op after its connection broke (a kill, a restart). */
async function openCall(node: string, ctx: DbContext): Promise<Call & { close(): void }> {
  const { host, port } = ctx.runtime.clientAddress(node);
  const timeoutMs = ctx.test.opTimeoutMs;
  const connect = () => KvClient.connect({ host, port, connectTimeoutMs: timeoutMs });
  let client: KvClient | undefined = await connect().catch((err: unknown) => {
    throw toOpFailure(err);
  });
  const call = async (req: KvOp): Promise<KvResponse> => {
    try {
      // A connection that broke while idle (the node was killed or restarted) is replaced before
      // sending, so the op goes to the node as it is now rather than failing unsent.
      if (client?.closed) client = undefined;
      client ??= await connect();
      return await client.request(req, timeoutMs);
    } catch (err) {
      client?.close();
      client = undefined;
      throw toOpFailure(err);
    }
  };
  return Object.assign(call, {
    close() {
      client?.close();
      client = undefined;
    },
  });
}

/**
 * Registers. In quorum-vc a read may return siblings: this client resolves them by taking the
 * greatest (by JSON text), and writes back with the read's context so its write supersedes what it
 * saw (Riak's read-before-write). There is no cas outside raft and primary: it fails definitely.
 */
function registerConnection(mode: ModeName, call: Call & { close(): void }): RegisterConnection {
  return {
    async read(key) {
      return resolveSiblings(await call({ op: 'read', key }));
    },
    async write(key, value) {
      const write: KvOp = { op: 'write', key, value: value as Json };
      if (mode === 'quorum-vc') {
        const read = await call({ op: 'read', key });
        valueOf(read);
        if (read.ok && 'context' in read && read.context !== undefined) write.context = read.context;
      }
      valueOf(await call(write));
    },
    async cas(key, from, to) {
      const response = await call({ op: 'cas', key, from: from as Json, to: to as Json });
      if (!response.ok && response.error === 'cas-mismatch') return false;
      valueOf(response);
      return true;
    },
    async close() {
      call.close();
    },
  };
}

/** Sets. quorum-vc siblings are unioned (an add in any sibling happened). */
function setConnection(mode: ModeName, call: Call & { close(): void }): SetConnection {
  return {
    async add(key, element) {
      valueOf(await call({ op: 'set-add', key, element: element as Json }));
    },
    async read(key) {
      const response = await call({ op: 'read', key });
      const values = mode === 'quorum-vc' && response.ok && 'siblings' in response && response.siblings ? response.siblings : [valueOf(response)];
      const union = new Map<string, unknown>();
      for (const value of values) {
        if (value === null) continue;
        if (!Array.isArray(value)) throw new OpFailure(`read of set ${key} returned ${JSON.stringify(value)}; expected an array`, true);
        for (const e of value) union.set(JSON.stringify(e), e);
      }
      return [...union.values()];
    },
    async close() {
      call.close();
    },
  };
}

function counterConnection(call: Call & { close(): void }): CounterConnection {
  return {
    async add(key, amount) {
      valueOf(await call({ op: 'counter-add', key, delta: amount }));
    },
    async read(key) {
      const value = valueOf(await call({ op: 'read', key }));
      if (value !== null && typeof value !== 'number') throw new OpFailure(`read of counter ${key} returned ${JSON.stringify(value)}; expected a number`, true);
      return value ?? 0;
    },
    async close() {
      call.close();
    },
  };
}

/** The bank: one txn per transfer and per read where the mode has txns, else a saga over counters. */
function bankConnection(mode: ModeName, call: Call & { close(): void }): BankConnection {
  return modeServes(mode, 'txn') ? txnBank(call) : sagaBank(counterConnection(call), registerConnection(mode, call));
}

function logPath(ctx: DbContext, node: string): string {
  return join(ctx.nodeDir(node), 'node.log');
}

async function statusOf(node: string, ctx: DbContext): Promise<KvResponse | undefined> {
  const { host, port } = ctx.runtime.clientAddress(node);
  const client = await KvClient.connect({ host, port, connectTimeoutMs: 500 });
  try {
    return await client.request({ op: 'status' }, 1000);
  } finally {
    client.close();
  }
}

/** A read's one value; siblings resolve to the greatest by JSON text. */
function resolveSiblings(response: KvResponse): unknown {
  if (response.ok && 'siblings' in response && response.siblings && response.siblings.length > 1) {
    return [...response.siblings].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? 1 : -1))[0];
  }
  return valueOf(response);
}

function valueOf(response: KvResponse): unknown {
  if (response.ok) return 'value' in response ? (response.value ?? null) : null;
  throw new OpFailure(response.message ? `${response.error}: ${response.message}` : response.error, response.definite);
}

function toOpFailure(err: unknown): OpFailure {
  if (err instanceof KvClientError) return new OpFailure(err.message, err.definite);
  return new OpFailure(err instanceof Error ? err.message : String(err), false);
}

/** How the bundled store serves reads. */
export const READ_MODES = ['quorum', 'lease', 'local'] as const;

const LEADERLESS: readonly ModeName[] = ['quorum', 'quorum-vc', 'crdt'];

/** The bundled store, as --db bundled names it. */
export default defineDb({
  name: 'bundled',
  description: 'the replicated key-value store faultline ships: Raft, async primary-replica, leaderless quorums (LWW or vector clocks), CRDTs',
  options: {
    mode: option.oneOf(MODE_NAMES, { default: 'raft', flag: 'store-mode', help: 'replication mode: raft, primary (async, failover), quorum (leaderless, LWW), quorum-vc (vector clocks, siblings), crdt' }),
    readMode: option.oneOf(READ_MODES, { default: 'quorum', help: 'reads: quorum (linearizable), lease (clock-dependent), local (any node, stale)' }),
    replicas: option.integer({ min: 1, max: 15, default: ({ nodeCount }) => Math.min(3, nodeCount), help: 'quorum modes: replicas of each key (N, at most the node count)' }),
    r: option.integer({ min: 1, max: 15, default: ({ values }) => majority(values), help: 'quorum modes: replicas a read waits for (default: a majority of N)' }),
    w: option.integer({ min: 1, max: 15, default: ({ values }) => majority(values), help: 'quorum modes: replicas a write waits for (default: a majority of N)' }),
    antiEntropy: option.oneOf(['on', 'off'], { default: 'on', help: 'leaderless modes: replicas exchange digests and repair (off: they may never converge)' }),
    fsync: option.oneOf(FSYNC_MODES, { default: 'always', help: 'when the write-ahead log is fsynced: always (before acknowledging), interval (every 100 ms), never (lose-unsynced shows the cost)' }),
  },
  runtimes: ['local', 'docker', 'ssh'],
  validate(options, { nodeCount }) {
    if (options.replicas > nodeCount) throw new Error(`--replicas "${options.replicas}" is not valid; expected a whole number from 1 to ${nodeCount} (the node count)`);
    for (const flag of ['r', 'w'] as const) {
      if (options[flag] > options.replicas) throw new Error(`--${flag} "${options[flag]}" is not valid; expected a whole number from 1 to ${options.replicas} (--replicas)`);
    }
  },
  describe(options) {
    const quorum = options.mode === 'quorum' || options.mode === 'quorum-vc';
    return [
      options.mode,
      quorum ? `n${options.replicas}r${options.r}w${options.w}` : '',
      LEADERLESS.includes(options.mode) && options.antiEntropy === 'off' ? 'no-anti-entropy' : '',
      options.readMode !== 'quorum' ? `${options.readMode}-reads` : '',
      options.fsync !== 'always' ? `fsync-${options.fsync}` : '',
    ].filter(Boolean);
  },
  create: (options) => bundledDb({ storeMode: options.mode, readMode: options.readMode, replicas: options.replicas, r: options.r, w: options.w, antiEntropy: options.antiEntropy, fsync: options.fsync }),
});

/** A majority of N: the default R and W. */
function majority(values: Readonly<Record<string, unknown>> | undefined): number {
  const replicas = typeof values?.['replicas'] === 'number' ? values['replicas'] : 1;
  return Math.floor(replicas / 2) + 1;
}

/**
 * The clients a mode can serve, from the ops it serves: registers (read/write/cas), sets (add +
 * read), counters (add + read), list-append and rw-register transactions (txns), the bank (txns, or else a saga over
 * counters whose accounts are created by writes: without isolation, by design), sessions where the
 * mode has version tokens.
 */
function clientsOf(mode: ModeName): Record<ClientKind, boolean> {
  const counter = modeServes(mode, 'counter-add') && modeServes(mode, 'read');
  return {
    register: modeServes(mode, 'read') && modeServes(mode, 'write'),
    set: modeServes(mode, 'set-add') && modeServes(mode, 'read'),
    counter,
    txn: modeServes(mode, 'txn'),
    'rw-register': modeServes(mode, 'txn'),
    bank: modeServes(mode, 'txn') || (counter && modeServes(mode, 'write')),
    session: VERSION_SCOPE[mode] !== null,
  };
}
