// The primary mode: one primary takes every write, applies it, makes it durable on its own disk and
// acknowledges it; replicas get it asynchronously (MongoDB with w:1, Redis, MySQL async replication).
// Replicas that hear nothing from the primary for a failover timeout elect a new one in a higher
// epoch (a majority of votes, for a candidate at least as up to date as the voter). The old primary
// is never told to stop: it keeps accepting writes until a message with a higher epoch reaches it,
// then resyncs from the new primary, discarding whatever it had that the new one never got.
//
// So by design: an acknowledged write that had not reached the replica that won the election is
// lost (it shows up in the log as a rollback), and during a partition two primaries accept writes
// (split brain). Reads go to the primary (a replica forwards them) or, with --read-mode local, are
// served by any node from its own copy. A txn is applied atomically at the primary and replicated as
// one entry; a txn of reads only is served like a read.
import type { Logger } from 'pino';
import { commandOf, replyOf, serveRead } from '../kv-state.js';
import type { KvMode, ModeContext } from '../mode.js';
import type { PeerTransport } from '../peer-transport.js';
import { PeerRpc } from '../peer-rpc.js';
import { createPrng, deriveSeed, type Prng } from '../prng.js';
import { failure, isReadOnly, type KvOp, type KvReply, type KvStatus } from '../protocol.js';
import { RequestForwarder, type ForwardMessage } from '../request-forwarder.js';
import type { ServerOptions } from '../server-options.js';
import { CatchUp } from '../catch-up.js';
import { compareVersions, withVersion, type KvVersion } from '../version.js';
import { ReplicatedLog, type EpochHistory, type LogEntry, type Position } from './replicated-log.js';

type Role = 'primary' | 'replica' | 'candidate';

/** One-way replication messages. */
type ReplicationMessage =
  | { k: 'pr'; t: 'append'; epoch: number; prev: Position; last: Position; entries: LogEntry[] }
  | { k: 'pr'; t: 'sync'; epoch: number; last: Position; history: EpochHistory; state: [string, unknown][] }
  | { k: 'pr'; t: 'ack'; epoch: number; ok: boolean; last: Position; divergent?: boolean };

type VoteCall = { t: 'vote'; epoch: number; last: Position };
type VoteAnswer = { granted: boolean; epoch: number };

const MAX_ENTRIES_PER_APPEND = 256;

/** The primary entry. */
export async function startPrimaryMode(ctx: ModeContext): Promise<KvMode> {
  const data = ReplicatedLog.open(ctx.options.dataDir, ctx.options.fsync, ctx.options.snapshotEvery, ctx.log);
  const replica = new PrimaryReplica(ctx.options, ctx.log, ctx.transport, data);
  replica.start();
  return replica;
}

class PrimaryReplica implements KvMode {
  private role: Role = 'replica';
  private primary: string | null = null;
  /** Monotonic ms when we last heard from a primary of our epoch (failure detection never uses the wall clock). */
  private lastHeardMs = performance.now();
  private timeoutMs: number;
  private readonly random: Prng;
  private readonly rpc: PeerRpc;
  private readonly forwarder: RequestForwarder;
  private readonly catchUp = new CatchUp();
  private readonly peers: string[];
  /** As primary: the next index to send each replica. */
  private readonly next = new Map<string, number>();
  /** As primary: when each replica was last sent a full image (stale appends arriving after a heal all ask for one). */
  private readonly syncedAtMs = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private replicateScheduled = false;
  private stopped = false;

  constructor(
    private readonly options: ServerOptions,
    private readonly log: Logger,
    private readonly transport: PeerTransport,
    private readonly data: ReplicatedLog,
  ) {
    this.peers = options.peers.map((p) => p.id);
    this.random = createPrng(deriveSeed(options.seed, options.id));
    this.timeoutMs = this.drawTimeout();
    this.rpc = new PeerRpc(transport, (from, body) => this.answerVote(from, body as VoteCall));
    this.forwarder = new RequestForwarder(transport, options.requestTimeoutMs);
  }

  start(): void {
    this.transport.listen((from, message) => this.onPeerMessage(from, message as ReplicationMessage | ForwardMessage));
    this.timer = setInterval(() => this.tick(), this.options.heartbeatMs);
    this.log.info({ epoch: this.data.epoch, last: this.data.last, keys: this.data.state.size, failoverTimeoutMs: this.options.failoverTimeoutMs }, 'primary-mode replica started');
  }

