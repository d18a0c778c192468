// The disk of the non-raft modes: a write-ahead log of JSON records (<name>.wal) over the latest
// snapshot of the whole state (<name>.snapshot.json). Recovery loads the snapshot, then replays the
// records written after it. Each compaction starts a new generation: the snapshot is written
// durably first, then the log is replaced by one header record naming that generation, so a crash
// between the two leaves an older log that recovery recognises and skips.
//
// Durability follows --fsync: `always` fsyncs before durable() resolves (one fdatasync for every
// record appended in the same turn of the event loop: group commit), `interval` every 100 ms,
// `never` leaves it to the OS. Records are written to the OS at once, so a SIGKILLed process loses
// nothing it appended; what fsync guards against is the machine losing its page cache.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RecordWriter, replaceFileDurably, scanRecords, syncDirectory } from './record-file.js';
import type { FsyncMode } from './server-options.js';

const FSYNC_INTERVAL_MS = 100;

type Stored<R> = { gen: number } | { r: R };

/** What open() recovered: the snapshot's data (null when none) and the records after it, in order. */
export interface Recovered<R> {
  snapshot: unknown;
  records: R[];
}

export class StateLog<R> {
  private dirty = false;
  private waiters: (() => void)[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private appended = 0;

  private constructor(
    private readonly wal: RecordWriter,
    private readonly snapshotPath: string,
    private gen: number,
    private readonly fsync: FsyncMode,
  ) {
    if (fsync === 'interval') {
      this.timer = setInterval(() => this.flush(), FSYNC_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Opens (creating) `dir` and recovers `<name>`'s snapshot and records. */
  static open<R>(dir: string, name: string, fsync: FsyncMode, log: Logger): { wal: StateLog<R>; recovered: Recovered<R> } {
    const created = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    if (created) syncDirectory(join(dir, '..'));
    const walPath = join(dir, `${name}.wal`);
    const snapshotPath = join(dir, `${name}.snapshot.json`);
    let snapshot: unknown = null;
    let gen = 0;
    if (existsSync(snapshotPath)) {
      const raw = JSON.parse(readFileSync(snapshotPath, 'utf8')) as { gen?: unknown; data?: unknown };
      if (typeof raw.gen !== 'number') throw new Error(`${snapshotPath}: expected {"gen": <number>, "data": ...}, got no numeric gen`);
      gen = raw.gen;
      snapshot = raw.data ?? null;
    }
    const scan = scanRecords(walPath);
    if (scan.tornBytes > 0) log.warn({ walPath, validBytes: scan.validBytes, tornBytes: scan.tornBytes }, 'wal: dropping a torn tail');
    const stored = scan.records.map((payload, i) => {
      try {
        return JSON.parse(payload.toString('utf8')) as Stored<R>;
      } catch {
        throw new Error(`record ${i} of ${walPath} passed its checksum but is not JSON`);
      }
    });
    const header = stored[0];
    const walGen = header && 'gen' in header ? header.gen : null;
    if (walGen !== null && walGen > gen) throw new Error(`${walPath} is generation ${walGen} but ${snapshotPath} is only ${gen}: the snapshot is missing`);
    const current = walGen === gen;
    const records = current ? stored.slice(1).map((s) => (s as { r: R }).r) : [];
    const writer = new RecordWriter(walPath, current ? scan.validBytes : 0);
    const wal = new StateLog<R>(writer, snapshotPath, gen, fsync);
    if (!current) {
      writer.append([encode({ gen })]);
      writer.sync();
    }
    wal.appended = records.length;
    log.info({ dataDir: dir, snapshot: snapshot !== null, generation: gen, records: records.length, skippedStale: current ? 0 : Math.max(0, stored.length - 1) }, created ? 'wal: new data directory' : 'wal: recovered');
    return { wal, recovered: { snapshot, records } };
  }

  /** Records appended since the last compaction (a mode compacts when this grows large). */
  get recordsSinceCompaction(): number {
    return this.appended;
  }

  /** Writes a record to the log (to the OS now; durable by the fsync policy). */
  append(record: R): void {
    this.wal.append([encode({ r: record })]);
    this.appended++;
    this.dirty = true;
  }

  /** Resolves when everything appended so far is as durable as --fsync promises. */
  durable(): Promise<void> {
    if (this.fsync !== 'always' || !this.dirty) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Replaces the log with a snapshot of the whole state (see the module comment for the order). */
  compact(data: unknown): void {
    const gen = this.gen + 1;
    replaceFileDurably(this.snapshotPath, JSON.stringify({ gen, data }));
    this.wal.replace([encode({ gen })]);
    this.gen = gen;
    this.appended = 0;
    this.dirty = false;
    this.release();
  }

  /** Makes appended records durable now. */
  flush(): void {
    if (this.dirty) {
      this.wal.sync();
      this.dirty = false;
    }
    this.release();
  }

  close(): void {
    clearInterval(this.timer);
    if (this.fsync !== 'never') this.flush();
    this.release();
    this.wal.close();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function encode(stored: Stored<unknown>): Buffer {
  return Buffer.from(JSON.stringify(stored));
}
