import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftStorage } from './raft-storage.js';
import type { Entry, Ready } from './raft-types.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-wal-'));
  dirs.push(dir);
  return join(dir, 'data');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entries = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, data: { op: 'write', key: 'k', value: from + i } }));
const ready = (part: Partial<Ready>): Ready => ({ entries: [], messages: [], committedEntries: [], readStates: [], droppedReads: [], ...part });

describe('RaftStorage', () => {
  it('recovers hard state and log, with later appends replacing a conflicting suffix', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'always', log);
    storage.save(ready({ hardState: { term: 1, vote: 'n1' }, entries: entries(1, 5, 1) }));
    storage.save(ready({ hardState: { term: 2, vote: 'n2' }, entries: entries(4, 6, 2) }));
    storage.close();
    const { storage: again, recovered } = RaftStorage.open(dir, 'always', log);
    again.close();
    expect(recovered.hardState).toEqual({ term: 2, vote: 'n2' });
    expect(recovered.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/1', '4/2', '5/2', '6/2']);
  });

  it('drops a torn last record (a SIGKILL mid-write) and keeps appending after it', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'never', log);
    storage.save(ready({ hardState: { term: 1, vote: null }, entries: entries(1, 3, 1) }));
    storage.save(ready({ entries: entries(4, 4, 1) }));
    storage.close();
    const wal = join(dir, 'raft.wal');
    truncateSync(wal, statSync(wal).size - 3);
    appendFileSync(wal, Buffer.from([0, 0]));
    const { storage: again, recovered } = RaftStorage.open(dir, 'never', log);
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    again.save(ready({ entries: entries(4, 5, 1) }));
    again.close();
    const { storage: third, recovered: last } = RaftStorage.open(dir, 'never', log);
    third.close();
    expect(last.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a corrupt checksum in the last record counts as torn', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'never', log);
    storage.save(ready({ entries: entries(1, 2, 1) }));
    storage.save(ready({ entries: entries(3, 3, 1) }));
    storage.close();
    const wal = join(dir, 'raft.wal');
    const bytes = readFileSync(wal);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 0xff, bytes.length - 2);
    writeFileSync(wal, bytes);
    const { storage: again, recovered } = RaftStorage.open(dir, 'never', log);
    again.close();
    expect(recovered.entries.map((e) => e.index)).toEqual([1, 2]);
  });

  it('refuses to open a log with a flipped bit before its last record, rather than drop what follows', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'never', log);
    storage.save(ready({ entries: entries(1, 2, 1) }));
    storage.save(ready({ entries: entries(3, 3, 1) }));
    storage.close();
    const wal = join(dir, 'raft.wal');
    const bytes = readFileSync(wal);
    bytes.writeUInt8(bytes.readUInt8(20) ^ 0x04, 20);
    writeFileSync(wal, bytes);
    expect(() => RaftStorage.open(dir, 'never', log)).toThrow(/raft\.wal: the record at byte 0 \(after 0 valid records\) is corrupt, but a valid record follows/);
  });

  it('compaction keeps the snapshot and the entries after it', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'always', log);
    storage.save(ready({ hardState: { term: 3, vote: 'n1' }, entries: entries(1, 10, 3) }));
    storage.compact({ index: 7, term: 3, data: [['k', 7]] }, { term: 3, vote: 'n1' }, entries(8, 10, 3));
    storage.save(ready({ entries: entries(11, 12, 3) }));
    storage.close();
    const { storage: again, recovered } = RaftStorage.open(dir, 'always', log);
    again.close();
    expect(recovered.snapshot).toEqual({ index: 7, term: 3, data: [['k', 7]] });
    expect(recovered.entries.map((e) => e.index)).toEqual([8, 9, 10, 11, 12]);
    expect(recovered.hardState).toEqual({ term: 3, vote: 'n1' });
  });

  it('an installed snapshot that does not continue the log replaces it', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'always', log);
    storage.save(ready({ hardState: { term: 2, vote: null }, entries: entries(1, 4, 1) }));
    storage.save(ready({ snapshot: { index: 20, term: 2, data: [] }, entries: entries(21, 22, 2) }));
    storage.close();
    const { storage: again, recovered } = RaftStorage.open(dir, 'always', log);
    again.close();
    expect(recovered.snapshot?.index).toBe(20);
    expect(recovered.entries.map((e) => e.index)).toEqual([21, 22]);
  });

  it('a snapshot file newer than the WAL (crash before the marker) still wins', () => {
    const dir = freshDir();
    const { storage } = RaftStorage.open(dir, 'always', log);
    storage.save(ready({ entries: entries(1, 4, 1) }));
    storage.close();
    writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ index: 3, term: 1, data: [] }));
    const { storage: again, recovered } = RaftStorage.open(dir, 'always', log);
    again.close();
    expect(recovered.snapshot?.index).toBe(3);
    expect(recovered.entries.map((e) => e.index)).toEqual([4]);
  });
});
