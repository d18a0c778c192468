// The deterministic Raft core (after etcd-raft): step(message), tick(), propose(), readIndex(); all
// effects come out of ready(). No timers, sockets or disks here, so a simulated network can drive it.
//
// Beyond the paper: PreVote (a partitioned node does not inflate terms), CheckQuorum (a leader that
// has not heard from a majority for an election timeout steps down), and leader stickiness (a node
// that heard from a leader within the minimum election timeout ignores vote requests). Stickiness
// is what makes lease reads sound; a restarted node is sticky for its first timeout too, since it
// may have acknowledged a lease before it crashed.
//
// Membership: single-server changes (Raft dissertation §4.1). A configuration entry takes effect on
// a node when it is appended; a leader accepts a change only once an entry of its own term is
// committed and the previous change is committed. A node whose removal is committed never
// campaigns; one that missed its removal is kept out by PreVote and stickiness (§4.2.3).
import type { Prng } from '../prng.js';
import { RaftLog } from './raft-log.js';
import { configOf } from './raft-types.js';
import type {
  AppendRequest,
  ConfigChange,
  AppendResponse,
  Entry,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  NodeId,
  RaftMessage,
  ReadState,
  Ready,
  RecoveredState,
  Role,
  Snapshot,
  VoteRequest,
  VoteResponse,
} from './raft-types.js';

/** Fully resolved settings for one core; times are in ticks of the caller's clock. */
export interface RaftCoreOptions {
  id: NodeId;
  /** Every other node that may ever be a member; all of them are voters until a change says otherwise. */
  peers: NodeId[];
  /** Election timeouts are drawn uniformly from [min, max] ticks. */
  electionTicksMin: number;
  electionTicksMax: number;
  heartbeatTicks: number;
  random: Prng;
  /** At most this many entries per append message. */
  maxEntriesPerAppend: number;
  recovered: RecoveredState;
}

type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one follower. */
interface Progress {
  match: number;
  next: number;
  state: ProgressState;
  /** Probe: an append is outstanding; wait for its answer or the next heartbeat. */
  probeSent: boolean;
  /** Tick of the last replication progress, to notice lost appends in replicate state. */
  lastProgressTick: number;
  snapshotIndex: number;
  snapshotSentTick: number;
  recentActive: boolean;
  ackedSeq: number;
  sentCommit: number;
}

/** A read waiting for the heartbeat round `seq` to be acknowledged by a majority. */
interface PendingRead {
  ctx: number;
  index: number;
  seq: number;
}

/** The role, term and indexes a caller reports and logs. */
export interface CoreStatus {
  role: Role;
  term: number;
  leader: NodeId | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  /** Leader only: an entry of the current term is committed, so commitIndex is up to date. */
  committedInTerm: boolean;
  /** The voters as of commitIndex (sorted). */
  members: NodeId[];
  /** The voters of an appended but uncommitted configuration entry, if there is one. */
  membersPending: NodeId[] | null;
}

/** A configuration entry still in the log: it sets the voters from `index` on. */
interface ConfigEntry {
  index: number;
  voters: NodeId[];
}

export class RaftCore {
  readonly id: NodeId;
  readonly peers: NodeId[];
  role: Role = 'follower';
  term: number;
  vote: NodeId | null;
  leader: NodeId | null = null;
  commitIndex: number;
  appliedIndex: number;
  readonly log: RaftLog;
  /** The latest snapshot (taken locally or installed); what a lagging follower is sent. */
  snapshot: Snapshot | null;

  private readonly opts: RaftCoreOptions;
  /** The voters in effect: the last configuration entry in the log, else the snapshot's. */
  private voters: Set<NodeId>;
  /** The voters as of the snapshot point. */
  private snapshotVoters: NodeId[];
  /** Configuration entries after the snapshot point, in log order. */
  private configEntries: ConfigEntry[] = [];
  private tickCount = 0;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private electionTimeout = 0;
  private bootGuard = true;
  private votes = new Map<NodeId, boolean>();
  private progress = new Map<NodeId, Progress>();
  private committedInTerm = false;
  private seq = 0;
  private readBroadcastNeeded = false;
  private pendingReads: PendingRead[] = [];
  private readsAwaitingCommit: number[] = [];

