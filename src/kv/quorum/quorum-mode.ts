// The quorum modes (Dynamo-style, leaderless): each key lives on the N nodes of its preference list
// on a consistent-hashing ring; whichever node a client talks to coordinates its op, sending it to
// those replicas and answering once R (reads) or W (writes) of them replied. Reads merge what they
// got, return it, and repair the replicas that were behind (blocking for those it waited on, in the
// background for late ones); anti-entropy repairs the rest. `quorum` versions values by wall-clock
// last-writer-wins, `quorum-vc` by vector clocks with siblings.
//
// Outcomes. Too few replicas connected to even try: `no-quorum`, definite (nothing sent). A write
// that got fewer than W acknowledgements in time: `timeout`, indefinite, since the replicas that did
// store it will spread it by repair (a failed write may still win later). set-add and counter-add
// are a quorum read, then a quorum write of the modified value: concurrent ones can overwrite each
// other under LWW (lost updates) and become siblings under vector clocks. There is no cas.
import type { Logger } from 'pino';
import { AntiEntropy, type AntiEntropyCall } from '../anti-entropy.js';
import { EventTally } from '../event-tally.js';
import type { KvMode, ModeContext } from '../mode.js';
import type { PeerTransport } from '../peer-transport.js';
import { firstAnswers, PeerRpc } from '../peer-rpc.js';
import { createPrng, deriveSeed } from '../prng.js';
import { failure, type Json, type KvOp, type KvReply, type KvStatus } from '../protocol.js';
import { jsonEqual } from '../kv-state.js';
import { ReplicaStore } from '../replica-store.js';
import type { ServerOptions } from '../server-options.js';
import { compareVersions, newerVersion, withVersion, type KvVersion } from '../version.js';
import { LwwVersioning, type LwwState } from './lww.js';
import { Ring } from './ring.js';
import { VcVersioning, type VcState } from './vclock.js';
import type { Versioning } from './versioning.js';

/** The `quorum` entry: last-writer-wins by the coordinator's wall clock. */
export async function startQuorumMode(ctx: ModeContext): Promise<KvMode> {
  const wallNowMs = (): number => Date.now() + ctx.options.clockOffsetMs;
  return QuorumReplica.start<LwwState>(ctx, 'quorum', () => new LwwVersioning(ctx.options.id, wallNowMs));
}

/** The `quorum-vc` entry: vector clocks, concurrent writes kept as siblings. */
export async function startQuorumVcMode(ctx: ModeContext): Promise<KvMode> {
  return QuorumReplica.start<VcState>(ctx, 'quorum-vc', (nextEvent) => new VcVersioning(ctx.options.id, nextEvent));
}

/** Replica calls between nodes, as rpc bodies. */
type QuorumCall = { t: 'get'; key: string } | { t: 'put'; key: string; state: unknown } | AntiEntropyCall;

type Modify = (values: Json[]) => { value: Json } | { error: KvReply };

/** A read after a version the replicas do not have yet asks them again this often. */
const CATCH_UP_POLL_MS = 25;

class QuorumReplica<S> implements KvMode {
  private readonly ring: Ring;
  private readonly rpc: PeerRpc;
  private readonly antiEntropy: AntiEntropy;
  private readonly readRepairs: EventTally;
  private stopped = false;

  private constructor(
    private readonly mode: 'quorum' | 'quorum-vc',
    private readonly options: ServerOptions,
    private readonly log: Logger,
    private readonly transport: PeerTransport,
    private readonly store: ReplicaStore<S>,
    private readonly versioning: Versioning<S>,
  ) {
    this.ring = new Ring([options.id, ...options.peers.map((p) => p.id)].sort(), options.vnodes);
    this.rpc = new PeerRpc(transport, (from, body) => this.answer(from, body as QuorumCall));
    this.readRepairs = new EventTally(log, 'read-repair', 'read repair');
    this.antiEntropy = new AntiEntropy(
      store as ReplicaStore<unknown>,
      this.rpc,
      {
        intervalMs: options.antiEntropyMs,
        timeoutMs: options.requestTimeoutMs,
        peers: options.peers.map((p) => p.id),
        shares: (peer, key) => {
          const list = this.replicasOf(key);
          return list.includes(peer) && list.includes(options.id);
        },
      },
      createPrng(deriveSeed(options.seed, `${options.id}/anti-entropy`)),
      log,
    );
  }

  static async start<S>(ctx: ModeContext, mode: 'quorum' | 'quorum-vc', makeVersioning: (nextEvent: () => number) => Versioning<S>): Promise<KvMode> {
    const { options, log, transport } = ctx;
    let store: ReplicaStore<S> | undefined;
    // Recovery merges with the versioning, which draws event numbers from the store once it is open.
    const versioning = makeVersioning(() => store!.nextEvent());
    store = ReplicaStore.open<S>(versioning, options.dataDir, mode, options.fsync, options.snapshotEvery, log);
    const replica = new QuorumReplica<S>(mode, options, log, transport, store, versioning);
    transport.listen((from, message) => replica.rpc.deliver(from, message as { k?: unknown }));
    if (options.antiEntropy) replica.antiEntropy.start();
    log.info({ mode, replicas: options.replicas, r: options.r, w: options.w, vnodes: options.vnodes, keys: store.size, antiEntropy: options.antiEntropy }, `${mode} replica started`);
    return replica;
  }

