// The schedule a run executed, and its replay. A run's schedule is what its main phase issued: each
// client op with its thread, process, node, f, value and offset from the start, and each fault op
// with what it did (the targets, grudge, magnitudes its completion recorded). It is written next
// to the history as schedule.jsonl; `faultline test --replay <run-dir>` issues the same ops again,
// per thread in the same order, each no earlier than its recorded offset, and each fault op is
// handed what it did the first time (`{ replay: <recorded value> }`) so it acts on the same nodes
// with the same magnitudes instead of drawing anew. The heal and the final reads are not replayed:
// they are made again from the replay's own history, as in any run.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { relative } from 'node:path';
import type { Gen, OpTemplate, Thread } from './generator.js';
import { any, clients, eachThread, nemesis } from './generator.js';
import type { Op, Process } from './op.js';

/** One op of a schedule: when it was invoked (ns from the start) and what the first run did. */
export interface ScheduledOp {
  offsetNs: number;
  thread: Thread;
  process: Process;
  f: string;
  value: unknown;
  node?: string;
  /** A fault op: how it completed the first time, and the value it completed with (what it did). */
  outcome?: Op['type'];
  done?: unknown;
}

/** A fault op of the original run that a replay cannot repeat as it was, and why. */
export interface UnreplayedOp {
  index: number;
  f: string;
  why: string;
}

/** The main phase of a run as it was executed. */
export interface Schedule {
  /** The op time limit of the original main phase, ns. */
  mainPhaseNs: number;
  ops: ScheduledOp[];
}

/**
 * The schedule of a history: its main-phase ops (invoked before `mainPhaseNs`), clients and faults,
 * in invoke order. A fault op carries its completion, so a replay can hand it back.
 */
export function scheduleOf(history: Iterable<Op>, concurrency: number, mainPhaseNs: number): Schedule {
  const ops: ScheduledOp[] = [];
  const open = new Map<Process, ScheduledOp>();
  for (const op of history) {
    if (op.type === 'invoke') {
      if (op.time >= mainPhaseNs) continue;
      const thread: Thread = op.process === 'nemesis' ? 'nemesis' : op.process % concurrency;
      const scheduled: ScheduledOp = { offsetNs: op.time, thread, process: op.process, f: op.f, value: op.value, ...(op.node !== undefined && { node: op.node }) };
      ops.push(scheduled);
      open.set(op.process, scheduled);
      continue;
    }
    const invoked = open.get(op.process);
    open.delete(op.process);
    if (invoked && op.process === 'nemesis') {
      invoked.outcome = op.type;
      if (op.value !== null && op.value !== undefined) invoked.done = op.value;
    }
  }
  return { mainPhaseNs, ops };
}

/** The value a replayed fault op carries: what the op did the first time. */
export interface ReplayValue {
  replay: Readonly<Record<string, unknown>>;
}

/**
 * What the fault op being performed did in the run it replays, or undefined in an ordinary run.
 * A fault that draws targets or magnitudes takes them from here when it is given one.
 */
export function replayedValue(op: Pick<Op, 'value'>): Readonly<Record<string, unknown>> | undefined {
  const value = op.value as Partial<ReplayValue> | null | undefined;
  const replay = value !== null && typeof value === 'object' ? value.replay : undefined;
  return replay !== null && typeof replay === 'object' && !Array.isArray(replay) ? replay : undefined;
}

/**
 * The generator that issues a schedule again: each client thread its own ops in order, the nemesis
 * its fault ops, each at its recorded offset or as soon as its thread is free after it. A fault
 * start that failed or did nothing recorded the first time is left out (it acted on nothing we
 * know of) and named in `unreplayed`.
 */
export function replayGenerator(schedule: Schedule): { generator: Gen; unreplayed: UnreplayedOp[] } {
  const perThread = new Map<Thread, OpTemplate[]>();
  const unreplayed: UnreplayedOp[] = [];
  let index = 0;
  for (const op of schedule.ops) {
    index++;
    let template: OpTemplate;
    if (op.thread === 'nemesis') {
      const starting = op.f.startsWith('start-');
      const recorded = op.done !== null && typeof op.done === 'object' && !Array.isArray(op.done) ? (op.done as Record<string, unknown>) : undefined;
      if (starting && (op.outcome !== 'ok' && op.outcome !== 'info' || recorded === undefined)) {
        unreplayed.push({ index, f: op.f, why: op.outcome === undefined ? 'it never completed' : `it ${op.outcome === 'fail' ? 'failed' : 'recorded nothing it did'} the first time` });
        continue;
      }
      template = { f: op.f, time: op.offsetNs, ...(starting && recorded && { value: { replay: recorded } satisfies ReplayValue }) };
    } else {
      // The node the op went to: a thread's own, or another one its generator chose (sessions without stickiness).
      template = { f: op.f, value: op.value, time: op.offsetNs, ...(op.node !== undefined && { node: op.node }) };
    }
    const own = perThread.get(op.thread) ?? perThread.set(op.thread, []).get(op.thread)!;
    own.push(template);
  }
  const perClient = new Map([...perThread].filter(([thread]) => thread !== 'nemesis'));
  const faults = perThread.get('nemesis') ?? [];
  // eachThread gives each client thread its own list; a thread with no ops has nothing to do.
  return { generator: any(clients(eachThread(null, perClient)), nemesis(faults)), unreplayed };
}