  // Output accumulated until the next ready().
  private messages: RaftMessage[] = [];
  private hardStateDirty = false;
  private unstableFrom = Infinity;
  private snapshotToInstall: Snapshot | null = null;
  private readStates: ReadState[] = [];
  private droppedReads: number[] = [];

  constructor(opts: RaftCoreOptions) {
    if (opts.peers.includes(opts.id)) throw new Error(`raft: peers ${JSON.stringify(opts.peers)} include this node "${opts.id}"`);
    if (!(opts.electionTicksMin > opts.heartbeatTicks && opts.electionTicksMax >= opts.electionTicksMin)) {
      throw new Error(`raft: election ticks ${opts.electionTicksMin}-${opts.electionTicksMax} must exceed heartbeat ticks ${opts.heartbeatTicks}`);
    }
    this.opts = opts;
    this.id = opts.id;
    this.peers = [...opts.peers];
    const { hardState, snapshot, entries } = opts.recovered;
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.snapshot = snapshot;
    this.log = new RaftLog(snapshot?.index ?? 0, snapshot?.term ?? 0, entries);
    this.snapshotVoters = snapshot?.config ? [...snapshot.config].sort() : [this.id, ...this.peers].sort();
    this.voters = new Set(this.snapshotVoters);
    this.noteConfigEntries(entries);
    this.commitIndex = this.log.snapshotIndex;
    this.appliedIndex = this.log.snapshotIndex;
    this.resetElectionTimer();
  }

  /** Advances logical time by one tick: elections for followers, heartbeats for a leader. */
  tick(): void {
    this.tickCount++;
    this.electionElapsed++;
    if (this.role === 'leader') {
      this.tickLeader();
      return;
    }
    if (this.electionElapsed >= this.opts.electionTicksMin) this.bootGuard = false;
    if (this.electionElapsed < this.electionTimeout) return;
    if (this.mayCampaign()) this.campaign('pre');
    else this.becomeFollower(this.term, this.leader);
  }

