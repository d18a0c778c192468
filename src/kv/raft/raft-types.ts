// The data the Raft core consumes and produces: log entries, persistent state, messages, Ready.

export type NodeId = string;

/** One log entry; `data` is opaque to the core, and null marks the leader's no-op. */
export interface Entry {
  index: number;
  term: number;
  data: unknown;
}

/** What must be on disk before a vote or an append is acknowledged. */
export interface HardState {
  term: number;
  vote: NodeId | null;
}

/** A state machine image covering the log up to and including `index`. */
export interface Snapshot {
  index: number;
  term: number;
  data: unknown;
  /** The voters in effect at `index` (absent in snapshots older than membership changes: every node). */
  config?: NodeId[];
}

/**
 * A configuration entry's data: the voting members from this entry on. It takes effect on a node
 * as soon as the node appends it, committed or not (single-server changes, README "Membership").
 */
export interface ConfigData {
  config: NodeId[];
}

/** One single-server membership change, as a client asks for it. */
export interface ConfigChange {
  action: 'add' | 'remove';
  node: NodeId;
}

/** The voters a configuration entry sets, or null for any other entry. */
export function configOf(data: unknown): NodeId[] | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const config = (data as Partial<ConfigData>).config;
  return Array.isArray(config) && !('op' in data) ? config : null;
}

/** The persistent state a core starts from (empty for a fresh node). */
export interface RecoveredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  entries: Entry[];
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

interface Envelope {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** A (pre-)vote request; a pre-vote carries the term the candidate would campaign in. */
export interface VoteRequest extends Envelope {
  type: 'preVote' | 'vote';
  lastIndex: number;
  lastTerm: number;
}

export interface VoteResponse extends Envelope {
  type: 'preVoteResp' | 'voteResp';
  granted: boolean;
}

export interface AppendRequest extends Envelope {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
}

/** `index` is the last matching index on success, the rejected prevIndex on failure; `hint` helps back off. */
export interface AppendResponse extends Envelope {
  type: 'appendResp';
  success: boolean;
  index: number;
  hint: number;
}

/** `seq` numbers the leader's heartbeat rounds: an echo of it confirms leadership (ReadIndex, leases). */
export interface Heartbeat extends Envelope {
  type: 'heartbeat';
  commit: number;
  seq: number;
}

export interface HeartbeatResponse extends Envelope {
  type: 'heartbeatResp';
  seq: number;
}

export interface InstallSnapshot extends Envelope {
  type: 'snapshot';
  snapshot: Snapshot;
}

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot;

/** A confirmed read: serve the read tagged `ctx` once the state machine has applied `index`. */
export interface ReadState {
  ctx: number;
  index: number;
}

/**
 * The core's output since the last call to `ready()`. The caller must, in this order: persist
 * `snapshot`, `hardState` and `entries` (entries replace any log suffix from entries[0].index);
 * then send `messages`; then restore `snapshot` and apply `committedEntries` in order.
 */
export interface Ready {
  hardState?: HardState;
  snapshot?: Snapshot;
  entries: Entry[];
  messages: RaftMessage[];
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Read requests that can no longer be confirmed (leadership lost). */
  droppedReads: number[];
}
