// The raft mode: a replica that drives the deterministic core with timers, the WAL and the peer
// transport, applies committed commands to the key/value state, and answers client ops honestly.
//
// Outcomes. A write or cas is answered when its log entry (index i, term t) is applied: with its
// result if the entry at i has term t, or `dropped` (definite) if i committed with another term, since
// an entry lives at one index only and committed entries never change. A cas-mismatch is decided when
// the entry is applied, in log order, so it is definite too. Losing leadership does not answer
// anything: the entry may still commit under the next leader, so the op waits for its index until the
// request timeout (`timeout`, indefinite). Reads change nothing, so every failed read is definite.
// A txn that writes goes through the log like a write (its compares decided when applied, in log
// order: strictly serializable); a txn of reads only is served like a read. A `member` op (add or
// remove one voter) goes through the log as a configuration entry and is answered like a write.
import type { Logger } from 'pino';
import type { KvMode, ModeContext } from '../mode.js';
import { commandOf, KvState, replyOf, serveRead, type KvCommand } from '../kv-state.js';
import type { PeerTransport } from '../peer-transport.js';
import { createPrng, deriveSeed } from '../prng.js';
import { failure, isReadOnly, type KvOp, type KvReply, type KvStatus } from '../protocol.js';
import { RequestForwarder, type ForwardMessage } from '../request-forwarder.js';
import type { ServerOptions } from '../server-options.js';
import { CatchUp } from '../catch-up.js';
import { compareVersions, withVersion, type KvVersion } from '../version.js';
import { LeaseClock } from './lease-clock.js';
import { RaftCore } from './raft-core.js';
import { RaftStorage } from './raft-storage.js';
import { configOf, type Entry, type RaftMessage, type RecoveredState, type Role, type Snapshot } from './raft-types.js';

/** Tick length and the core's timeouts in ticks, derived from the flags. */
export interface RaftTiming {
  tickMs: number;
  heartbeatTicks: number;
  electionTicksMin: number;
  electionTicksMax: number;
  leaseMs: number;
}

/** Derives the core's tick-based timing; the lease stays a safe margin below the election timeout. */
export function raftTiming(options: Pick<ServerOptions, 'heartbeatMs' | 'electionTimeoutMs'>): RaftTiming {
  const tickMs = Math.max(1, Math.min(10, Math.floor(options.heartbeatMs / 5)));
  const heartbeatTicks = Math.max(1, Math.round(options.heartbeatMs / tickMs));
  const electionTicksMin = Math.max(heartbeatTicks + 1, Math.ceil(options.electionTimeoutMs.min / tickMs));
  const electionTicksMax = Math.max(electionTicksMin, Math.ceil(options.electionTimeoutMs.max / tickMs));
  // A tick may fire just after a follower resets its timer, so it can time out one tick early.
  const leaseMs = Math.max(0, Math.floor(electionTicksMin * tickMs * 0.8) - tickMs);
  return { tickMs, heartbeatTicks, electionTicksMin, electionTicksMax, leaseMs };
}

/** The raft entry for --mode raft. */
export async function startRaftMode(ctx: ModeContext): Promise<KvMode> {
  const { storage, recovered } = RaftStorage.open(ctx.options.dataDir, ctx.options.fsync, ctx.log);
  const replica = new RaftReplica(ctx.options, ctx.log, ctx.transport, storage, recovered);
  replica.start();
  return replica;
}

type RaftPeerMessage = { k: 'raft'; m: RaftMessage } | ForwardMessage;

interface Proposal {
  term: number;
  resolve: (reply: KvReply) => void;
  timer: NodeJS.Timeout;
}

/** A read or a txn of reads. */
type ReadOp = Extract<KvOp, { op: 'read' | 'txn' }>;

interface PendingRead {
  op: ReadOp;
  /** Serve once applied reaches this index; null until leadership is confirmed. */
  index: number | null;
  resolve: (reply: KvReply | Promise<KvReply>) => void;
  timer: NodeJS.Timeout;
}

const MAX_ENTRIES_PER_APPEND = 256;

export class RaftReplica implements KvMode {
  private readonly core: RaftCore;
  private state: KvState;
  private readonly timing: RaftTiming;
  private readonly lease: LeaseClock;
  private readonly forwarder: RequestForwarder;
  private readonly catchUp = new CatchUp();
  /** Writes and cas waiting for their entry, by log index (a list: a later term may reuse an index). */
  private readonly proposals = new Map<number, Proposal[]>();
  private readonly reads = new Map<number, PendingRead>();
  private nextReadCtx = 1;
  private tickTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;
  private shown: { role: Role; term: number; leader: string | null };