  async handle(op: KvOp): Promise<KvReply> {
    if (this.stopped) return failure('shutting-down', true, 'node is stopping');
    switch (op.op) {
      case 'status':
        return { ok: true, ...this.status() };
      case 'read': {
        const read = await this.readAfter(op.key, op.after);
        return 'reply' in read ? read.reply : withVersion({ ok: true, ...this.versioning.reply(read.state) }, this.versioning.version(read.state));
      }
      case 'write': {
        let state: S;
        try {
          state = this.versioning.write(op.value, { context: op.context });
        } catch (err) {
          return failure('bad-request', true, (err as Error).message);
        }
        return this.writeQuorum(op.key, state);
      }
      case 'set-add':
        return this.readModifyWrite(op.key, (values) => addToSet(op.key, values, op.element));
      case 'counter-add':
        return this.readModifyWrite(op.key, (values) => addToCounter(op.key, values, op.delta));
      default:
        return failure('unsupported', true, `mode ${this.mode} has no op ${op.op}`);
    }
  }

  status(): KvStatus {
    return { node: this.options.id, mode: this.mode, role: 'replica', term: 0, leader: null, commitIndex: this.store.size, appliedIndex: this.store.applied };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.antiEntropy.stop();
    this.readRepairs.flush();
    this.rpc.stop();
    this.store.close();
  }

  // ---- coordinating

  private replicasOf(key: string): string[] {
    return this.ring.preferenceList(key, this.options.replicas);
  }

  /** Replicas this node can try now: itself and the peers it has a connection to. */
  private reachable(key: string): { replicas: string[]; reachable: string[] } {
    const replicas = this.replicasOf(key);
    return { replicas, reachable: replicas.filter((n) => n === this.options.id || this.transport.isConnected(n)) };
  }

  /**
   * A quorum read that must cover `after` (a version of this key the client saw): while the merge is
   * older, every reachable replica is asked again (anti-entropy or the write's late acknowledgements
   * may bring it) until --catch-up-ms has passed; then `stale`.
   */
  private async readAfter(key: string, after: KvVersion | undefined): Promise<{ state: S | null } | { reply: KvReply }> {
    const first = await this.readQuorum(key);
    if (after === undefined || 'reply' in first) return first;
    const deadline = performance.now() + this.options.catchUpMs;
    let read: { state: S | null } | { reply: KvReply } = first;
    let newest: KvVersion | undefined;
    for (;;) {
      if ('state' in read) {
        const version = this.versioning.version(read.state);
        if (compareVersions(version ?? [], after) >= 0) return read;
        newest = newerVersion(newest, version);
      }
      const leftMs = deadline - performance.now();
      if (leftMs < CATCH_UP_POLL_MS || this.stopped) break;
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
      read = await this.readQuorum(key, Infinity, leftMs - CATCH_UP_POLL_MS);
    }
    return { reply: failure('stale', true, `read of ${JSON.stringify(key)}: the newest version its replicas answered with was ${JSON.stringify(newest ?? null)}; the read needs ${JSON.stringify(after)} (asked again for ${this.options.catchUpMs} ms)`) };
  }

  /** Reads `key` from its reachable replicas, waiting for `needed` of them (at least R), and merges. */
  private async readQuorum(key: string, needed = this.options.r, timeoutMs = this.options.requestTimeoutMs): Promise<{ state: S | null } | { reply: KvReply }> {
    const { r } = this.options;
    const { replicas, reachable } = this.reachable(key);
    if (reachable.length < r) {
      return { reply: failure('no-quorum', true, `key ${JSON.stringify(key)}: ${reachable.length} of its replicas ${replicas.join(' ')} reachable; a read needs R=${r}`) };
    }
    const calls = reachable.map((node) => this.getFrom(node, key, timeoutMs));
    const answers = await firstAnswers(calls, needed);
    if (answers.length < r) {
      return { reply: failure('timeout', true, `read of ${JSON.stringify(key)}: ${answers.length} of R=${r} replicas answered within ${timeoutMs} ms`) };
    }
    const merged = answers.reduce<S | null>((acc, a) => (a.state === null ? acc : acc === null ? this.versioning.merge(a.state, a.state) : this.versioning.merge(acc, a.state)), null);
    if (merged === null) return { state: null };
    const mergedText = JSON.stringify(merged);
    const answered = new Set(answers.map((a) => a.node));
    // Replicas behind the merged state get it back: those we waited on before we answer (so a later
    // quorum read cannot see less), late ones in the background.
    const stale = answers.filter((a) => JSON.stringify(a.state) !== mergedText);
    const repaired = await Promise.all(stale.map((a) => this.putTo(a.node, key, merged)));
    for (const a of stale) this.readRepairs.note(key, a.node);
    for (const call of calls) {
      void call.then((late) => {
        if (!late || answered.has(late.node) || JSON.stringify(late.state) === mergedText) return;
        this.readRepairs.note(key, late.node);
        void this.putTo(late.node, key, merged);
      });
    }
    if (repaired.some((ok) => !ok)) {
      return { reply: failure('timeout', true, `read of ${JSON.stringify(key)}: read repair of ${stale.map((a) => a.node).join(' ')} not acknowledged within ${this.options.requestTimeoutMs} ms`) };
    }
    return { state: merged };
  }

