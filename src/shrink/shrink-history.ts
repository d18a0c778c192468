// Shrinks an invalid history to a witness: the smallest sub-history a predicate (the same checker
// finds the same anomaly class) still holds for, found by ddmin over whole keys, then whole
// processes, then the faults, then single ops. An op's invocation and completion stay together, and
// every op a kept op depends on is kept (op-dependencies.ts). Ops keep their index in the original;
// a transaction of a witness holds only its micro-ops on the witness's keys.
import type { History, Op, Process } from '../op.js';
import { budgetSpent, ddmin, type ShrinkBudget } from './ddmin.js';
import { dependencyClosure, isKeyed, looksKeyed, opDependencies, type OpUnit } from './op-dependencies.js';

/** Sizes of a history, before and after shrinking. */
export interface HistorySize {
  /** Operations: an invocation with its completion, client and nemesis. */
  ops: number;
  /** Client processes. */
  processes: number;
  keys: number;
}

export interface ShrinkLimits {
  /** Time for the whole shrink, in ms; a checker call already started finishes past it. */
  budgetMs: number;
  /** Checker calls at most. */
  maxCalls: number;
  /** Hears a line now and then on a long shrink. */
  progress?: (line: string) => void;
  /** How often `progress` hears a line, in ms (default 2000). */
  progressEveryMs?: number;
}

export interface ShrunkHistory {
  witness: Op[];
  before: HistorySize;
  after: HistorySize;
  checkerCalls: number;
  ms: number;
  /** False when the budget ran out: the witness still holds, but may not be 1-minimal. */
  minimal: boolean;
}

/**
 * Shrinks `history`, for which `holds` is true (not asked again), to a witness `holds` is true for.
 * Throws on a malformed history (a process invoking while its last op is open).
 */
export async function shrinkHistory(history: History, holds: (candidate: History) => boolean | Promise<boolean>, limits: ShrinkLimits): Promise<ShrunkHistory> {
  const started = performance.now();
  const budget: ShrinkBudget = { deadlineAt: started + limits.budgetMs, maxCalls: limits.maxCalls, calls: 0 };
  const original = opUnits(history);
  const keyed = looksKeyed(history);
  const keysOf = (unit: OpUnit) => unitKeys(unit, keyed);
  let exhausted = false;
  let saidAt = started;
  const say = (stage: string, size: number) => {
    if (limits.progress === undefined || performance.now() - saidAt < (limits.progressEveryMs ?? 2000)) return;
    saidAt = performance.now();
    limits.progress(`shrinking: ${stage}, ${size} left, ${budget.calls} checker calls, ${((saidAt - started) / 1000).toFixed(1)} s`);
  };

  // 1. Whole keys. Every op on a kept key stays, so nothing a kept op read from goes; a
  //    transaction keeps its micro-ops on kept keys (a cycle among them is one of the whole history).
  let projected: History = history;
  const keys = [...new Set(original.flatMap(keysOf))];
  if (keys.length > 0) {
    const outcome = await ddmin(keys, (subset) => holds(projectOnKeys(original, new Set(subset), keysOf)), budget, (size) => say('keys', size));
    projected = projectOnKeys(original, new Set(outcome.kept), keysOf);
    exhausted ||= outcome.exhausted;
  }

  const units = opUnits(projected);
  const deps = opDependencies(units, keyed);
  let current = units.map((_, id) => id);
  const historyOf = (ids: Iterable<number>): Op[] => {
    const positions: number[] = [];
    for (const id of dependencyClosure(ids, deps)) {
      positions.push(units[id]!.invokeAt);
      if (units[id]!.complete !== undefined) positions.push(units[id]!.completeAt);
    }
    return positions.sort((a, b) => a - b).map((p) => projected[p]!);
  };
  const byInvoke = new Map(units.map((u, id) => [u.invoke, id]));
  const idsIn = (ops: readonly Op[]): number[] => ops.flatMap((op) => byInvoke.get(op) ?? []);
  /** One stage: ddmin over `groups` of the current ops; `always` are kept whatever the groups. */
  const stage = async (name: string, groups: Map<string, number[]>, always: number[]) => {
    if (groups.size < 1 || exhausted) return;
    const names = [...groups.keys()];
    const outcome = await ddmin(names, (subset) => holds(historyOf([...always, ...subset.flatMap((g) => groups.get(g)!)])), budget, (size) => say(name, size));
    current = idsIn(historyOf([...always, ...outcome.kept.flatMap((g) => groups.get(g)!)]));
    exhausted ||= outcome.exhausted;
  };
  const isFault = (id: number) => units[id]!.invoke.process === 'nemesis';

  // 2. Whole client processes (an op another process read from stays with its reader).
  await stage('processes', groupBy(current.filter((id) => !isFault(id)), (id) => String(units[id]!.invoke.process)), current.filter(isFault));
  // 3. The faults, all at once: most witnesses need none.
  if (current.some(isFault) && !exhausted) {
    const without = current.filter((id) => !isFault(id));
    if (budgetSpent(budget)) exhausted = true;
    else {
      budget.calls++;
      if (await holds(historyOf(without))) current = idsIn(historyOf(without));
    }
  }
  // 4. Single ops, the faults left among them.
  await stage('ops', new Map(current.map((id) => [String(id), [id]])), []);

  const witness = historyOf(current);
  return { witness, before: sizeOf(original, keysOf), after: sizeOf(opUnits(witness), keysOf), checkerCalls: budget.calls, ms: Math.round(performance.now() - started), minimal: !exhausted };
}