  constructor(
    private readonly options: ServerOptions,
    private readonly log: Logger,
    private readonly transport: PeerTransport,
    private readonly storage: RaftStorage,
    recovered: RecoveredState,
  ) {
    this.timing = raftTiming(options);
    this.lease = new LeaseClock(this.timing.leaseMs);
    this.forwarder = new RequestForwarder(transport, options.requestTimeoutMs);
    this.state = recovered.snapshot ? KvState.restore(recovered.snapshot.data) : new KvState();
    this.core = new RaftCore({
      id: options.id,
      peers: options.peers.map((p) => p.id),
      electionTicksMin: this.timing.electionTicksMin,
      electionTicksMax: this.timing.electionTicksMax,
      heartbeatTicks: this.timing.heartbeatTicks,
      maxEntriesPerAppend: MAX_ENTRIES_PER_APPEND,
      random: createPrng(deriveSeed(options.seed, options.id)),
      recovered,
    });
    this.shown = { role: this.core.role, term: this.core.term, leader: this.core.leader };
  }

  start(): void {
    this.transport.listen((from, message) => this.onPeerMessage(from, message as RaftPeerMessage));
    this.tickTimer = setInterval(() => {
      this.core.tick();
      this.processReady();
    }, this.timing.tickMs);
    this.log.info({ ...this.timing, readMode: this.options.readMode, fsync: this.options.fsync, role: this.core.role, term: this.core.term }, 'raft replica started');
  }

  handle(op: KvOp): Promise<KvReply> {
    if (this.stopped) return Promise.resolve(failure('shutting-down', true, 'node is stopping'));
    return this.serve(op, false);
  }

