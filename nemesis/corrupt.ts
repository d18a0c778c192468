// The corrupt nemesis: kills one node (by default; --corrupt-targets), flips bits in or truncates
// one of its data files while it is down, and on stop starts it again, so the database reads the
// damage at restart. Jepsen's bitflip and truncate-file. Each op records the file, the offsets and
// the bytes before and after, so the history holds the evidence of what was done.
//
// A database that notices the damage and refuses to start is doing its job: stop records that it
// refused (the line it died with), puts the original bytes back, as an operator restores a
// backup, and starts it again, so the run goes on with every node and the history says which
// corruptions were caught and which the node started on regardless.
//
// Only one node by default: corrupting a majority of a Raft cluster may lose acknowledged writes
// legitimately (the data is gone from a quorum), so a verdict would say nothing of the database.
// Even one node may: a truncated log forgets entries the node acknowledged, which Raft assumes
// never happens; that is why `--nemesis all` leaves this fault out.
import { appendFileSync, closeSync, lstatSync, openSync, readdirSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { hasDataFiles } from '../src/db-contract.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';
import { option } from '../src/define/options.js';
import { hasDataDirs } from '../src/runtime/runtime.js';
import { CORRUPT_MODES, describeCorruption, planCorruption, type CorruptBounds, type DataFile, type FileCorruption } from './corrupt-plan.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { describeReasons } from './node-faults.js';
import { NODE_TARGETS, pickTargets, type NodeTarget } from './targets.js';

/** The bytes a corruption changed, as the op records them (hex). */
export type CorruptionEvidence =
  | { mode: 'bitflip'; file: string; bytes: number; flips: { offset: number; bit: number; before: string; after: string }[] }
  | { mode: 'truncate'; file: string; bytes: number; toBytes: number; cut: string };

/** Every regular file under `dir`, with its path relative to it ('/'-separated) and its size. */
export function listDataFiles(dir: string): DataFile[] {
  const files: DataFile[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push({ path: relative(dir, path).split(sep).join('/'), bytes: stat.size, dataBytes: writtenBytes(path, stat.size) });
    }
  };
  walk(dir);
  return files;
}

/** The bytes of a file up to and including its last non-zero byte (0 for a file of zeros). */
export function writtenBytes(path: string, size: number): number {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      for (let i = n - 1; i >= 0; i--) if (chunk[i] !== 0) return start + i + 1;
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

/** A corruption done, with what undoes it: the bytes cut off, or the flips (flipping again restores). */
export interface Damage {
  dir: string;
  evidence: CorruptionEvidence;
  cut?: Buffer;
}

/** Does a planned corruption to the file under `dir` and returns the bytes it changed. */
export function applyCorruption(dir: string, c: FileCorruption): Damage {
  const path = join(dir, c.file);
  const size = statSync(path).size;
  if (size !== c.bytes) throw new Error(`${c.file} is ${size} bytes, not the ${c.bytes} planned; expected it unchanged while its node is down`);
  const fd = openSync(path, 'r+');
  try {
    if (c.mode === 'truncate') {
      const cut = Buffer.alloc(c.bytes - c.toBytes);
      readSync(fd, cut, 0, cut.length, c.toBytes);
      truncateSync(path, c.toBytes);
      const shown = `${cut.subarray(0, 32).toString('hex')}${cut.length > 32 ? '...' : ''}`;
      return { dir, evidence: { mode: 'truncate', file: c.file, bytes: c.bytes, toBytes: c.toBytes, cut: shown }, cut };
    }
    const flips = c.flips.map(({ offset, bit }) => {
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, offset);
      const before = byte[0] as number;
      byte[0] = before ^ (1 << bit);
      writeSync(fd, byte, 0, 1, offset);
      return { offset, bit, before: hex(before), after: hex(byte[0] as number) };
    });
    return { dir, evidence: { mode: 'bitflip', file: c.file, bytes: c.bytes, flips } };
  } finally {
    closeSync(fd);
  }
}

