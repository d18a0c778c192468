// etcd as a db: one etcd 3.4 member per node (a static cluster, usually 3 or 5 members), and a
// client speaking etcd's HTTP JSON API (the gRPC gateway on the client port), bound to its node.
//
//   read  -> POST /v3/kv/range  (linearizable by default; `serializable: true` under --etcd-reads serializable)
//   write -> POST /v3/kv/put
//   cas   -> POST /v3/kv/txn    compare value == from, then put to
//   list-append and bank: read in one txn, commit in a second guarded by mod revisions (etcd-txn.ts)
//
// Keys and values travel base64-encoded; a register's value is its JSON text. The leader is
// reported as the primary. etcd is a Go program: Go reads the clock through the vDSO, not libc,
// so libfaketime cannot change it and clock faults on etcd are refused before the run.
//
// Membership (the membership fault): members are listed, removed and added through the gateway's
// cluster API; etcd-membership.ts keeps which nodes left and which join an existing cluster.
//
// The knob, `reads` (--etcd-reads), from etcd's own manual (present in etcd 3.0 on, so in Debian's 3.4):
// - linearizable (etcd's default and today's): the member confirms with the leader, which confirms
//   with a quorum, how far the log is committed (ReadIndex), and answers once it has applied that far.
//   A member cut off from a quorum cannot serve it: the read times out.
// - serializable: the RangeRequest field `serializable` (etcd v3 API reference, RangeRequest,
//   https://etcd.io/docs/v3.4/dev-guide/api_reference_v3/) makes the member answer from its own store
//   without asking the cluster: faster and available on a minority, but it may return stale data.
//   The KV API guarantees page (https://etcd.io/docs/v3.3/learning/api_guarantees/) adds that such
//   a read may see data stale with respect to the quorum, in exchange for not depending on live
//   consensus: linearizability is promised for the default only.
//   A txn whose every operation is a serializable range is served the same way (etcd's
//   isTxnSerializable), so list-append's and bank's reads follow the knob too; their commits
//   are guarded by mod revisions and stay safe, read-only transactions may see the past.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineDb } from '../define/db.js';
import { option, resolveOptions, type OptionValues } from '../define/options.js';
import { OpFailure, type BankDb, type DataFilesDb, type DbContext, type MembershipDb, type RegisterConnection, type RegisterDb, type TxnDb } from './db.js';
import { EtcdMembership, PEER_PORT } from './etcd-membership.js';
import { decode, encode, etcdBank, etcdListAppend, type EtcdCall, type EtcdReads } from './etcd-txn.js';
import type { PrimaryDb } from './primary.js';
import { awaitNodes, hostOf, nodeLog } from './readiness.js';

const CLIENT_PORT = 2379;
const GO_CLOCK = 'etcd is a Go program, and Go reads the clock through the vDSO rather than libc, so libfaketime cannot shift it';

/** Errors etcd returns before a request is proposed: it certainly did not happen. */
const DEFINITE_ERRORS = ['etcdserver: too many requests', 'etcdserver: request is too large', 'etcdserver: mvcc: required revision has been compacted'];

/** etcd's consistency knobs, declared for the CLI and test.json. */
export const etcdOptions = {
  reads: option.oneOf<EtcdReads>(['linearizable', 'serializable'], {
    default: 'linearizable',
    flag: 'etcd-reads',
    help: 'how reads are served: linearizable (through the leader and a quorum, etcd\'s default) or serializable (from the member\'s own store: may be stale)',
  }),
};

/** The resolved values of etcdOptions. */
export type EtcdOptions = OptionValues<typeof etcdOptions>;