  handle(op: KvOp, forwarded = false): Promise<KvReply> {
    if (this.stopped) return Promise.resolve(failure('shutting-down', true, 'node is stopping'));
    if (op.op === 'status') return Promise.resolve({ ok: true, ...this.status() });
    const read = op.op === 'read' || (op.op === 'txn' && isReadOnly(op)) ? op : null;
    if (read && this.options.readMode === 'local') return this.serveReadAfter(read);
    if (this.role !== 'primary') {
      if (forwarded) return Promise.resolve({ ...failure('not-leader', true, `${this.options.id} is ${this.role} in epoch ${this.data.epoch}`), leader: this.primary });
      if (this.primary === null) return Promise.resolve(failure('no-leader', true, `${this.options.id} knows no primary in epoch ${this.data.epoch}`));
      return this.forwarder.forward(this.primary, op);
    }
    if (read) return this.serveReadAfter(read);
    // Not a read: the check above returned for every read.
    return this.write(op as Exclude<KvOp, { op: 'read' | 'status' | 'member' }>);
  }

  status(): KvStatus {
    const [index] = this.data.last;
    return { node: this.options.id, mode: 'primary', role: this.role, term: this.data.epoch, leader: this.primary, commitIndex: index, appliedIndex: index };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.forwarder.abandonAll();
    this.catchUp.abandonAll();
    this.rpc.stop();
    this.data.close();
  }

  // ---- primary: writes and replication

  private async write(op: Exclude<KvOp, { op: 'read' | 'status' | 'member' }>): Promise<KvReply> {
    const { result, entry } = this.data.propose(commandOf(op));
    if (!result.ok) return replyOf(result);
    this.catchUp.poke();
    this.scheduleReplication();
    await this.data.durable();
    return entry && !this.stopped ? withVersion(replyOf(result), [entry.ep, entry.i]) : failure('shutting-down', false, 'node stopped while the write was being made durable');
  }

  /**
   * Serves a read from this node's copy, with its version [epoch of the last entry, its index]. A read
   * `after` a newer version waits up to --catch-up-ms for replication to get here, else is `stale`.
   * After a rollback a newer epoch counts as newer even though it lacks the rolled-back writes: they
   * are lost for every client, and no token can bring them back.
   */
  private async serveReadAfter(op: Extract<KvOp, { op: 'read' | 'txn' }>): Promise<KvReply> {
    const after = op.op === 'read' ? op.after : undefined;
    if (after !== undefined && !(await this.catchUp.until(() => compareVersions(this.version(), after) >= 0, this.options.catchUpMs))) {
      if (this.stopped) return failure('shutting-down', true, 'node stopped');
      return failure('stale', true, `${this.options.id} is at version ${JSON.stringify(this.version())}; the read needs ${JSON.stringify(after)} (waited ${this.options.catchUpMs} ms)`);
    }
    return withVersion(serveRead(this.data.state, op), this.version());
  }

  private version(): KvVersion {
    const [index, epoch] = this.data.last;
    return [epoch, index];
  }

  private scheduleReplication(): void {
    if (this.replicateScheduled) return;
    this.replicateScheduled = true;
    setImmediate(() => {
      this.replicateScheduled = false;
      if (this.role === 'primary' && !this.stopped) for (const peer of this.peers) this.sendAppend(peer, false);
    });
  }

  /** Sends a replica what it lacks (or a heartbeat); falls back to a full sync when the backlog no longer has it. */
  private sendAppend(peer: string, heartbeat: boolean): void {
    const last = this.data.last;
    const from = this.next.get(peer) ?? last[0] + 1;
    if (from > last[0] && !heartbeat) return;
    const entries = this.data.entriesFrom(from, MAX_ENTRIES_PER_APPEND);
    if (entries === undefined) return this.sendSync(peer);
    const prevIndex = from - 1;
    const message: ReplicationMessage = { k: 'pr', t: 'append', epoch: this.data.epoch, prev: [prevIndex, this.data.epochAt(prevIndex)], last, entries };
    // Optimistic: assume it arrives (an ack or a nack corrects `next`).
    if (this.transport.send(peer, message, { connectedOnly: true }) && entries.length > 0) this.next.set(peer, entries.at(-1)!.i + 1);
  }

