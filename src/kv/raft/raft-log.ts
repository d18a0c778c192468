// The in-memory Raft log: entries after a snapshot point, addressed by absolute index.
import type { Entry } from './raft-types.js';

/** A contiguous log starting after (snapshotIndex, snapshotTerm). Index 0 has term 0. */
export class RaftLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  private entries: Entry[] = [];

  constructor(snapshotIndex = 0, snapshotTerm = 0, entries: Entry[] = []) {
    this.reset(snapshotIndex, snapshotTerm);
    if (entries.length > 0) this.append(entries);
  }

  /** The first index still held as an entry (snapshotIndex + 1). */
  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1]!.term;
  }

  /** Entries lo..hi, both inclusive, clamped to what the log holds. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.snapshotIndex - 1;
    const to = Math.min(hi, this.lastIndex()) - this.snapshotIndex;
    return from < to ? this.entries.slice(from, to) : [];
  }

  /** Appends contiguous entries, first discarding any suffix from entries[0].index. */
  append(entries: Entry[]): void {
    const first = entries[0];
    if (!first) return;
    if (first.index <= this.snapshotIndex || first.index > this.lastIndex() + 1) {
      throw new Error(`raft log: cannot append at index ${first.index}; log holds ${this.firstIndex()}..${this.lastIndex()}`);
    }
    this.entries.length = first.index - this.snapshotIndex - 1;
    for (const e of entries) this.entries.push(e);
  }

  /** True when a log ending at (lastIndex, lastTerm) is at least as up to date as this one (Raft §5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Drops entries up to and including `index`, which becomes the snapshot point. */
  compact(index: number): void {
    const term = this.term(index);
    if (term === undefined) throw new Error(`raft log: cannot compact to index ${index}; log holds ${this.snapshotIndex}..${this.lastIndex()}`);
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** Discards everything and restarts the log after a snapshot point. */
  reset(snapshotIndex: number, snapshotTerm: number): void {
    this.entries = [];
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
  }
}