export function etcdDb(given: Partial<EtcdOptions> = {}): RegisterDb & TxnDb & BankDb & PrimaryDb & DataFilesDb & MembershipDb {
  // No default here depends on the cluster, so any node count resolves them alike.
  const { reads } = resolveOptions(etcdOptions, given, { nodeCount: 1 }, 'db etcd');
  const membership = new EtcdMembership(
    call,
    (node, ctx) => db.start(node, ctx),
    async (node, ctx) => {
      await call(ctx, node, '/v3/kv/range', { key: encode('faultline/ready') }, 2000);
    },
  );
  const db: RegisterDb & TxnDb & BankDb & PrimaryDb & DataFilesDb & MembershipDb = {
    name: 'etcd',
    // start() reuses the data directory (etcd ignores --initial-cluster-state new once it has a WAL).
    dataFiles: ['member/wal/*.wal', 'member/snap/*'],
    // A serializable read is the member's own answer, possibly behind the leader.
    ...(reads === 'serializable' && { staleReads: true }),
    clockUnfakeable: GO_CLOCK,

    async start(node, ctx) {
      const host = hostOf(ctx, node, 'etcd');
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      // A node added back by the membership fault joins the cluster as it is now; the others found it.
      // (With a data dir of its own, etcd ignores both flags and restarts as the member it was.)
      const joining = membership.startState(node);
      const peers = joining.state === 'existing' ? joining.initialCluster : ctx.runtime.nodes.map((peer) => `${peer}=http://${hostOf(ctx, peer, 'etcd')}:${PEER_PORT}`).join(',');
      const args = [
        '--name', node,
        '--data-dir', dataDir,
        '--listen-peer-urls', `http://${host}:${PEER_PORT}`,
        '--initial-advertise-peer-urls', `http://${host}:${PEER_PORT}`,
        '--listen-client-urls', `http://${host}:${CLIENT_PORT}`,
        '--advertise-client-urls', `http://${host}:${CLIENT_PORT}`,
        '--initial-cluster', peers,
        '--initial-cluster-state', joining.state,
        '--initial-cluster-token', 'faultline',
        '--logger', 'zap',
        '--log-outputs', 'stderr',
      ];
      await ctx.runtime.spawn(node, {
        command: 'etcd',
        args,
        image: 'etcd',
        dataDir,
        clockUnfakeable: GO_CLOCK,
      }, nodeLog(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      // Ready when the node serves a linearizable read: it has a leader and a quorum behind it.
      await awaitNodes(nodes, ctx, deadlineMs, async (node) => {
        await call(ctx, node, '/v3/kv/range', { key: encode('faultline/ready') }, 2000);
        return true;
      });
    },

    async primaries(ctx) {
      const statuses = await Promise.all(ctx.runtime.nodes.map(async (node) => {
        const status = (await call(ctx, node, '/v3/maintenance/status', {}, 1000).catch(() => undefined)) as { header?: { member_id?: string }; leader?: string } | undefined;
        return { node, id: status?.header?.member_id, leader: status?.leader };
      }));
      const leaders = new Set(statuses.map((s) => s.leader).filter((id) => id !== undefined && id !== '0'));
      return statuses.filter((s) => s.id !== undefined && leaders.has(s.id)).map((s) => s.node);
    },

    members: (ctx) => membership.members(ctx),
    legalMembershipChanges: (ctx) => membership.legalChanges(ctx),
    changeMembership: (change, ctx) => membership.change(change, ctx),

    async openRegister(node, ctx) {
      return etcdRegister((path, body) => call(ctx, node, path, body, ctx.test.opTimeoutMs), reads);
    },

    async openTxn(node, ctx) {
      return etcdListAppend((path, body) => call(ctx, node, path, body, ctx.test.opTimeoutMs), reads);
    },

    async openBank(node, ctx) {
      return etcdBank((path, body) => call(ctx, node, path, body, ctx.test.opTimeoutMs), reads);
    },
  };
  return db;
}

/** Registers under r/<key>: reads ask for the chosen consistency, writes and cas always go through the leader. */
export function etcdRegister(call: EtcdCall, reads: EtcdReads): RegisterConnection {
  const key = (k: string) => encode(`r/${k}`);
  return {
    async read(k) {
      const response = (await call('/v3/kv/range', { key: key(k), ...(reads === 'serializable' && { serializable: true }) })) as { kvs?: { value?: string }[] };
      const value = response.kvs?.[0]?.value;
      return value === undefined ? null : (JSON.parse(decode(value)) as unknown);
    },
    async write(k, value) {
      await call('/v3/kv/put', { key: key(k), value: encode(JSON.stringify(value)) });
    },
    async cas(k, from, to) {
      const response = (await call('/v3/kv/txn', {
        compare: [{ key: key(k), target: 'VALUE', result: 'EQUAL', value: encode(JSON.stringify(from)) }],
        success: [{ requestPut: { key: key(k), value: encode(JSON.stringify(to)) } }],
      })) as { succeeded?: boolean };
      // The gateway leaves out fields that hold their default: no `succeeded` means false.
      return response.succeeded === true;
    },
    async close() {},
  };
}

/** POSTs to a node's JSON gateway; maps failures to definite (never reached etcd) or indefinite. */
async function call(ctx: DbContext, node: string, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const url = `http://${hostOf(ctx, node, 'etcd')}:${CLIENT_PORT}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    // Refused or unreachable: the request was never sent. Anything else (a timeout, a reset) may have been applied.
    const definite = cause === 'ECONNREFUSED' || cause === 'EHOSTUNREACH';
    throw new OpFailure(`${path} on ${node}: ${cause ?? (err instanceof Error ? err.name : String(err))}`, definite);
  }
  const text = await response.text().catch((err: unknown) => {
    throw new OpFailure(`${path} on ${node}: response broke off (${err instanceof Error ? err.message : String(err)})`, false);
  });
  let parsed: { error?: string; message?: string } & Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new OpFailure(`${path} on ${node}: HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 120)}`, false);
  }
  if (!response.ok || parsed.error !== undefined) {
    const message = parsed.message ?? parsed.error ?? `HTTP ${response.status}`;
    throw new OpFailure(`${path} on ${node}: ${message}`, DEFINITE_ERRORS.some((e) => message.includes(e)));
  }
  return parsed;
}

/** etcd, as --db etcd names it. */
export default defineDb({
  name: 'etcd',
  description: "etcd 3.4 (Debian's etcd-server): Raft, linearizable reads through the leader, multi-key transactions",
  options: etcdOptions,
  runtimes: ['docker', 'ssh'],
  describe: (options) => (options.reads === 'linearizable' ? [] : [`${options.reads}-reads`]),
  create: (options) => etcdDb(options),
});