  private sendSync(peer: string): void {
    const now = performance.now();
    if (now - (this.syncedAtMs.get(peer) ?? -Infinity) < this.options.failoverTimeoutMs.min) return;
    this.syncedAtMs.set(peer, now);
    const image = this.data.image();
    this.transport.send(peer, { k: 'pr', t: 'sync', epoch: this.data.epoch, last: image.last, history: image.history, state: image.state } satisfies ReplicationMessage, { connectedOnly: true });
    this.next.set(peer, image.last[0] + 1);
  }

  private onAck(from: string, ack: Extract<ReplicationMessage, { t: 'ack' }>): void {
    if (ack.epoch > this.data.epoch) return this.stepDown(ack.epoch, null, `${from} is in epoch ${ack.epoch}`);
    if (this.role !== 'primary' || ack.epoch < this.data.epoch) return;
    const [index, epoch] = ack.last;
    if (ack.ok) return;
    if (!ack.divergent && index <= this.data.last[0] && this.data.epochAt(index) === epoch) {
      this.next.set(from, index + 1);
      this.sendAppend(from, false);
    } else {
      this.sendSync(from);
    }
  }

  // ---- replica: applying what the primary sends

  private onAppend(from: string, m: Extract<ReplicationMessage, { t: 'append' }>): void {
    if (!this.acceptPrimary(from, m.epoch)) return;
    const ack = (ok: boolean, divergent = false): void => {
      this.transport.send(from, { k: 'pr', t: 'ack', epoch: this.data.epoch, ok, last: this.data.last, ...(divergent && { divergent }) } satisfies ReplicationMessage);
    };
    const [lastIndex] = this.data.last;
    // We hold entries the primary does not have, or a different entry where it has one: start over.
    if (lastIndex > m.last[0] || (m.prev[0] <= lastIndex && this.data.epochAt(m.prev[0]) !== m.prev[1])) return ack(false, true);
    if (m.prev[0] > lastIndex) return ack(false);
    for (const entry of m.entries) {
      if (entry.i <= this.data.last[0]) {
        if (this.data.epochAt(entry.i) !== entry.ep) return ack(false, true);
        continue;
      }
      this.data.append(entry);
    }
    this.catchUp.poke();
    if (m.entries.length > 0) ack(true);
  }

  private onSync(from: string, m: Extract<ReplicationMessage, { t: 'sync' }>): void {
    if (!this.acceptPrimary(from, m.epoch)) return;
    const before = this.data.last;
    const discarded = this.data.resync({ last: m.last, history: m.history, state: m.state });
    this.catchUp.poke();
    const detail = { event: 'resync', primary: from, epoch: m.epoch, before, after: m.last, discarded };
    if (discarded > 0) this.log.warn({ ...detail, event: 'rollback' }, `rolled back ${discarded} writes after index ${before[0] - discarded} that primary ${from} never had; resynced to ${m.last[0]}`);
    else this.log.info(detail, `full resync from primary ${from} at index ${m.last[0]}`);
    this.transport.send(from, { k: 'pr', t: 'ack', epoch: this.data.epoch, ok: true, last: this.data.last } satisfies ReplicationMessage);
  }

  /** True when `from` may lead us in `epoch`; adopts a higher epoch, answers a lower one with ours. */
  private acceptPrimary(from: string, epoch: number): boolean {
    if (epoch < this.data.epoch) {
      this.transport.send(from, { k: 'pr', t: 'ack', epoch: this.data.epoch, ok: false, last: this.data.last } satisfies ReplicationMessage);
      return false;
    }
    if (epoch > this.data.epoch || this.role !== 'replica') this.stepDown(epoch, from, `${from} is primary in epoch ${epoch}`);
    if (this.primary !== from) {
      this.primary = from;
      this.log.info({ event: 'leader', leader: from, epoch }, `primary is ${from} in epoch ${epoch}`);
    }
    this.lastHeardMs = performance.now();
    return true;
  }

  private stepDown(epoch: number, primary: string | null, why: string): void {
    const was = this.role;
    if (epoch > this.data.epoch) this.data.setHardState(epoch, null);
    this.role = 'replica';
    this.primary = primary;
    this.lastHeardMs = performance.now();
    this.next.clear();
    if (was !== 'replica') this.log.info({ event: 'role', role: 'replica', from: was, epoch, why }, `became replica in epoch ${epoch} (${why})`);
  }

