// Raft's disk: a write-ahead log of hard state, entries and snapshot markers (raft.wal), and the
// latest state machine snapshot (snapshot.json). Recovery rebuilds what the core starts from.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RecordWriter, replaceFileDurably, scanRecords, syncDirectory } from '../record-file.js';
import type { FsyncMode } from '../server-options.js';
import type { Entry, HardState, Ready, RecoveredState, Snapshot } from './raft-types.js';


const FSYNC_INTERVAL_MS = 100;

/** One WAL record. `ents` replaces the log from its first index on; `snap` drops the log up to it. */
type WalRecord = ({ t: 'hs' } & HardState) | { t: 'ents'; entries: Entry[] } | { t: 'snap'; index: number; term: number };

export class RaftStorage {
  private readonly wal: RecordWriter;
  private readonly snapshotPath: string;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    dir: string,
    validBytes: number,
    private readonly fsync: FsyncMode,
  ) {
    this.wal = new RecordWriter(join(dir, 'raft.wal'), validBytes);
    this.snapshotPath = join(dir, 'snapshot.json');
    if (fsync === 'interval') {
      this.timer = setInterval(() => this.flush(), FSYNC_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Opens (creating) the data directory and recovers the persisted state. */
  static open(dir: string, fsync: FsyncMode, log: Logger): { storage: RaftStorage; recovered: RecoveredState } {
    const created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    const walPath = join(dir, 'raft.wal');
    const scan = scanRecords(walPath);
    if (scan.tornBytes > 0) {
      log.warn({ walPath, validBytes: scan.validBytes, tornBytes: scan.tornBytes }, 'wal: dropping a torn tail');
    }
    const recovered = replay(walPath, scan.records);
    const snapPath = join(dir, 'snapshot.json');
    if (existsSync(snapPath)) {
      const snap = parseSnapshot(snapPath);
      const base = recovered.snapshot?.index ?? 0;
      if (snap.index < base) {
        throw new Error(`raft storage: ${snapPath} has index ${snap.index} but ${walPath} expects a snapshot at ${base}`);
      }
      installInto(recovered, snap);
    } else if (recovered.snapshot) {
      throw new Error(`raft storage: ${walPath} refers to a snapshot at index ${recovered.snapshot.index} but ${snapPath} is missing`);
    }
    const storage = new RaftStorage(dir, scan.validBytes, fsync);
    if (created) syncDirectory(join(dir, '..'));
    log.info(
      {
        dataDir: dir,
        term: recovered.hardState.term,
        vote: recovered.hardState.vote,
        snapshotIndex: recovered.snapshot?.index ?? 0,
        entries: recovered.entries.length,
        walRecords: scan.records.length,
      },
      created ? 'wal: new data directory' : 'wal: recovered',
    );
    return { storage, recovered };
  }

  /** Persists a Ready's snapshot, hard state and entries, durably if fsync is "always". */
  save(rd: Ready): void {
    const records: WalRecord[] = [];
    if (rd.snapshot) {
      // The snapshot file must be durable before the marker that relies on it.
      this.writeSnapshotFile(rd.snapshot);
      records.push({ t: 'snap', index: rd.snapshot.index, term: rd.snapshot.term });
    }
    if (rd.hardState) records.push({ t: 'hs', ...rd.hardState });
    if (rd.entries.length > 0) records.push({ t: 'ents', entries: rd.entries });
    if (records.length === 0) return;
    this.wal.append(records.map(encode));
    this.dirty = true;
    if (this.fsync === 'always') this.flush();
  }

  /** Saves a snapshot taken locally and rewrites the WAL without the entries it covers. */
  compact(snapshot: Snapshot, hardState: HardState, entriesAfter: Entry[]): void {
    this.writeSnapshotFile(snapshot);
    const records: WalRecord[] = [{ t: 'snap', index: snapshot.index, term: snapshot.term }, { t: 'hs', ...hardState }];
    if (entriesAfter.length > 0) records.push({ t: 'ents', entries: entriesAfter });
    this.wal.replace(records.map(encode));
    this.dirty = false;
  }

  /** Makes appended records durable now. */
  flush(): void {
    if (!this.dirty) return;
    this.wal.sync();
    this.dirty = false;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.fsync !== 'never') this.flush();
    this.wal.close();
  }

  private writeSnapshotFile(snapshot: Snapshot): void {
    replaceFileDurably(this.snapshotPath, JSON.stringify(snapshot));
  }
}

function encode(record: WalRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

/** Rebuilds hard state and log from WAL records in order. */
function replay(walPath: string, records: Buffer[]): RecoveredState {
  const state: RecoveredState = { hardState: { term: 0, vote: null }, snapshot: null, entries: [] };
  records.forEach((payload, i) => {
    let rec: WalRecord;
    try {
      rec = JSON.parse(payload.toString('utf8')) as WalRecord;
    } catch {
      throw new Error(`raft storage: record ${i} of ${walPath} passed its checksum but is not JSON`);
    }
    if (rec.t === 'hs') {
      state.hardState = { term: rec.term, vote: rec.vote };
    } else if (rec.t === 'snap') {
      installInto(state, { index: rec.index, term: rec.term, data: null });
    } else if (rec.t === 'ents') {
      const base = state.snapshot?.index ?? 0;
      const entries = rec.entries.filter((e) => e.index > base);
      const first = entries[0];
      if (!first) return;
      if (first.index > base + state.entries.length + 1) {
        throw new Error(`raft storage: record ${i} of ${walPath} starts at index ${first.index}, leaving a gap after ${base + state.entries.length}`);
      }
      state.entries.length = first.index - base - 1;
      state.entries.push(...entries);
    } else {
      throw new Error(`raft storage: record ${i} of ${walPath} has type ${JSON.stringify((rec as { t: unknown }).t)}; expected hs | ents | snap`);
    }
  });
  return state;
}

/** Applies a snapshot point to recovered state: keep the log suffix only if it continues the snapshot. */
function installInto(state: RecoveredState, snap: Snapshot): void {
  const base = state.snapshot?.index ?? 0;
  if (snap.index < base) return;
  const at = state.entries[snap.index - base - 1];
  const continues = snap.index === base ? (state.snapshot?.term ?? 0) === snap.term : at?.term === snap.term;
  state.entries = continues ? state.entries.slice(snap.index - base) : [];
  state.snapshot = snap;
}

function parseSnapshot(path: string): Snapshot {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Snapshot>;
  if (typeof raw.index !== 'number' || typeof raw.term !== 'number') {
    throw new Error(`raft storage: ${path} has no numeric index and term`);
  }
  const snap: Snapshot = { index: raw.index, term: raw.term, data: raw.data ?? null };
  if (Array.isArray(raw.config)) snap.config = raw.config.map(String);
  return snap;
}