/** How closely a replay kept the schedule: the lag of each op's invoke behind its recorded offset. */
export interface ReplayTiming {
  ops: number;
  /** Ops of the schedule the replay never issued (its time ran out, or it was interrupted). */
  missing: number;
  lagMs: { p50: number; p99: number; max: number };
}

/** Compares the replay's main-phase invokes with the schedule's, thread by thread, in order. */
export function replayTiming(schedule: Schedule, replayed: Schedule): ReplayTiming {
  const byThread = (s: Schedule, keep: (op: ScheduledOp) => boolean): Map<Thread, ScheduledOp[]> => {
    const m = new Map<Thread, ScheduledOp[]>();
    for (const op of s.ops) if (keep(op)) (m.get(op.thread) ?? m.set(op.thread, []).get(op.thread)!).push(op);
    return m;
  };
  const issued = byThread(replayed, () => true);
  const lags: number[] = [];
  let missing = 0;
  for (const [thread, ops] of byThread(schedule, (op) => op.thread !== 'nemesis' || !op.f.startsWith('start-') || op.done !== undefined)) {
    const mine = issued.get(thread) ?? [];
    ops.forEach((op, i) => {
      const again = mine[i];
      if (again === undefined) missing++;
      else lags.push(Math.max(0, again.offsetNs - op.offsetNs) / 1e6);
    });
  }
  lags.sort((a, b) => a - b);
  const at = (q: number): number => (lags.length === 0 ? 0 : Math.round(lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]! * 10) / 10);
  return { ops: lags.length, missing, lagMs: { p50: at(0.5), p99: at(0.99), max: at(1) } };
}

/** The command that replays the run in `dir`: its schedule, on a fresh cluster. */
export function replayRunCommand(dir: string): string {
  return `npx faultline test --replay ${relative(process.cwd(), dir) || '.'}`;
}

/** The file a run's schedule is written to, next to its history. */
export const SCHEDULE_FILE = 'schedule.jsonl';

/** Writes a schedule as JSON lines: a header line, then one line per op. */
export function writeSchedule(path: string, schedule: Schedule): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, JSON.stringify({ schedule: 1, mainPhaseNs: schedule.mainPhaseNs, ops: schedule.ops.length }) + '\n');
    let batch = '';
    for (const op of schedule.ops) {
      batch += JSON.stringify(op) + '\n';
      if (batch.length > 1 << 20) {
        writeSync(fd, batch);
        batch = '';
      }
    }
    writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
}

/** Reads a schedule.jsonl; throws one line naming the file, the line and what was expected. */
export function readSchedule(path: string): Schedule {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist (runs before schedules were recorded have none)' : (err as Error).message}`);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parse = (line: string, n: number): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // named below
    }
    throw new Error(`${path} line ${n}: ${line.slice(0, 80)} is not a JSON object; expected one op of a schedule per line`);
  };
  const header = lines.length > 0 ? parse(lines[0]!, 1) : {};
  if (header['schedule'] !== 1 || typeof header['mainPhaseNs'] !== 'number') {
    throw new Error(`${path} line 1: expected the header {"schedule":1,"mainPhaseNs":...}`);
  }
  const ops = lines.slice(1).map((line, i): ScheduledOp => {
    const o = parse(line, i + 2);
    const thread = o['thread'];
    if (typeof o['offsetNs'] !== 'number' || typeof o['f'] !== 'string' || !(thread === 'nemesis' || (typeof thread === 'number' && Number.isInteger(thread) && thread >= 0))) {
      throw new Error(`${path} line ${i + 2}: expected offsetNs (a number), thread (a whole number or "nemesis") and f (a string)`);
    }
    return o as unknown as ScheduledOp;
  });
  return { mainPhaseNs: header['mainPhaseNs'], ops };
}