  // ---- failover

  private tick(): void {
    if (this.stopped) return;
    if (this.role === 'primary') {
      for (const peer of this.peers) this.sendAppend(peer, true);
      return;
    }
    const silentMs = performance.now() - this.lastHeardMs;
    if (silentMs > this.timeoutMs) void this.elect(silentMs);
  }

  private async elect(silentMs: number): Promise<void> {
    const epoch = this.data.epoch + 1;
    const lost = this.primary;
    this.data.setHardState(epoch, this.options.id);
    this.role = 'candidate';
    this.primary = null;
    this.lastHeardMs = performance.now();
    this.timeoutMs = this.drawTimeout();
    this.log.info({ event: 'election', epoch, silentMs: Math.round(silentMs), lostPrimary: lost }, `no word from ${lost ?? 'any primary'} for ${Math.round(silentMs)} ms; standing for primary in epoch ${epoch}`);
    await this.data.durable();
    const call: VoteCall = { t: 'vote', epoch, last: this.data.last };
    const answers = await Promise.all(this.peers.map((peer) => this.rpc.call(peer, call, this.options.failoverTimeoutMs.min)));
    if (this.stopped || this.role !== 'candidate' || this.data.epoch !== epoch) return;
    const votes = answers.filter((a) => a.answered && (a.body as VoteAnswer).granted).length + 1;
    const higher = Math.max(0, ...answers.map((a) => (a.answered ? (a.body as VoteAnswer).epoch : 0)));
    if (higher > epoch) return this.stepDown(higher, null, `a voter is in epoch ${higher}`);
    if (votes * 2 <= this.peers.length + 1) {
      this.log.info({ event: 'election', won: false, epoch, votes }, `election for epoch ${epoch} lost with ${votes} votes`);
      return;
    }
    this.role = 'primary';
    this.primary = this.options.id;
    this.next.clear();
    this.syncedAtMs.clear();
    this.log.info({ event: 'failover', role: 'primary', epoch, votes, lostPrimary: lost, last: this.data.last }, `became primary in epoch ${epoch} with ${votes} votes, at index ${this.data.last[0]}`);
    for (const peer of this.peers) this.sendAppend(peer, true);
  }

  private async answerVote(from: string, call: VoteCall): Promise<VoteAnswer | undefined> {
    if (this.stopped || call.t !== 'vote') return undefined;
    const heardRecently = performance.now() - this.lastHeardMs < this.options.failoverTimeoutMs.min;
    // A primary, or a replica that still hears one, does not help depose it.
    if (call.epoch <= this.data.epoch || this.role === 'primary' || (this.role === 'replica' && this.primary !== null && heardRecently)) {
      return { granted: false, epoch: this.data.epoch };
    }
    this.stepDown(call.epoch, null, `${from} stands for primary in epoch ${call.epoch}`);
    const [index, epoch] = call.last;
    const [myIndex, myEpoch] = this.data.last;
    const upToDate = epoch > myEpoch || (epoch === myEpoch && index >= myIndex);
    if (!upToDate) return { granted: false, epoch: this.data.epoch };
    this.data.setHardState(call.epoch, from);
    await this.data.durable();
    return { granted: true, epoch: call.epoch };
  }

  // ---- plumbing

  private onPeerMessage(from: string, message: ReplicationMessage | ForwardMessage): void {
    if (this.stopped || this.rpc.deliver(from, message)) return;
    switch (message.k) {
      case 'pr':
        if (message.t === 'append') return this.onAppend(from, message);
        if (message.t === 'sync') return this.onSync(from, message);
        return this.onAck(from, message);
      case 'fwd':
        void this.handle(message.op, true).then((reply) => this.transport.send(from, { k: 'fwdResp', fid: message.fid, reply } satisfies ForwardMessage));
        return;
      case 'fwdResp':
        return this.forwarder.complete(message.fid, message.reply);
      default:
        this.log.warn({ from, kind: (message as { k: unknown }).k }, 'unknown peer message kind; ignored');
    }
  }

  private drawTimeout(): number {
    const { min, max } = this.options.failoverTimeoutMs;
    return this.random.int(min, max);
  }
}
