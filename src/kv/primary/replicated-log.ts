// The primary mode's data on one node: the key/value state, the position of the last applied entry,
// which epoch wrote which stretch of indices (the epoch history, as in Kafka's leader epochs), the
// recent entries a primary can resend (its backlog), and the WAL that makes all of it survive a
// restart. Entries are applied as they are appended; there is no commit point (replication is async).
import type { Logger } from 'pino';
import { KvState, type KvCommand, type KvCommandResult } from '../kv-state.js';
import type { FsyncMode } from '../server-options.js';
import { StateLog } from '../state-log.js';

export interface LogEntry {
  i: number;
  ep: number;
  c: KvCommand;
}

/** [index, epoch of the entry at that index]; [0, 0] before any entry. */
export type Position = [number, number];

/** [epoch, first index it wrote], epochs increasing. */
export type EpochHistory = [number, number][];

type Record = { t: 'hs'; epoch: number; vote: string | null } | { t: 'e'; e: LogEntry };

interface Snapshot {
  epoch: number;
  vote: string | null;
  last: Position;
  history: EpochHistory;
  state: [string, unknown][];
}

const BACKLOG_ENTRIES = 10_000;

export class ReplicatedLog {
  state = new KvState();
  epoch = 0;
  vote: string | null = null;
  last: Position = [0, 0];
  history: EpochHistory = [];
  /** Recent entries, contiguous, ending at last (empty after a restart or a resync). */
  private backlog: LogEntry[] = [];

  private constructor(
    private readonly wal: StateLog<Record>,
    private readonly snapshotEvery: number,
  ) {}

  static open(dir: string, fsync: FsyncMode, snapshotEvery: number, log: Logger): ReplicatedLog {
    const { wal, recovered } = StateLog.open<Record>(dir, 'primary', fsync, log);
    const rl = new ReplicatedLog(wal, snapshotEvery);
    const snap = recovered.snapshot as Snapshot | null;
    if (snap) {
      rl.epoch = snap.epoch;
      rl.vote = snap.vote;
      rl.last = snap.last;
      rl.history = snap.history;
      rl.state = KvState.restore(snap.state);
    }
    for (const record of recovered.records) {
      if (record.t === 'hs') {
        rl.epoch = record.epoch;
        rl.vote = record.vote;
      } else if (record.e.i === rl.last[0] + 1) {
        rl.applyEntry(record.e);
      }
    }
    return rl;
  }

  /** The epoch that wrote index i (0 for index 0 or before any history). */
  epochAt(i: number): number {
    let epoch = 0;
    for (const [ep, first] of this.history) if (first <= i) epoch = ep;
    return epoch;
  }

  /** Persists a new epoch and vote. */
  setHardState(epoch: number, vote: string | null): void {
    this.epoch = epoch;
    this.vote = vote;
    this.wal.append({ t: 'hs', epoch, vote });
  }

  /** Applies a command as the primary: appends it as the next entry when it changes the state. */
  propose(command: KvCommand): { result: KvCommandResult; entry?: LogEntry } {
    const result = this.state.apply(command);
    if (!result.ok) return { result };
    const entry: LogEntry = { i: this.last[0] + 1, ep: this.epoch, c: command };
    this.record(entry);
    return { result, entry };
  }

  /** Applies an entry a primary sent, which must be the next index. */
  append(entry: LogEntry): void {
    if (entry.i !== this.last[0] + 1) throw new Error(`primary log: entry ${entry.i} does not follow ${this.last[0]}`);
    this.state.apply(entry.c);
    this.record(entry);
  }

  /** Entries from index `from` on (at most `max`), or undefined when they are no longer in the backlog. */
  entriesFrom(from: number, max: number): LogEntry[] | undefined {
    if (from > this.last[0]) return [];
    const first = this.backlog[0]?.i;
    if (first === undefined || from < first) return undefined;
    return this.backlog.slice(from - first, from - first + max);
  }

  /** Everything a replica needs to start over from this node's state. */
  image(): Snapshot {
    return { epoch: this.epoch, vote: this.vote, last: this.last, history: this.history, state: this.state.snapshot() };
  }

  /** Replaces this node's data with a primary's image; returns how many of our entries it discarded. */
  resync(image: Omit<Snapshot, 'vote' | 'epoch'>): number {
    const discarded = this.last[0] - commonIndex(this.history, this.last[0], image.history, image.last[0]);
    this.state = KvState.restore(image.state);
    this.last = image.last;
    this.history = image.history;
    this.backlog = [];
    this.wal.compact(this.image());
    return Math.max(0, discarded);
  }

  durable(): Promise<void> {
    return this.wal.durable();
  }

  close(): void {
    this.wal.close();
  }

  private applyEntry(entry: LogEntry): void {
    this.state.apply(entry.c);
    this.last = [entry.i, entry.ep];
    if (this.history.at(-1)?.[0] !== entry.ep) this.history.push([entry.ep, entry.i]);
  }

  private record(entry: LogEntry): void {
    this.last = [entry.i, entry.ep];
    if (this.history.at(-1)?.[0] !== entry.ep) this.history.push([entry.ep, entry.i]);
    this.backlog.push(entry);
    if (this.backlog.length > BACKLOG_ENTRIES) this.backlog.splice(0, this.backlog.length - BACKLOG_ENTRIES);
    this.wal.append({ t: 'e', e: entry });
    if (this.snapshotEvery > 0 && this.wal.recordsSinceCompaction >= this.snapshotEvery) this.wal.compact(this.image());
  }
}

/** The last index two logs (given by epoch histories and last indices) certainly agree on. */
export function commonIndex(a: EpochHistory, aLast: number, b: EpochHistory, bLast: number): number {
  let common = 0;
  for (let x = 0; x < a.length; x++) {
    const [epoch, start] = a[x]!;
    const y = b.findIndex(([e]) => e === epoch);
    if (y < 0 || b[y]![1] !== start) break;
    const aEnd = (a[x + 1]?.[1] ?? aLast + 1) - 1;
    const bEnd = (b[y + 1]?.[1] ?? bLast + 1) - 1;
    common = Math.min(aEnd, bEnd);
    if (aEnd !== bEnd) break;
  }
  return common;
}
