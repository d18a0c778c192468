// One node's replicas of keys in the leaderless modes (quorum, quorum-vc, crdt): a map from key to
// a state that only ever moves up a join-semilattice (LWW register, sibling set, CRDT), so merging
// the same update twice, or in any order, gives the same state. Every state merged into a key goes
// to the WAL as it came (small deltas for CRDT ops); recovery merges the records over the snapshot.
import type { Logger } from 'pino';
import { crc32 } from 'node:zlib';
import { StateLog } from './state-log.js';
import type { FsyncMode } from './server-options.js';

/** How states of one key combine: commutative, associative, idempotent; results in canonical form. */
export interface Lattice<S> {
  merge(a: S, b: S): S;
}

/** A WAL record: a state merged into a key, or a reservation of event numbers (vector clocks, dots). */
type StoreRecord<S> = { k: string; s: S } | { events: number };

interface StoreSnapshot<S> {
  entries: [string, S][];
  events: number;
}

const EVENT_BLOCK = 1000;

export class ReplicaStore<S> {
  private readonly data = new Map<string, S>();
  private readonly hashes = new Map<string, string>();
  private eventsReserved = 0;
  private lastEvent = 0;
  /** Updates applied since start (shown as appliedIndex in status). */
  applied = 0;

  private constructor(
    private readonly lattice: Lattice<S>,
    private readonly wal: StateLog<StoreRecord<S>>,
    private readonly snapshotEvery: number,
  ) {}

  /** Opens `<dir>/<name>.wal` and recovers every key's state. */
  static open<S>(lattice: Lattice<S>, dir: string, name: string, fsync: FsyncMode, snapshotEvery: number, log: Logger): ReplicaStore<S> {
    const { wal, recovered } = StateLog.open<StoreRecord<S>>(dir, name, fsync, log);
    const store = new ReplicaStore(lattice, wal, snapshotEvery);
    const snapshot = recovered.snapshot as StoreSnapshot<S> | null;
    if (snapshot) {
      for (const [key, state] of snapshot.entries) store.data.set(key, state);
      store.eventsReserved = snapshot.events;
    }
    for (const record of recovered.records) {
      if ('events' in record) store.eventsReserved = Math.max(store.eventsReserved, record.events);
      else store.data.set(record.k, store.mergeInto(store.data.get(record.k), record.s));
    }
    // Event numbers reserved before a crash may have been used: start after all of them.
    store.lastEvent = store.eventsReserved;
    return store;
  }

  get size(): number {
    return this.data.size;
  }

  get(key: string): S | null {
    return this.data.get(key) ?? null;
  }

  keys(): IterableIterator<string> {
    return this.data.keys();
  }

  /** Merges `state` into `key`; true when that changed the key (the change is in the WAL, not yet durable). */
  put(key: string, state: S): boolean {
    const before = this.data.get(key);
    const after = this.mergeInto(before, state);
    const hash = hashOf(after);
    if (before !== undefined && hash === this.hashOf(key)) return false;
    this.data.set(key, after);
    this.hashes.set(key, hash);
    // The state as given (a delta, for CRDT ops): replaying merges it again, to the same result.
    this.wal.append({ k: key, s: state });
    this.applied++;
    this.maybeCompact();
    return true;
  }

  /** Resolves once every change so far is as durable as --fsync promises. */
  durable(): Promise<void> {
    return this.wal.durable();
  }

  /** A hash of the key's state (undefined when absent), for anti-entropy digests. */
  hashOf(key: string): string | undefined {
    const state = this.data.get(key);
    if (state === undefined) return undefined;
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = hashOf(state);
      this.hashes.set(key, hash);
    }
    return hash;
  }

  /** A number no earlier call on this node returned, even across restarts (for clocks and dots). */
  nextEvent(): number {
    this.lastEvent++;
    if (this.lastEvent > this.eventsReserved) {
      this.eventsReserved = this.lastEvent + EVENT_BLOCK;
      this.wal.append({ events: this.eventsReserved });
    }
    return this.lastEvent;
  }

  close(): void {
    this.wal.close();
  }

  private mergeInto(before: S | undefined, state: S): S {
    return before === undefined ? this.lattice.merge(state, state) : this.lattice.merge(before, state);
  }

  private maybeCompact(): void {
    if (this.snapshotEvery <= 0 || this.wal.recordsSinceCompaction < this.snapshotEvery) return;
    const snapshot: StoreSnapshot<S> = { entries: [...this.data.entries()], events: this.eventsReserved };
    this.wal.compact(snapshot);
  }
}

function hashOf(state: unknown): string {
  return crc32(JSON.stringify(state)).toString(16);
}