  /** Proposes a command; returns where it was appended, or null when this node is not the leader. */
  propose(data: unknown): { index: number; term: number } | null {
    if (this.role !== 'leader') return null;
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, data };
    this.appendLocal([entry]);
    this.maybeCommit();
    if (this.role === 'leader') for (const peer of this.progress.keys()) this.maybeSendAppend(peer);
    return { index: entry.index, term: entry.term };
  }

  /**
   * Proposes a single-server membership change. Returns where its configuration entry was appended
   * (it takes effect at once), a one-line reason it was refused, or null when this node is not the
   * leader. Refused while the leader has not committed an entry of its own term (the no-op rule:
   * otherwise a change appended by an earlier leader and not yet known to be committed could
   * overlap with this one) and while the previous change is uncommitted.
   */
  proposeConfChange(change: ConfigChange): { index: number; term: number } | { refused: string } | null {
    if (this.role !== 'leader') return null;
    const universe = [this.id, ...this.peers];
    if (!universe.includes(change.node)) return { refused: `node "${change.node}" is not one of the cluster's nodes ${universe.sort().join(', ')}` };
    if (!this.committedInTerm) return { refused: `leader ${this.id} has not yet committed an entry of term ${this.term}` };
    const pending = this.lastConfigIndex();
    if (pending > this.commitIndex) return { refused: `the configuration change at index ${pending} is not committed yet` };
    const voters = new Set(this.voters);
    if (change.action === 'add') {
      if (voters.has(change.node)) return { refused: `node "${change.node}" is already a member` };
      voters.add(change.node);
    } else {
      if (!voters.has(change.node)) return { refused: `node "${change.node}" is not a member` };
      if (voters.size === 1) return { refused: `node "${change.node}" is the last member` };
      voters.delete(change.node);
    }
    return this.propose({ config: [...voters].sort() });
  }

  /** The voters in effect at `index` (at least the snapshot point), sorted. */
  configAt(index: number): NodeId[] {
    let voters = this.snapshotVoters;
    for (const c of this.configEntries) {
      if (c.index > index) break;
      voters = c.voters;
    }
    return [...voters];
  }

  /**
   * A node campaigns while it is a voter, and also while a configuration that removes it is not yet
   * known to be committed: its log may be the only complete one (a leader that appended its own
   * removal and crashed), and it would then lead only to commit that removal and step down. Once
   * its removal is committed it never campaigns again, until a change adds it back.
   */
  private mayCampaign(): boolean {
    return this.voters.has(this.id) || this.lastConfigIndex() > this.commitIndex;
  }

  /** True when this node is a voter in its current configuration. */
  isVoter(): boolean {
    return this.voters.has(this.id);
  }

  /**
   * Starts a ReadIndex read tagged `ctx`. Returns false when this node is not the leader. The read
   * is confirmed (a ReadState) once a majority acknowledges a heartbeat sent after this call and the
   * leader has committed an entry of its term; it is dropped if leadership is lost first.
   */
  readIndex(ctx: number): boolean {
    if (this.role !== 'leader') return false;
    if (!this.committedInTerm) {
      this.readsAwaitingCommit.push(ctx);
    } else if (this.voterPeers().length === 0 && this.voters.has(this.id)) {
      this.readStates.push({ ctx, index: this.commitIndex });
    } else {
      this.pendingReads.push({ ctx, index: this.commitIndex, seq: this.seq + 1 });
      this.readBroadcastNeeded = true;
    }
    return true;
  }

  /** Processes one message from a peer. Messages not addressed to this node are ignored. */
  step(m: RaftMessage): void {
    if (m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'preVote') && this.inLease()) return;
      const keepsTerm = m.type === 'preVote' || (m.type === 'preVoteResp' && m.granted);
      if (!keepsTerm) {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : null);
      }
    } else if (m.term < this.term) {
      if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        // A leader from an old term: our answer carries the newer term, so it steps down.
        this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: false, index: 0, hint: 0 });
      } else if (m.type === 'preVote') {
        this.send<VoteResponse>({ type: 'preVoteResp', to: m.from, granted: false });
      }
      return;
    }
    switch (m.type) {
      case 'preVote':
      case 'vote':
        return this.handleVoteRequest(m);
      case 'preVoteResp':
      case 'voteResp':
        return this.handleVoteResponse(m);
      case 'append':
        this.followLeader(m.from);
        return this.handleAppend(m);
      case 'heartbeat':
        this.followLeader(m.from);
        return this.handleHeartbeat(m);
      case 'snapshot':
        this.followLeader(m.from);
        return this.handleSnapshot(m);
      case 'appendResp':
        return this.handleAppendResponse(m);
      case 'heartbeatResp':
        return this.handleHeartbeatResponse(m);
    }
  }

  /** Records a snapshot the caller took of its applied state and drops the log up to it. */
  compact(snapshot: Snapshot): void {
    if (snapshot.index > this.appliedIndex) {
      throw new Error(`raft: snapshot index ${snapshot.index} is beyond applied index ${this.appliedIndex}`);
    }
    if (snapshot.index <= this.log.snapshotIndex) return;
    const term = this.log.term(snapshot.index);
    if (term !== snapshot.term) throw new Error(`raft: snapshot term ${snapshot.term} at index ${snapshot.index}; the log has term ${String(term)}`);
    const config = this.configAt(snapshot.index);
    this.log.compact(snapshot.index);
    this.snapshot = { ...snapshot, config };
    this.snapshotVoters = config;
    this.configEntries = this.configEntries.filter((c) => c.index > snapshot.index);
  }

  /** True when ready() has something for the caller. */
  hasReady(): boolean {
    return (
      this.messages.length > 0 ||
      this.hardStateDirty ||
      this.unstableFrom !== Infinity ||
      this.snapshotToInstall !== null ||
      this.commitIndex > this.appliedIndex ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0 ||
      this.readBroadcastNeeded ||
      this.commitNotifyNeeded()
    );
  }

  /** Takes all output since the last call; committed entries count as applied once returned. */
  ready(): Ready {
    if (this.readBroadcastNeeded) {
      this.readBroadcastNeeded = false;
      this.broadcastHeartbeat();
    } else if (this.commitNotifyNeeded()) {
      this.notifyCommit();
    }
    const rd: Ready = {
      entries: this.unstableFrom === Infinity ? [] : this.log.slice(this.unstableFrom, this.log.lastIndex()),
      messages: this.messages,
      committedEntries: [],
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    if (this.hardStateDirty) rd.hardState = { term: this.term, vote: this.vote };
    if (this.snapshotToInstall) {
      rd.snapshot = this.snapshotToInstall;
      this.appliedIndex = Math.max(this.appliedIndex, this.snapshotToInstall.index);
    }
    rd.committedEntries = this.log.slice(this.appliedIndex + 1, this.commitIndex);
    this.appliedIndex = Math.max(this.appliedIndex, this.commitIndex);
    this.messages = [];
    this.hardStateDirty = false;
    this.unstableFrom = Infinity;
    this.snapshotToInstall = null;
    this.readStates = [];
    this.droppedReads = [];
    return rd;
  }

  /** The highest heartbeat round acknowledged by a majority (this leader counts itself). */
  quorumAckedSeq(): number {
    if (this.role !== 'leader') return 0;
    const acked = [...(this.voters.has(this.id) ? [this.seq] : []), ...this.voterProgress().map((pr) => pr.ackedSeq)].sort((a, b) => b - a);
    return acked[this.quorum() - 1] ?? 0;
  }

  /** The number of the latest heartbeat round this leader has started. */
  currentSeq(): number {
    return this.seq;
  }

  status(): CoreStatus {
    return {
      role: this.role,
      term: this.term,
      leader: this.leader,
      commitIndex: this.commitIndex,
      appliedIndex: this.appliedIndex,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex,
      committedInTerm: this.role === 'leader' && this.committedInTerm,
      members: this.configAt(this.commitIndex),
      membersPending: this.lastConfigIndex() > this.commitIndex ? [...this.voters].sort() : null,
    };
  }

  // ---- roles

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.vote = null;
      this.hardStateDirty = true;
    }
    if (this.role === 'leader') this.dropReads();
    this.role = 'follower';
    this.leader = leader;
    if (leader !== null) this.bootGuard = false;
    this.progress.clear();
    this.resetElectionTimer();
  }

  private followLeader(leader: NodeId): void {
    if (this.role !== 'follower') this.becomeFollower(this.term, leader);
    this.leader = leader;
    this.bootGuard = false;
    this.electionElapsed = 0;
  }

  private campaign(kind: 'pre' | 'real'): void {
    if (kind === 'pre') {
      this.role = 'pre-candidate';
      this.leader = null;
    } else {
      this.role = 'candidate';
      this.leader = null;
      this.term++;
      this.vote = this.id;
      this.hardStateDirty = true;
    }
    this.resetElectionTimer();
    // Votes count only from the voters; a candidate outside its (uncommitted) configuration does not count itself.
    this.votes = new Map(this.voters.has(this.id) ? [[this.id, true]] : []);
    if (this.votes.size >= this.quorum()) {
      if (kind === 'pre') this.campaign('real');
      else this.becomeLeader();
      return;
    }
    const term = kind === 'pre' ? this.term + 1 : this.term;
    for (const peer of this.voterPeers()) {
      this.messages.push({
        type: kind === 'pre' ? 'preVote' : 'vote',
        from: this.id,
        to: peer,
        term,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
      });
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.heartbeatElapsed = 0;
    this.electionElapsed = 0;
    this.committedInTerm = false;
    this.progress.clear();
    this.trackVoters();
    // The no-op: committing it commits every earlier entry and makes commitIndex current (§8).
    this.propose(null);
  }

  private tickLeader(): void {
    if (this.electionElapsed >= this.opts.electionTicksMin) {
      this.electionElapsed = 0;
      const active = (this.voters.has(this.id) ? 1 : 0) + this.voterProgress().filter((pr) => pr.recentActive).length;
      if (active < this.quorum()) {
        this.becomeFollower(this.term, null);
        return;
      }
      for (const pr of this.progress.values()) pr.recentActive = false;
    }
    this.heartbeatElapsed++;
    if (this.heartbeatElapsed < this.opts.heartbeatTicks) return;
    this.heartbeatElapsed = 0;
    this.broadcastHeartbeat();
    const last = this.log.lastIndex();
    for (const [peer, pr] of this.progress) {
      if (pr.state === 'replicate' && pr.match < last && this.tickCount - pr.lastProgressTick >= this.opts.electionTicksMin / 2) {
        // Appends were probably lost: fall back to probing from the last known match.
        this.toProbe(pr, pr.match + 1);
      }
      if (pr.state === 'snapshot' && this.tickCount - pr.snapshotSentTick >= this.opts.electionTicksMin) {
        this.toProbe(pr, pr.match + 1);
      }
      if (pr.state === 'probe' && pr.match < last) {
        pr.probeSent = false;
        this.maybeSendAppend(peer);
      }
    }
  }

  private inLease(): boolean {
    return (this.leader !== null || this.bootGuard) && this.electionElapsed < this.opts.electionTicksMin;
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0;
    this.electionTimeout = this.opts.random.int(this.opts.electionTicksMin, this.opts.electionTicksMax);
  }

  // ---- elections

  private handleVoteRequest(m: VoteRequest): void {
    const canVote =
      this.vote === m.from || (this.vote === null && this.leader === null) || (m.type === 'preVote' && m.term > this.term);
    const type = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send<VoteResponse>({ type, to: m.from, term: m.term, granted: true });
      if (m.type === 'vote') {
        this.vote = m.from;
        this.hardStateDirty = true;
        this.electionElapsed = 0;
      }
    } else {
      this.send<VoteResponse>({ type, to: m.from, granted: false });
    }
  }

  private handleVoteResponse(m: VoteResponse): void {
    const campaigning = m.type === 'preVoteResp' ? this.role === 'pre-candidate' : this.role === 'candidate';
    if (!campaigning) return;
    if (m.type === 'preVoteResp' && m.granted && m.term !== this.term + 1) return;
    if (!this.voters.has(m.from)) return;
    this.votes.set(m.from, m.granted);
    const granted = [...this.votes.values()].filter(Boolean).length;
    const rejected = this.votes.size - granted;
    if (granted >= this.quorum()) {
      if (m.type === 'preVoteResp') this.campaign('real');
      else this.becomeLeader();
    } else if (rejected >= this.quorum()) {
      this.becomeFollower(this.term, null);
    }
  }

  // ---- follower side of replication

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this.commitIndex) {
      // Everything up to our commit index matches any leader's log; skip to it.
      const entries = m.entries.filter((e) => e.index > this.commitIndex);
      const first = entries[0];
      if (!first || first.index !== this.commitIndex + 1) {
        this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: true, index: this.commitIndex, hint: 0 });
        return;
      }
      m = { ...m, prevIndex: this.commitIndex, prevTerm: this.log.term(this.commitIndex)!, entries };
    }
    if (this.log.term(m.prevIndex) !== m.prevTerm) {
      this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: false, index: m.prevIndex, hint: this.rejectHint(m.prevIndex) });
      return;
    }
    const fresh = this.firstConflict(m.entries);
    if (fresh >= 0) {
      const first = m.entries[fresh]!;
      if (first.index <= this.commitIndex) {
        throw new Error(`raft ${this.id}: leader ${m.from} term ${m.term} would overwrite committed index ${first.index} (commit ${this.commitIndex})`);
      }
      this.appendLocal(m.entries.slice(fresh));
    }
    const lastNew = m.prevIndex + m.entries.length;
    this.commitTo(Math.min(m.commit, lastNew));
    this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: true, index: lastNew, hint: 0 });
  }

  /** Position in `entries` of the first one not already in the log with the same term, or -1. */
  private firstConflict(entries: Entry[]): number {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (this.log.term(e.index) !== e.term) return i;
    }
    return -1;
  }

  /** Where the leader should retry after our log failed to match at prevIndex. */
  private rejectHint(prevIndex: number): number {
    const last = this.log.lastIndex();
    if (last < prevIndex) return last;
    const conflictTerm = this.log.term(prevIndex);
    let i = prevIndex;
    while (i - 1 > this.commitIndex && this.log.term(i - 1) === conflictTerm) i--;
    return i - 1;
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send<HeartbeatResponse>({ type: 'heartbeatResp', to: m.from, seq: m.seq });
  }

  private handleSnapshot(m: InstallSnapshot): void {
    const snap = m.snapshot;
    if (snap.index <= this.commitIndex) {
      this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: true, index: this.commitIndex, hint: 0 });
      return;
    }
    if (this.log.term(snap.index) === snap.term) {
      // We already hold the snapshot's last entry: just commit up to it.
      this.commitTo(snap.index);
    } else {
      this.log.reset(snap.index, snap.term);
      this.snapshot = snap;
      this.snapshotVoters = snap.config ? [...snap.config].sort() : [this.id, ...this.peers].sort();
      this.configEntries = [];
      this.voters = new Set(this.snapshotVoters);
      this.snapshotToInstall = snap;
      this.unstableFrom = Infinity;
      this.commitIndex = snap.index;
    }
    this.send<AppendResponse>({ type: 'appendResp', to: m.from, success: true, index: snap.index, hint: 0 });
  }

  private commitTo(index: number): void {
    if (index > this.commitIndex) this.commitIndex = index;
  }

  private appendLocal(entries: Entry[]): void {
    this.log.append(entries);
    this.unstableFrom = Math.min(this.unstableFrom, entries[0]!.index);
    this.noteConfigEntries(entries);
  }

  // ---- membership

  /** Records the configuration entries among freshly appended ones (dropping any they replaced). */
  private noteConfigEntries(entries: Entry[]): void {
    const first = entries[0];
    if (!first) return;
    const before = this.configEntries.length;
    this.configEntries = this.configEntries.filter((c) => c.index < first.index);
    let changed = this.configEntries.length !== before;
    for (const e of entries) {
      const voters = configOf(e.data);
      if (voters) {
        this.configEntries.push({ index: e.index, voters: [...voters].sort() });
        changed = true;
      }
    }
    if (!changed) return;
    this.voters = new Set(this.configEntries.at(-1)?.voters ?? this.snapshotVoters);
    if (this.role === 'leader') this.trackVoters();
  }

  private lastConfigIndex(): number {
    return this.configEntries.at(-1)?.index ?? this.log.snapshotIndex;
  }

  private quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  private voterPeers(): NodeId[] {
    return [...this.voters].filter((v) => v !== this.id);
  }

  /** The leader's progress of the other voters: what commits, confirms reads and keeps it leader. */
  private voterProgress(): Progress[] {
    return [...this.progress].filter(([peer]) => this.voters.has(peer)).map(([, pr]) => pr);
  }

  /**
   * Leader: keeps a progress entry for the other voters (a new one starts probing at the end of the
   * log) and for the node the latest change removed, never counted, so that it receives its own
   * removal and hears it committed, and then stops campaigning.
   */
  private trackVoters(): void {
    const latest = this.configEntries.at(-1);
    const previous = latest ? (this.configEntries.at(-2)?.voters ?? this.snapshotVoters) : [];
    const removed = previous.filter((id) => !this.voters.has(id) && id !== this.id);
    const tracked = [...this.voterPeers(), ...removed];
    for (const peer of [...this.progress.keys()]) if (!tracked.includes(peer)) this.progress.delete(peer);
    const next = this.log.lastIndex() + 1;
    for (const peer of tracked) {
      if (this.progress.has(peer)) continue;
      this.progress.set(peer, {
        match: 0,
        next,
        state: 'probe',
        probeSent: false,
        lastProgressTick: this.tickCount,
        snapshotIndex: 0,
        snapshotSentTick: 0,
        recentActive: true,
        ackedSeq: 0,
        sentCommit: 0,
      });
    }
  }

  // ---- leader side of replication

  private handleAppendResponse(m: AppendResponse): void {
    if (this.role !== 'leader') return;
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.success) {
      if (m.index > pr.match) {
        pr.match = m.index;
        pr.lastProgressTick = this.tickCount;
      }
      pr.next = Math.max(pr.next, pr.match + 1);
      if (pr.state === 'probe' || (pr.state === 'snapshot' && pr.match >= pr.snapshotIndex)) {
        pr.state = 'replicate';
        pr.lastProgressTick = this.tickCount;
      }
      pr.probeSent = false;
      this.maybeCommit();
      if (this.role === 'leader' && pr.next <= this.log.lastIndex()) this.maybeSendAppend(m.from);
      return;
    }
    const stale =
      m.index <= pr.match ||
      pr.state === 'snapshot' ||
      (pr.state === 'probe' && m.index !== pr.next - 1);
    if (stale) return;
    this.toProbe(pr, Math.max(pr.match + 1, Math.min(m.index, m.hint + 1)));
    this.maybeSendAppend(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    if (this.role !== 'leader') return;
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.seq > pr.ackedSeq) {
      pr.ackedSeq = m.seq;
      this.releaseReads();
    }
  }

  private toProbe(pr: Progress, next: number): void {
    pr.state = 'probe';
    pr.next = next;
    pr.probeSent = false;
  }

  private maybeSendAppend(peer: NodeId): void {
    const pr = this.progress.get(peer)!;
    if (pr.state === 'snapshot' || (pr.state === 'probe' && pr.probeSent)) return;
    if (pr.state === 'replicate' && pr.next > this.log.lastIndex()) return;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      if (!this.snapshot || prevIndex >= this.log.snapshotIndex) {
        throw new Error(`raft ${this.id}: no term for index ${prevIndex} and no snapshot to send ${peer}`);
      }
      this.send<InstallSnapshot>({ type: 'snapshot', to: peer, snapshot: this.snapshot });
      pr.state = 'snapshot';
      pr.snapshotIndex = this.snapshot.index;
      pr.snapshotSentTick = this.tickCount;
      return;
    }
    // Nothing was in flight: the stall clock starts now, not at the last (possibly old) progress.
    if (pr.next - 1 <= pr.match) pr.lastProgressTick = this.tickCount;
    const entries = this.log.slice(pr.next, pr.next + this.opts.maxEntriesPerAppend - 1);
    this.send<AppendRequest>({ type: 'append', to: peer, prevIndex, prevTerm, entries, commit: this.commitIndex });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commitIndex, prevIndex + entries.length));
    if (pr.state === 'replicate') pr.next = prevIndex + entries.length + 1;
    else pr.probeSent = true;
  }

  private maybeCommit(): void {
    // A leader outside its configuration (removing itself) manages the cluster but does not count itself.
    const own = this.voters.has(this.id) ? [this.log.lastIndex()] : [];
    const matches = [...own, ...this.voterProgress().map((pr) => pr.match)].sort((a, b) => b - a);
    const candidate = matches[this.quorum() - 1] ?? 0;
    // Only entries of the current term are committed by counting replicas (Raft §5.4.2).
    if (candidate <= this.commitIndex || this.log.term(candidate) !== this.term) return;
    this.commitIndex = candidate;
    if (!this.voters.has(this.id) && this.lastConfigIndex() <= this.commitIndex) {
      // Our own removal is committed: tell the voters, then step down (§4.2.2).
      this.notifyCommit();
      this.becomeFollower(this.term, null);
      return;
    }
    if (!this.committedInTerm) {
      this.committedInTerm = true;
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const ctx of waiting) this.readIndex(ctx);
    }
  }

  private broadcastHeartbeat(): void {
    this.seq++;
    for (const [peer, pr] of this.progress) {
      const commit = Math.min(pr.match, this.commitIndex);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      this.send<Heartbeat>({ type: 'heartbeat', to: peer, commit, seq: this.seq });
    }
    if (this.voterPeers().length === 0) this.releaseReads();
  }

  private commitNotifyNeeded(): boolean {
    if (this.role !== 'leader') return false;
    for (const pr of this.progress.values()) {
      if (Math.min(pr.match, this.commitIndex) > pr.sentCommit) return true;
    }
    return false;
  }

  /** Tells followers about a commit index they have the entries for, without starting a new round. */
  private notifyCommit(): void {
    for (const [peer, pr] of this.progress) {
      const commit = Math.min(pr.match, this.commitIndex);
      if (commit <= pr.sentCommit) continue;
      pr.sentCommit = commit;
      this.send<Heartbeat>({ type: 'heartbeat', to: peer, commit, seq: this.seq });
    }
  }

  private releaseReads(): void {
    const acked = this.quorumAckedSeq();
    const still: PendingRead[] = [];
    for (const read of this.pendingReads) {
      if (read.seq <= acked) this.readStates.push({ ctx: read.ctx, index: read.index });
      else still.push(read);
    }
    this.pendingReads = still;
  }

  private dropReads(): void {
    for (const read of this.pendingReads) this.droppedReads.push(read.ctx);
    this.droppedReads.push(...this.readsAwaitingCommit);
    this.pendingReads = [];
    this.readsAwaitingCommit = [];
    this.readBroadcastNeeded = false;
  }

  private send<M extends RaftMessage>(m: Omit<M, 'from' | 'term'> & { term?: number }): void {
    this.messages.push({ ...m, from: this.id, term: m.term ?? this.term } as unknown as RaftMessage);
  }
}
