import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { eligibleFiles, globToRegExp, planCorruption, type CorruptBounds, type DataFile } from './corrupt-plan.js';

const dataFiles = fc.array(
  fc.record({ path: fc.constantFrom('raft.wal', 'snapshot.json', 'member/wal/0.wal', 'member/snap/db', 'redis.conf', 'myid'), bytes: fc.integer({ min: 0, max: 5000 }), zeros: fc.nat() }),
  { minLength: 1, maxLength: 6 },
).map((files) => [...new Map(files.map(({ path, bytes, zeros }) => [path, { path, bytes, dataBytes: bytes - (zeros % (bytes + 1)) }])).values()]);

const bounds = fc.record({
  files: fc.constant(['**']),
  modes: fc.subarray(['bitflip', 'truncate'] as const, { minLength: 1 }),
  flipBytes: fc.integer({ min: 1, max: 64 }),
  truncateBytes: fc.integer({ min: 1, max: 10_000 }),
});

const dataGlobs = ['*.wal', '*.json', 'member/snap/*'];

describe('corrupt plan', () => {
  it('keeps every flip and truncation within the file, and cuts at least one byte', () => {
    fc.assert(fc.property(dataFiles, bounds, fc.integer(), (files, b: CorruptBounds, seed) => {
      const plan = planCorruption(files, dataGlobs, b, createRandom(seed));
      if (typeof plan === 'string') return eligibleFiles(files, dataGlobs, b).length === 0;
      const file = files.find((f) => f.path === plan.file) as DataFile;
      expect(file.bytes).toBe(plan.bytes);
      expect(b.modes).toContain(plan.mode);
      const extent = file.dataBytes as number;
      if (plan.mode === 'truncate') {
        expect(plan.toBytes).toBeGreaterThanOrEqual(0);
        expect(plan.toBytes).toBeLessThan(extent);
        expect(extent - plan.toBytes).toBeLessThanOrEqual(b.truncateBytes);
      } else {
        expect(plan.flips.length).toBe(Math.min(b.flipBytes, extent));
        expect(new Set(plan.flips.map((f) => f.offset)).size).toBe(plan.flips.length);
        for (const f of plan.flips) {
          expect(f.offset).toBeGreaterThanOrEqual(0);
          expect(f.offset).toBeLessThan(extent);
          expect(f.bit).toBeGreaterThanOrEqual(0);
          expect(f.bit).toBeLessThan(8);
        }
      }
      return true;
    }));
  });

  it('is the same plan for the same seed', () => {
    fc.assert(fc.property(dataFiles, bounds, fc.integer(), (files, b: CorruptBounds, seed) => {
      expect(planCorruption(files, dataGlobs, b, createRandom(seed))).toEqual(planCorruption(files, dataGlobs, b, createRandom(seed)));
    }));
  });

  it('never picks a file the db does not name as data, one the user\'s globs leave out, or an empty one', () => {
    const files = [{ path: 'redis.conf', bytes: 300 }, { path: 'appendonlydir/a.aof', bytes: 0 }, { path: 'appendonlydir/b.aof', bytes: 90 }, { path: 'dump.rdb', bytes: 50 }];
    for (let seed = 0; seed < 50; seed++) {
      const plan = planCorruption(files, ['appendonlydir/*', '*.rdb'], { files: ['*.aof'], modes: ['bitflip'], flipBytes: 1, truncateBytes: 10 }, createRandom(seed));
      expect(typeof plan !== 'string' && plan.file).toBe('appendonlydir/b.aof');
    }
  });

  it('says why there is nothing to corrupt', () => {
    const plan = planCorruption([{ path: 'myid', bytes: 2 }], ['version-2/log.*'], { files: ['**'], modes: ['truncate'], flipBytes: 1, truncateBytes: 10 }, createRandom(1));
    expect(plan).toBe('no data file with non-zero bytes matches version-2/log.* and --corrupt-files **: its files are myid (2 B)');
  });

  it('damages a preallocated file where its data is, not in the zeros after it', () => {
    const files = [{ path: 'member/wal/0.wal', bytes: 64_000_000, dataBytes: 3000 }];
    for (let seed = 0; seed < 100; seed++) {
      const plan = planCorruption(files, ['*.wal'], { files: ['**'], modes: ['bitflip', 'truncate'], flipBytes: 4, truncateBytes: 64 }, createRandom(seed));
      if (typeof plan === 'string') throw new Error(plan);
      if (plan.mode === 'truncate') expect(plan.toBytes).toBeGreaterThanOrEqual(3000 - 64);
      else for (const f of plan.flips) expect(f.offset).toBeLessThan(3000);
    }
  });

  it('matches globs: * stays in a directory, ** crosses them, a bare name matches in any directory', () => {
    expect(globToRegExp('member/wal/*.wal').test('member/wal/0000.wal')).toBe(true);
    expect(globToRegExp('member/*').test('member/wal/0000.wal')).toBe(false);
    expect(globToRegExp('member/**').test('member/wal/0000.wal')).toBe(true);
    expect(globToRegExp('*.wal').test('member/wal/0000.wal')).toBe(true);
    expect(globToRegExp('raft.wal').test('raftxwal')).toBe(false);
    expect(globToRegExp('**/log.?').test('version-2/log.1')).toBe(true);
  });
});