  status(): KvStatus {
    const s = this.core.status();
    return {
      node: this.options.id,
      mode: 'raft',
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      members: s.members,
      membersPending: s.membersPending,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    for (const list of this.proposals.values()) {
      for (const p of list) this.settle(p, failure('shutting-down', false, 'node stopped before the entry was applied'));
    }
    this.proposals.clear();
    for (const ctx of [...this.reads.keys()]) this.finishRead(ctx, failure('shutting-down', true, 'node stopped'));
    this.forwarder.abandonAll();
    this.catchUp.abandonAll();
    this.storage.close();
  }

  // ---- client ops

  /** Serves a client op, or one a follower forwarded to us. */
  private serve(op: KvOp, forwarded: boolean): Promise<KvReply> {
    switch (op.op) {
      case 'status':
        return Promise.resolve({ ok: true, ...this.status() });
      case 'read':
        return this.read(op, forwarded);
      case 'txn':
        return isReadOnly(op) ? this.read(op, forwarded) : this.propose(op, forwarded);
      case 'member':
        return this.changeMembers(op, forwarded);
      default:
        return this.propose(op, forwarded);
    }
  }

  private read(op: ReadOp, forwarded: boolean): Promise<KvReply> {
    if (this.options.readMode === 'local') return this.readApplied(op);
    if (this.core.role !== 'leader') return this.notLeader(op, forwarded);
    const s = this.core.status();
    if (this.options.readMode === 'lease' && s.committedInTerm && this.wallNowMs() < this.lease.expiresAtMs(this.core.quorumAckedSeq())) {
      return this.readWhenApplied(op, s.commitIndex);
    }
    // ReadIndex (also the fallback when the lease has run out).
    const ctx = this.nextReadCtx++;
    const reply = this.waitForRead(ctx, op, null);
    this.core.readIndex(ctx);
    this.scheduleReady();
    return reply;
  }

  private readWhenApplied(op: ReadOp, index: number): Promise<KvReply> {
    if (this.core.appliedIndex >= index) return this.readApplied(op);
    return this.waitForRead(this.nextReadCtx++, op, index);
  }

  /**
   * Serves a read from the applied state, with its version (the applied index). A read `after` a
   * newer version first waits up to --catch-up-ms for this node to apply that far, else is `stale`.
   */
  private async readApplied(op: ReadOp): Promise<KvReply> {
    const after = op.op === 'read' ? op.after : undefined;
    if (after !== undefined && !(await this.catchUp.until(() => compareVersions(this.version(), after) >= 0, this.options.catchUpMs))) {
      if (this.stopped) return failure('shutting-down', true, 'node stopped');
      return failure('stale', true, `${this.options.id} has applied index ${this.core.appliedIndex}; the read needs version ${JSON.stringify(after)} (waited ${this.options.catchUpMs} ms)`);
    }
    return withVersion(serveRead(this.state, op), this.version());
  }

  /** The version of this node's state: its applied index, the same log position on every node. */
  private version(): KvVersion {
    return [this.core.appliedIndex];
  }

  private waitForRead(ctx: number, op: ReadOp, index: number | null): Promise<KvReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.finishRead(ctx, failure('timeout', true, `read not confirmed within ${this.options.requestTimeoutMs} ms`)),
        this.options.requestTimeoutMs,
      );
      this.reads.set(ctx, { op, index, resolve, timer });
    });
  }

  private propose(op: Exclude<KvOp, { op: 'read' | 'status' | 'member' }>, forwarded: boolean): Promise<KvReply> {
    if (this.core.role !== 'leader') return this.notLeader(op, forwarded);
    const command: KvCommand = commandOf(op);
    const placed = this.core.propose(command);
    if (!placed) return this.notLeader(op, forwarded);
    return this.awaitApplied(placed);
  }

  /** A single-server membership change at the leader; refused (definite) when it cannot be made now. */
  private changeMembers(op: Extract<KvOp, { op: 'member' }>, forwarded: boolean): Promise<KvReply> {
    if (this.core.role !== 'leader') return this.notLeader(op, forwarded);
    const placed = this.core.proposeConfChange({ action: op.action, node: op.node });
    if (!placed) return this.notLeader(op, forwarded);
    if ('refused' in placed) return Promise.resolve(failure('member-refused', true, `${op.action} ${op.node}: ${placed.refused}`));
    this.log.info({ event: 'member', action: op.action, node: op.node, index: placed.index, term: placed.term }, `membership change proposed: ${op.action} ${op.node}`);
    return this.awaitApplied(placed);
  }

  /** Answers once the entry at `placed` is applied (or replaced, or the request times out). */
  private awaitApplied(placed: { index: number; term: number }): Promise<KvReply> {
    return new Promise((resolve) => {
      const proposal: Proposal = {
        term: placed.term,
        resolve,
        timer: setTimeout(() => {
          this.removeProposal(placed.index, proposal);
          resolve(failure('timeout', false, `entry ${placed.index} (term ${placed.term}) not applied within ${this.options.requestTimeoutMs} ms`));
        }, this.options.requestTimeoutMs),
      };
      const list = this.proposals.get(placed.index);
      if (list) list.push(proposal);
      else this.proposals.set(placed.index, [proposal]);
      this.scheduleReady();
    });
  }

  /** A follower forwards to the leader; the leader it forwarded to answers not-leader if it lost the role. */
  private notLeader(op: KvOp, forwarded: boolean): Promise<KvReply> {
    const leader = this.core.leader;
    if (forwarded) {
      return Promise.resolve({ ...failure('not-leader', true, `${this.options.id} is ${this.core.role} in term ${this.core.term}`), leader });
    }
    if (leader === null || leader === this.options.id) {
      return Promise.resolve(failure('no-leader', true, `${this.options.id} knows no leader in term ${this.core.term}`));
    }
    return this.forwarder.forward(leader, op);
  }

  // ---- peers

  private onPeerMessage(from: string, message: RaftPeerMessage): void {
    if (this.stopped) return;
    switch (message.k) {
      case 'raft':
        if (message.m.from !== from) {
          this.log.warn({ from, claimed: message.m.from }, 'raft message claims another sender; ignored');
          return;
        }
        this.core.step(message.m);
        this.scheduleReady();
        return;
      case 'fwd': {
        const reply = this.serve(message.op, true);
        void reply.then((r) => this.transport.send(from, { k: 'fwdResp', fid: message.fid, reply: r } satisfies ForwardMessage));
        return;
      }
      case 'fwdResp':
        this.forwarder.complete(message.fid, message.reply);
        return;
      default:
        this.log.warn({ from, kind: (message as { k: unknown }).k }, 'unknown peer message kind; ignored');
    }
  }

  // ---- the Ready loop

  private scheduleReady(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.processReady();
    });
  }

  /** Persist, then send, then apply: the order that makes acknowledgements durable. */
  private processReady(): void {
    if (this.stopped) return;
    while (this.core.hasReady()) {
      const rd = this.core.ready();
      if (this.core.role === 'leader') this.lease.noteRound(this.core.currentSeq(), this.wallNowMs());
      this.storage.save(rd);
      for (const m of rd.messages) this.transport.send(m.to, { k: 'raft', m } satisfies RaftPeerMessage);
      if (rd.snapshot) this.installSnapshot(rd.snapshot);
      for (const entry of rd.committedEntries) this.apply(entry);
      for (const rs of rd.readStates) {
        const read = this.reads.get(rs.ctx);
        if (read) read.index = rs.index;
      }
      for (const ctx of rd.droppedReads) {
        this.finishRead(ctx, { ...failure('not-leader', true, `${this.options.id} lost leadership before confirming the read`), leader: this.core.leader });
      }
      this.serveReads();
      this.catchUp.poke();
    }
    this.maybeCompact();
    this.logChanges();
  }

  private apply(entry: Entry): void {
    const config = configOf(entry.data);
    if (config) this.log.info({ event: 'members', members: config, index: entry.index, term: entry.term }, `members are ${config.join(', ')}`);
    const result = entry.data === null || config ? null : this.state.apply(entry.data as KvCommand);
    const waiting = this.proposals.get(entry.index);
    if (!waiting) return;
    this.proposals.delete(entry.index);
    for (const p of waiting) {
      if (p.term !== entry.term) {
        this.settle(p, failure('dropped', true, `entry ${entry.index} of term ${p.term} was replaced by term ${entry.term}`));
      } else {
        this.settle(p, withVersion(result === null ? { ok: true } : replyOf(result), [entry.index]));
      }
    }
  }

  private installSnapshot(snapshot: Snapshot): void {
    this.state = KvState.restore(snapshot.data);
    for (const [index, list] of this.proposals) {
      if (index > snapshot.index) continue;
      this.proposals.delete(index);
      for (const p of list) this.settle(p, failure('unknown-outcome', false, `entry ${index} was covered by a snapshot from the leader`));
    }
    this.log.info({ index: snapshot.index, term: snapshot.term, keys: this.state.size }, 'snapshot installed from leader');
  }

  private serveReads(): void {
    if (this.reads.size === 0) return;
    for (const [ctx, read] of this.reads) {
      if (read.index !== null && read.index <= this.core.appliedIndex) this.finishRead(ctx, this.readApplied(read.op));
    }
  }

  private maybeCompact(): void {
    const every = this.options.snapshotEvery;
    const applied = this.core.appliedIndex;
    if (every <= 0 || applied - this.core.log.snapshotIndex < every || this.core.hasReady()) return;
    const snapshot: Snapshot = { index: applied, term: this.core.log.term(applied)!, data: this.state.snapshot(), config: this.core.configAt(applied) };
    this.storage.compact(snapshot, { term: this.core.term, vote: this.core.vote }, this.core.log.slice(applied + 1, this.core.log.lastIndex()));
    this.core.compact(snapshot);
    this.log.info({ index: snapshot.index, term: snapshot.term, keys: this.state.size }, 'snapshot taken; log compacted');
  }

  private logChanges(): void {
    const { role, term, leader } = this.core;
    const before = this.shown;
    if (role === before.role && term === before.term && leader === before.leader) return;
    this.shown = { role, term, leader };
    if (role !== before.role) {
      if (before.role === 'leader') this.lease.reset();
      if (role === 'leader') this.lease.reset();
      // Pre-votes churn every election timeout while partitioned: keep them out of info logs.
      const level = role === 'pre-candidate' || (before.role === 'pre-candidate' && role === 'follower') ? 'debug' : 'info';
      this.log[level]({ event: 'role', role, term, from: before.role }, `became ${role} in term ${term}`);
      if (before.role === 'candidate' && role === 'leader') this.log.info({ event: 'election', won: true, term }, `election won in term ${term}`);
      if (before.role === 'candidate' && role !== 'leader') this.log.info({ event: 'election', won: false, term, leader }, `election lost in term ${term}`);
    }
    if (leader !== before.leader && leader !== null && role !== 'leader') this.log.info({ event: 'leader', leader, term }, `leader is ${leader} in term ${term}`);
  }

  // ---- helpers

  private finishRead(ctx: number, reply: KvReply | Promise<KvReply>): void {
    const read = this.reads.get(ctx);
    if (!read) return;
    this.reads.delete(ctx);
    clearTimeout(read.timer);
    read.resolve(reply);
  }

  private settle(p: Proposal, reply: KvReply): void {
    clearTimeout(p.timer);
    p.resolve(reply);
  }

  private removeProposal(index: number, proposal: Proposal): void {
    const list = this.proposals.get(index);
    if (!list) return;
    const rest = list.filter((p) => p !== proposal);
    if (rest.length > 0) this.proposals.set(index, rest);
    else this.proposals.delete(index);
  }

  private wallNowMs(): number {
    return Date.now() + this.options.clockOffsetMs;
  }
}