  private async writeQuorum(key: string, state: S): Promise<KvReply> {
    const { w, requestTimeoutMs } = this.options;
    const { replicas, reachable } = this.reachable(key);
    if (reachable.length < w) {
      return failure('no-quorum', true, `key ${JSON.stringify(key)}: ${reachable.length} of its replicas ${replicas.join(' ')} reachable; a write needs W=${w}`);
    }
    const sent: boolean[] = [];
    const calls = reachable.map((node) => this.putTo(node, key, state, sent).then((ok) => (ok ? node : undefined)));
    const acks = await firstAnswers(calls, w);
    if (acks.length >= w) return withVersion({ ok: true }, this.versioning.version(state));
    if (!reachable.includes(this.options.id) && sent.every((s) => !s)) {
      return failure('no-quorum', true, `write of ${JSON.stringify(key)}: no replica of ${replicas.join(' ')} could be sent to`);
    }
    return failure('timeout', false, `write of ${JSON.stringify(key)}: ${acks.length} of W=${w} replicas (${acks.join(' ') || 'none'}) acknowledged within ${requestTimeoutMs} ms; it may still spread`);
  }

  private async readModifyWrite(key: string, modify: Modify): Promise<KvReply> {
    const read = await this.readQuorum(key);
    if ('reply' in read) return read.reply;
    const next = modify(this.versioning.values(read.state));
    if ('error' in next) return next.error;
    return this.writeQuorum(key, this.versioning.write(next.value, { state: read.state }));
  }

  private async getFrom(node: string, key: string, timeoutMs: number): Promise<{ node: string; state: S | null } | undefined> {
    if (node === this.options.id) return { node, state: this.store.get(key) };
    const outcome = await this.rpc.call(node, { t: 'get', key } satisfies QuorumCall, timeoutMs);
    return outcome.answered ? { node, state: (outcome.body as { state: S | null }).state } : undefined;
  }

  /** Stores `state` on `node` (merging); true once it acknowledged that the state is durable there. */
  private async putTo(node: string, key: string, state: S, sent?: boolean[]): Promise<boolean> {
    if (node === this.options.id) {
      this.store.put(key, state);
      await this.store.durable();
      return !this.stopped;
    }
    const outcome = await this.rpc.call(node, { t: 'put', key, state } satisfies QuorumCall, this.options.requestTimeoutMs);
    sent?.push(outcome.answered || outcome.sent);
    return outcome.answered;
  }

  // ---- replica side

  private async answer(from: string, call: QuorumCall): Promise<unknown> {
    if (this.stopped) return undefined;
    switch (call.t) {
      case 'get':
        return { state: this.store.get(call.key) };
      case 'put':
        this.store.put(call.key, call.state as S);
        await this.store.durable();
        return { ok: true };
      case 'ae-digest':
      case 'ae-push':
        return this.antiEntropy.answer(from, call);
      default:
        this.log.warn({ from, call: (call as { t: unknown }).t }, 'unknown quorum call; ignored');
        return undefined;
    }
  }
}

/** A set is a JSON array; siblings (quorum-vc) are unioned, the client-side resolution done here. */
function addToSet(key: string, values: Json[], element: Json): { value: Json } | { error: KvReply } {
  const union: Json[] = [];
  for (const value of values) {
    if (!Array.isArray(value)) return { error: failure('wrong-type', true, `key ${JSON.stringify(key)} holds ${JSON.stringify(value)}; expected a set (a JSON array)`) };
    for (const e of value) if (!union.some((u) => jsonEqual(u, e))) union.push(e);
  }
  if (!union.some((u) => jsonEqual(u, element))) union.push(element);
  return { value: union };
}

function addToCounter(key: string, values: Json[], delta: number): { value: Json } | { error: KvReply } {
  const current = values[0] ?? 0;
  if (values.length > 1 || typeof current !== 'number') {
    return { error: failure('wrong-type', true, `key ${JSON.stringify(key)} holds ${JSON.stringify(values.length > 1 ? values : current)}; expected one number`) };
  }
  return { value: current + delta };
}
