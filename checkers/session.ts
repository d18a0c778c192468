// The session checker: violations of the four session guarantees (Terry et al., "Session Guarantees
// for Weakly Consistent Replicated Data", 1994), each with the ops involved.
//
//   { f: 'write', value: [k, v] }    -> ok | fail | info      (values unique per key)
//   { f: 'read',  value: [k, null] } -> ok [k, v]             (v null: the key's initial value)
//
// A read names the write it saw by its value. Which of two versions of a key is older is decided
// from evidence only: with `order: 'realtime'` (the default) a write that completed before another
// began is older; with `order: 'session'`, only a process's own writes in the order it made them
// are ordered. The initial value is older than every write. Then:
//   - read-your-writes: a process reads a key older than its own last write to it;
//   - monotonic-reads: a process reads a key older than a version it read before;
//   - monotonic-writes: one process's two writes to a key are seen in the opposite order by one
//     reader process, or on one node: first the later write, then the earlier one;
//   - writes-follow-reads: process P read version x of a key and then wrote w; a process that read
//     w then reads that key older than x.
// A read of a value no ok or info write wrote is listed as `unwritten`. Any violation or unwritten
// read makes the history invalid.
import type { Checker, CheckResult, Validity, WitnessOp } from '../src/checker.js';
import type { History, Process } from '../src/op.js';
import { keyName } from './convergence-ops.js';
import { outcomeOf, positionedPairs, type PositionedPair } from './positioned-pairs.js';
import { showValue, witnessOp } from './witness-op.js';

export interface SessionOptions {
  /** What orders two writes of a key (see above); default "realtime". */
  order?: 'realtime' | 'session';
  /** Most violations listed per guarantee (default 10); counts are complete. */
  maxReported?: number;
}

export const sessionGuarantees = ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const;
export type SessionGuarantee = (typeof sessionGuarantees)[number];

export interface SessionViolation {
  guarantee: SessionGuarantee;
  key: string;
  /** The read that saw too old a version. */
  read: WitnessOp;
  /** The write whose value it read (null: the initial value). */
  observed: WitnessOp | null;
  /** The newer write it should have seen at least. */
  expected: WitnessOp;
  /** How that write became required: the earlier read (monotonic reads and writes), or the read of a dependent write (writes follow reads). */
  because?: WitnessOp;
  explanation: string;
}

export interface SessionResult extends CheckResult {
  valid: Validity;
  summary: string;
  order: 'realtime' | 'session';
  reads: number;
  counts: Record<SessionGuarantee | 'unwritten', number>;
  violations: Record<SessionGuarantee, SessionViolation[]>;
  unwritten: { key: string; read: WitnessOp }[];
}

interface Write {
  key: string;
  value: unknown;
  pair: PositionedPair;
  process: Process;
  /** The process's how-many-th write. */
  seq: number;
  /** Infinity unless the write completed ok. */
  completeAt: number;
  /** How many reads its process had made before it began (for writes-follow-reads). */
  readsBefore: number;
}

/** The newest versions of one key a process must see, with why each is required. */
interface Requirement {
  write: Write;
  because?: WitnessOp;
}

/** A session-guarantees checker. */
export function session(options: SessionOptions = {}): Checker {
  return (history) => checkSessions(history, options);
}