/** Puts back the bytes a corruption changed; says why not when the file changed since (the node rewrote it). */
export function undoCorruption(damage: Damage): true | string {
  const { evidence: e } = damage;
  const path = join(damage.dir, e.file);
  const size = statSync(path).size;
  if (e.mode === 'truncate') {
    if (size !== e.toBytes) return `${e.file} is ${size} bytes, no longer the ${e.toBytes} it was cut to`;
    appendFileSync(path, damage.cut ?? Buffer.alloc(0));
    return true;
  }
  if (size !== e.bytes) return `${e.file} is ${size} bytes, no longer ${e.bytes}`;
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    for (const f of e.flips) {
      readSync(fd, byte, 0, 1, f.offset);
      if (hex(byte[0] as number) !== f.after) return `byte ${f.offset} of ${e.file} is ${hex(byte[0] as number)}, no longer ${f.after}`;
    }
    for (const f of e.flips) writeSync(fd, Buffer.from([Number(f.before)]), 0, 1, f.offset);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** How long stop waits for a restarted node before it counts as started (a node that refuses its files exits sooner). */
const REFUSAL_WAIT_MS = 5000;

export function corruptNemesis(ctx: NemesisContext, bounds: CorruptBounds, targets: readonly NodeTarget[]): Nemesis {
  const { runtime, db } = ctx;
  if (!hasDataDirs(runtime)) throw new Error(`the corrupt nemesis needs a runtime whose data directories the controller can reach; runtime "${runtime.name}" has none`);
  if (!hasDataFiles(db)) throw new Error(`the corrupt nemesis needs a db that names its data files (dataFiles); db "${db.name}" names none`);
  // What each node's files suffered since it last started, to put back if it refuses them.
  const damages = new Map<string, Damage[]>();

  const firstLine = (err: unknown): string => ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').replace(/;? *last log lines:$/, '');

  /** Starts the node: undefined once it runs (or is still starting), else why it exited (a start that throws, or readiness, first line). */
  const startOrRefusal = async (node: string): Promise<string | undefined> => {
    try {
      await db.start(node, ctx.dbCtx);
      await db.awaitReady([node], ctx.dbCtx, REFUSAL_WAIT_MS);
      return undefined;
    } catch (err) {
      if (runtime.isRunning(node)) return undefined;
      return firstLine(err);
    }
  };

  /** Starts every dead node, one at a time; one that refuses its damaged files gets them back and starts again. */
  const restart = async () => {
    const restarted: string[] = [];
    const refused: Record<string, string> = {};
    const failed: Record<string, string> = {};
    for (const node of ctx.nodes.filter((n) => !runtime.isRunning(n))) {
      try {
        if (!damages.has(node)) await db.start(node, ctx.dbCtx);
        const why = damages.has(node) ? await startOrRefusal(node) : undefined;
        if (why !== undefined) {
          refused[node] = why;
          const undone = (damages.get(node) ?? []).reverse().map(undoCorruption).filter((r): r is string => r !== true);
          if (undone.length > 0) throw new Error(`refused its damaged files (${why}), and they could not be put back: ${undone.join('; ')}`);
          damages.delete(node);
          const again = await startOrRefusal(node);
          if (again !== undefined) throw new Error(`refused its damaged files (${why}), and did not start on the original bytes either (${again})`);
        }
        // Once the node has run on its files, they are its own: a later stop does not roll them back.
        damages.delete(node);
        restarted.push(node);
      } catch (err) {
        failed[node] = err instanceof Error ? err.message : String(err);
      }
    }
    const caught = Object.keys(refused).filter((n) => failed[n] === undefined);
    const parts = [
      restarted.length > 0 ? `restarted ${restarted.join(' ')}` : 'nothing to restart',
      ...caught.map((n) => `${n} refused its damaged files (${refused[n]}); put the original bytes back and started it`),
    ];
    if (Object.keys(failed).length > 0) throw new Error(`could not restart ${describeReasons(failed)}${restarted.length > 0 ? `; ${parts.join('; ')}` : ''}`);
    return { nodes: restarted, ...(caught.length > 0 && { refused: Object.fromEntries(caught.map((n) => [n, refused[n]])) }), description: parts.join('; ') };
  };

  return {
    fault: 'corrupt',
    async invoke(op) {
      if (op.f === 'stop-corrupt') return restart();
      const { kind, nodes } = await pickTargets(ctx, targets, 'any', op);
      const corruptions: Record<string, CorruptionEvidence> = {};
      const skipped: Record<string, string> = {};
      const failed: Record<string, string> = {};
      // One node after the other: each is down (killed, or already dead) before its files are touched.
      for (const node of nodes) {
        try {
          const dir = runtime.dataDir(node);
          if (dir === undefined) throw new Error(`its process was started with no data directory`);
          await runtime.kill(node);
          const plan = planCorruption(listDataFiles(dir), db.dataFiles, bounds, ctx.random);
          if (typeof plan === 'string') skipped[node] = plan;
          else {
            const d = applyCorruption(dir, plan);
            damages.set(node, [...(damages.get(node) ?? []), d]);
            corruptions[node] = d.evidence;
          }
        } catch (err) {
          failed[node] = err instanceof Error ? err.message : String(err);
        }
      }
      const done = Object.keys(corruptions).sort();
      const described = done.map((node) => `${node} ${describeEvidence(corruptions[node] as CorruptionEvidence)}`);
      const rest = [...(Object.keys(skipped).length > 0 ? [`killed but not corrupted: ${describeReasons(skipped)}`] : [])];
      if (Object.keys(failed).length > 0) throw new Error(`could not corrupt ${describeReasons(failed)}${described.length ? `; corrupted ${described.join('; ')}` : ''}`);
      if (done.length === 0) throw new Error(`nothing corrupted: ${describeReasons(skipped)}`);
      return {
        target: kind,
        nodes: done,
        ...(Object.keys(skipped).length > 0 && { skipped }),
        corruptions,
        description: [...described, ...rest].join('; ') + (kind === 'primaries' ? ' (primaries)' : ''),
      };
    },
  };
}

function describeEvidence(e: CorruptionEvidence): string {
  if (e.mode === 'truncate') return describeCorruption(e);
  const shown = e.flips.slice(0, 3).map((f) => `byte ${f.offset} ${f.before}->${f.after}`).join(', ');
  return `${e.file} (${e.bytes} B): ${shown}${e.flips.length > 3 ? ` and ${e.flips.length - 3} more` : ''}`;
}

const corruptOptions = {
  targets: option.list(NODE_TARGETS, {
    flag: 'corrupt-targets',
    help: 'which nodes the corrupt fault kills and damages, drawn among these (more than one may lose acknowledged data legitimately)',
    default: ['one'],
  }),
  modes: option.list(CORRUPT_MODES, { flag: 'corrupt-mode', help: 'what is done to a data file, drawn among these: flip bits, or cut its end', default: CORRUPT_MODES }),
  files: option.string({
    flag: 'corrupt-files',
    help: 'comma-separated globs narrowing the data files the db names (a glob without / matches a file name in any directory)',
    default: '**',
    pattern: /^[^,\s]+(,[^,\s]+)*$/,
    expected: 'comma-separated globs, e.g. *.wal,member/snap/*',
  }),
  flipBytes: option.integer({ flag: 'corrupt-bytes', min: 1, max: 1_000_000, default: 1, help: 'bytes of the chosen file\'s data (up to its last non-zero byte) that get one bit flipped each' }),
  truncateBytes: option.integer({ flag: 'corrupt-truncate-bytes', min: 1, max: 1_000_000_000, default: 64, help: 'a truncation cuts between 1 and this many bytes off the end of the chosen file\'s data (zeros a log was preallocated with go too)' }),
};

/** The corrupt fault, as --nemesis corrupt names it. */
export const corruptFault = defineFault({
  name: 'corrupt',
  description: 'kills a node, flips bits in or truncates one of its data files, and starts it again',
  healRank: HEAL_RANK.corrupt,
  options: corruptOptions,
  canRunOn: (runtime) => (hasDataDirs(runtime) ? true : `the ${runtime.name} runtime cannot reach node data directories`),
  canTest: (db) => (hasDataFiles(db) ? true : 'its adapter does not name its data files (dataFiles), which says its start() keeps the data directory across restarts'),
  leftOutOfAll: 'it destroys data a node acknowledged (a truncated log forgets writes), which no database is expected to survive; name it with --nemesis corrupt',
  create: (ctx) => corruptNemesis(ctx, { modes: ctx.options.modes, files: ctx.options.files.split(','), flipBytes: ctx.options.flipBytes, truncateBytes: ctx.options.truncateBytes }, ctx.options.targets),
});