/** Ops, client processes and keys of a history's operations. */
function sizeOf(units: readonly OpUnit[], keysOf: (unit: OpUnit) => string[]): HistorySize {
  const processes = new Set(units.map((u) => u.invoke.process).filter((p) => p !== 'nemesis'));
  return { ops: units.length, processes: processes.size, keys: new Set(units.flatMap(keysOf)).size };
}

/** The history restricted to `kept` keys: ops on other keys go, transactions keep their micro-ops on kept keys; keyless ops stay. */
function projectOnKeys(units: readonly OpUnit[], kept: ReadonlySet<string>, keysOf: (unit: OpUnit) => string[]): Op[] {
  const placed: [number, Op][] = [];
  for (const unit of units) {
    const keys = keysOf(unit);
    if (keys.length > 0 && !keys.some((k) => kept.has(k))) continue;
    const whole = keys.every((k) => kept.has(k));
    const project = (op: Op): Op => (whole || !Array.isArray(op.value) ? op : { ...op, value: op.value.filter((mop) => !Array.isArray(mop) || kept.has(keyText(mop[1]))) });
    placed.push([unit.invokeAt, project(unit.invoke)]);
    if (unit.complete !== undefined) placed.push([unit.completeAt, project(unit.complete)]);
  }
  return placed.sort((a, b) => a[0] - b[0]).map(([, op]) => op);
}

/**
 * The history's operations with their positions: each invocation with the next completion of its
 * process. A completion with no open invocation (Jepsen's nemesis logs a bare :info) is an
 * operation of its own.
 */
function opUnits(history: History): OpUnit[] {
  const units: OpUnit[] = [];
  const open = new Map<Process, OpUnit>();
  history.forEach((op, at) => {
    if (op.type === 'invoke') {
      if (open.has(op.process)) throw new Error(`op ${op.index}: process ${String(op.process)} invoked ${op.f} while op ${open.get(op.process)!.invoke.index} is still open`);
      const unit: OpUnit = { invoke: op, complete: undefined, invokeAt: at, completeAt: history.length };
      open.set(op.process, unit);
      units.push(unit);
      return;
    }
    const unit = open.get(op.process);
    if (unit === undefined) {
      units.push({ invoke: op, complete: undefined, invokeAt: at, completeAt: at });
      return;
    }
    unit.complete = op;
    unit.completeAt = at;
    open.delete(op.process);
  });
  return units;
}

/** The keys an op touches: each micro-op's key of a transaction, or `k` of a value `[k, x]` in a keyed history. */
function unitKeys(unit: OpUnit, keyed: boolean): string[] {
  const { process, f, value } = unit.invoke;
  if (process === 'nemesis') return [];
  if (f === 'txn' && Array.isArray(value)) return [...new Set(value.filter(Array.isArray).map((mop) => keyText(mop[1])))];
  return keyed && isKeyed(value) ? [keyText(value[0])] : [];
}

function keyText(key: unknown): string {
  return JSON.stringify(key) ?? 'undefined';
}

function groupBy(ids: readonly number[], keyOf: (id: number) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const id of ids) {
    const key = keyOf(id);
    const group = groups.get(key);
    if (group) group.push(id);
    else groups.set(key, [id]);
  }
  return groups;
}