/** Checks the session guarantees now; what `session` runs. */
export function checkSessions(history: History, options: SessionOptions = {}): SessionResult {
  const order = options.order ?? 'realtime';
  const maxReported = options.maxReported ?? 10;
  const pairs = positionedPairs(history, ['read', 'write']);
  const writes = new Map<string, Write>();
  const writeCount = new Map<Process, number>();
  const readCount = new Map<Process, number>();
  for (const pair of pairs) {
    const process = pair.invoke.process;
    if (pair.invoke.f === 'read') {
      if (outcomeOf(pair) === 'ok') readCount.set(process, (readCount.get(process) ?? 0) + 1);
      continue;
    }
    const [key, value] = keyed(pair, 'write', pair.invoke.value);
    const seq = (writeCount.get(process) ?? 0) + 1;
    writeCount.set(process, seq);
    if (outcomeOf(pair) === 'fail') continue;
    const id = `${key}\u0000${JSON.stringify(value)}`;
    if (writes.has(id)) throw new Error(`op ${pair.invoke.index}: ${showValue(value)} was written to key ${key} twice; expected unique values per key`);
    writes.set(id, { key, value, pair, process, seq, completeAt: outcomeOf(pair) === 'ok' ? pair.completeAt : Infinity, readsBefore: readCount.get(process) ?? 0 });
  }
  const older = (a: Write | null, b: Write): boolean =>
    a === null || (order === 'realtime' ? a.completeAt < b.pair.invokeAt : a.process === b.process && a.seq < b.seq);

  const violations: SessionResult['violations'] = { 'read-your-writes': [], 'monotonic-reads': [], 'monotonic-writes': [], 'writes-follow-reads': [] };
  const unwritten: SessionResult['unwritten'] = [];
  // Per process and key: requirements from its own writes, its reads, and writes it read; the writes
  // it read by writer process (for monotonic writes); and its log of reads (for writes follow reads).
  const own = new Map<Process, Map<string, Requirement[]>>();
  const seen = new Map<Process, Map<string, Requirement[]>>();
  const inherited = new Map<Process, Map<string, Requirement[]>>();
  const newestByWriter = new Map<string, Requirement>();
  const readLog = new Map<Process, { key: string; write: Write | null; read: WitnessOp }[]>();
  const inheritedUpTo = new Map<string, number>();
  let reads = 0;
  const table = (tables: Map<Process, Map<string, Requirement[]>>, process: Process, key: string): Requirement[] => {
    const byKey = tables.get(process) ?? tables.set(process, new Map()).get(process)!;
    return byKey.get(key) ?? byKey.set(key, []).get(key)!;
  };
  const require = (list: Requirement[], requirement: Requirement): void => {
    // Keep only requirements no other one makes redundant.
    if (list.some((r) => r.write === requirement.write || older(requirement.write, r.write))) return;
    for (let i = list.length - 1; i >= 0; i--) if (older(list[i]!.write, requirement.write)) list.splice(i, 1);
    list.push(requirement);
  };
  const describeWrite = (w: Write): WitnessOp => witnessOp(w.pair.invoke, w.pair.complete, `write ${w.key} ${showValue(w.value)}`);

  // In completion order: everything a writer read before writing has completed before anyone can
  // read the write.
  for (const pair of [...pairs].sort((a, b) => a.completeAt - b.completeAt)) {
    const process = pair.invoke.process;
    if (pair.invoke.f === 'write') {
      if (outcomeOf(pair) === 'fail') continue;
      const [key, value] = keyed(pair, 'write', pair.invoke.value);
      const write = writes.get(`${key}\u0000${JSON.stringify(value)}`)!;
      table(own, process, key).splice(0, Infinity, { write });
      continue;
    }
    if (outcomeOf(pair) !== 'ok') continue;
    reads++;
    const [key, value] = keyed(pair, 'read', pair.complete!.value);
    const readOp = witnessOp(pair.invoke, pair.complete, `read ${key} -> ${showValue(value)}`);
    const observed = value === null || value === undefined ? null : writes.get(`${key}\u0000${JSON.stringify(value)}`);
    // Every ok read goes in the log, so a write's readsBefore counts into it.
    const log = readLog.get(process) ?? readLog.set(process, []).get(process)!;
    log.push({ key, write: observed ?? null, read: readOp });
    if (observed === undefined) {
      unwritten.push({ key, read: readOp });
      continue;
    }
    const check = (guarantee: SessionGuarantee, list: Requirement[], why: (r: Requirement) => string): void => {
      for (const requirement of list) {
        if (!older(observed, requirement.write)) continue;
        const seenText = observed === null ? 'the initial value' : `${showValue(observed.value)} (op ${observed.pair.invoke.index})`;
        violations[guarantee].push({
          guarantee, key, read: readOp, observed: observed && describeWrite(observed), expected: describeWrite(requirement.write),
          ...(requirement.because ? { because: requirement.because } : {}),
          explanation: `process ${String(process)} read ${key} = ${seenText} at op ${pair.invoke.index}, older than ${showValue(requirement.write.value)} (op ${requirement.write.pair.invoke.index}), ${why(requirement)}`,
        });
        return;
      }
    };
    check('read-your-writes', table(own, process, key), () => 'its own earlier write');
    check('monotonic-reads', table(seen, process, key), (r) => `which it had already read at op ${r.because!.index}`);
    check('writes-follow-reads', table(inherited, process, key), (r) => `which the writer of what it read at op ${r.because!.index} had read before writing it`);
    if (observed) {
      for (const scope of [`p${String(process)}`, ...(readOp.node === undefined ? [] : [`n${readOp.node}`])]) {
        const slot = `${scope}\u0000${key}\u0000${String(observed.process)}`;
        const newest = newestByWriter.get(slot);
        if (newest && newest.write.seq > observed.seq) {
          violations['monotonic-writes'].push({
            guarantee: 'monotonic-writes', key, read: readOp, observed: describeWrite(observed), expected: describeWrite(newest.write), because: newest.because!,
            explanation: `${scope.startsWith('n') ? `node ${readOp.node}` : `process ${String(process)}`} saw process ${String(observed.process)}'s write of ${showValue(newest.write.value)} (op ${newest.because!.index}) and then its earlier write of ${showValue(observed.value)} (op ${pair.invoke.index})`,
          });
          break;
        }
        if (!newest || observed.seq > newest.write.seq) newestByWriter.set(slot, { write: observed, because: readOp });
      }
      require(table(seen, process, key), { write: observed, because: readOp });
      // Writes follow reads: take on what the writer had read before this write.
      const writerLog = readLog.get(observed.process) ?? [];
      const from = `${String(process)}\u0000${String(observed.process)}`;
      for (let i = inheritedUpTo.get(from) ?? 0; i < observed.readsBefore && i < writerLog.length; i++) {
        const dependency = writerLog[i]!.write;
        if (dependency && dependency !== observed) require(table(inherited, process, writerLog[i]!.key), { write: dependency, because: readOp });
      }
      inheritedUpTo.set(from, Math.max(inheritedUpTo.get(from) ?? 0, observed.readsBefore));
    }
  }

  const counts = { ...Object.fromEntries(sessionGuarantees.map((g) => [g, violations[g].length])), unwritten: unwritten.length } as SessionResult['counts'];
  const broken = sessionGuarantees.filter((g) => counts[g] > 0);
  const valid: Validity = broken.length > 0 || unwritten.length > 0 ? false : reads === 0 ? 'unknown' : true;
  const first = broken.map((g) => violations[g][0]!).sort((a, b) => a.read.index - b.read.index)[0];
  return {
    valid,
    summary:
      reads === 0
        ? 'no successful read'
        : valid === true
          ? `${reads} reads uphold read-your-writes, monotonic reads, monotonic writes and writes-follow-reads (${order} order)`
          : `${[...broken.map((g) => `${counts[g]} ${g}`), ...(unwritten.length > 0 ? [`${unwritten.length} unwritten`] : [])].join(', ')} in ${reads} reads${first ? `; first: ${first.explanation}` : ''}`,
    order,
    reads,
    counts,
    violations: Object.fromEntries(sessionGuarantees.map((g) => [g, violations[g].slice(0, maxReported)])) as SessionResult['violations'],
    unwritten: unwritten.slice(0, maxReported),
  };
}

function keyed(pair: PositionedPair, f: string, value: unknown): [string, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    const op = f === 'read' ? pair.complete! : pair.invoke;
    throw new Error(`op ${op.index}: ${f} ${f === 'read' ? 'returned' : 'of'} ${showValue(value)}; expected [key, value]`);
  }
  return [keyName(value[0]), value[1]];
}
