// The pure half of the corrupt fault: given a stopped node's data files (paths and sizes), which
// file to damage and how. A bit flip changes one bit in each of some bytes; a truncation cuts the
// file's tail. Jepsen's bitflip and truncate-file nemeses are the model. Same seed, same plan.
import type { Random } from '../src/random.js';

export const CORRUPT_MODES = ['bitflip', 'truncate'] as const;
export type CorruptMode = (typeof CORRUPT_MODES)[number];

/**
 * A file in a node's data directory: its path relative to the directory, '/'-separated, its size,
 * and where its written data ends: the bytes up to its last non-zero byte. A log preallocated with
 * zeros (etcd's WAL is 64 MB from the start) is damaged where it holds data, not in the zeros.
 */
export interface DataFile {
  path: string;
  bytes: number;
  /** Bytes up to and including the last non-zero one (default: all of them). */
  dataBytes?: number;
}

const written = (f: DataFile): number => Math.min(f.bytes, f.dataBytes ?? f.bytes);

/** What the user bounds (resolved options of the corrupt fault). */
export interface CorruptBounds {
  /** Globs narrowing the files (a glob without '/' matches a file's name in any directory). */
  files: readonly string[];
  modes: readonly CorruptMode[];
  /** Bytes of the file that get one bit flipped each (fewer when the file is smaller). */
  flipBytes: number;
  /** A truncation cuts between 1 and this many bytes off the file's end (never more than it has). */
  truncateBytes: number;
}

/** One planned damage to one file; offsets and the cut fall within its written bytes. */
export type FileCorruption =
  | { mode: 'bitflip'; file: string; bytes: number; flips: { offset: number; bit: number }[] }
  | { mode: 'truncate'; file: string; bytes: number; toBytes: number };

/** A glob as a regular expression: `**` crosses directories, `*` and `?` do not; no '/' means any directory. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more directories; a bare `**` anything at all.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(glob.includes('/') ? `^${source}$` : `^(?:.*/)?${source}$`);
}

/** True when `path` matches one of the globs. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => globToRegExp(glob).test(path));
}

/** The files a corruption may hit: the db's data files the user's globs keep, with at least one byte. */
export function eligibleFiles(files: readonly DataFile[], dataGlobs: readonly string[], bounds: Pick<CorruptBounds, 'files'>): DataFile[] {
  return files
    .filter((f) => written(f) > 0 && matchesAny(f.path, dataGlobs) && matchesAny(f.path, bounds.files))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Plans one corruption among `files`, or says in one line why there is none (no file the db
 * names as data matches, or they are all empty).
 */
export function planCorruption(files: readonly DataFile[], dataGlobs: readonly string[], bounds: CorruptBounds, random: Random): FileCorruption | string {
  const eligible = eligibleFiles(files, dataGlobs, bounds);
  if (eligible.length === 0) {
    const seen = files.length === 0 ? 'the data directory has no files' : `its files are ${files.slice(0, 8).map((f) => `${f.path} (${f.bytes} B)`).join(', ')}${files.length > 8 ? ', ...' : ''}`;
    return `no data file with non-zero bytes matches ${dataGlobs.join(',')} and --corrupt-files ${bounds.files.join(',')}: ${seen}`;
  }
  const target = random.pick(eligible);
  const mode = random.pick(bounds.modes.length > 0 ? bounds.modes : CORRUPT_MODES);
  const extent = written(target);
  if (mode === 'truncate') {
    const cut = random.between(1, Math.min(bounds.truncateBytes, extent));
    return { mode, file: target.path, bytes: target.bytes, toBytes: extent - cut };
  }
  const count = Math.min(bounds.flipBytes, extent);
  const offsets = new Set<number>();
  // Distinct offsets: rejection while sparse, a shuffle of all offsets when most are taken.
  if (count * 2 > extent) {
    for (const o of random.shuffle(Array.from({ length: extent }, (_, i) => i)).slice(0, count)) offsets.add(o);
  } else {
    while (offsets.size < count) offsets.add(random.int(extent));
  }
  const flips = [...offsets].sort((a, b) => a - b).map((offset) => ({ offset, bit: random.int(8) }));
  return { mode, file: target.path, bytes: target.bytes, flips };
}

/** "raft.wal: bit 3 of byte 1042 flipped" or "raft.wal: truncated from 2048 to 1990 bytes". */
export function describeCorruption(c: FileCorruption): string {
  if (c.mode === 'truncate') return `${c.file}: truncated from ${c.bytes} to ${c.toBytes} bytes`;
  const shown = c.flips.slice(0, 4).map((f) => `bit ${f.bit} of byte ${f.offset}`).join(', ');
  return `${c.file} (${c.bytes} B): ${shown}${c.flips.length > 4 ? ` and ${c.flips.length - 4} more` : ''} flipped`;
}
