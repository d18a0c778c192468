// The linearizability checker for faultline histories: splits `[key, v]` values into independent
// keys, checks each key against a model (in worker threads when that pays), and reports per-key
// outcomes and the smallest witness first. The search itself is private (search.ts).
import type { CheckContext, Checker, CheckResult, LinearizabilityFailure, Validity } from '../../src/checker.js';
import type { History } from '../../src/op.js';
import { DEFAULT_MEMORY_BYTES, mergeOutcomes, type Outcome, type PartitionResult, type UnknownCause } from './check-operations.js';
import { checkGroups, type GroupVerdict } from './check-group.js';
import { explainFailure } from './explain.js';
import { historyOperations, type HistoryOperations, type Keyed } from './history-operations.js';
import type { AnyModel } from './model.js';
import { resolveModel, type ModelName } from './models/registry.js';
import { checkGroupsInWorkers, shouldUseWorkers } from './parallel.js';

export { checkOperations, checkPartition, mergeOutcomes, type CheckOptions, type CheckOperationsResult, type Outcome, type PartitionResult, type UnknownCause } from './check-operations.js';
export { ILLEGAL, UNKNOWN, type AnyModel, type Illegal, type Model, type Operation, type OpView, type Unknown } from './model.js';
export { isModelName, models, resolveModel, type ModelName } from './models/registry.js';
export { historyOperations, type Keyed } from './history-operations.js';

export interface LinearizableOptions {
  /** A registered model name (options allowed: "cas-register;init=0") or a Model. */
  model: ModelName | (string & {}) | AnyModel;
  /** Budget for the whole check in ms; default the context's timeoutMs, else 60 s. Unknown when exceeded. */
  timeoutMs?: number;
  /** Memo budget per key in bytes (default 1 GiB). Unknown when exceeded. */
  memoryBytes?: number;
  /** Whether values are `[key, v]`; default "auto". */
  keyed?: Keyed;
  /** Extra worker threads: "auto" (default) uses them for big histories with many keys on 4+ cores; 0 never. */
  workers?: number | 'auto';
  /** Check every key to the end even after one is illegal (default false: unfinished keys are skipped). */
  exhaustive?: boolean;
  /**
   * Keep each ok key's linearization (KeyOutcome.linearization), the evidence of an ok verdict that
   * tools/replay-linearization.mjs replays. Off by default: on big histories it costs memory and
   * some time (the search then also places the ops the model could leave out). Checks in this thread.
   */
  linearization?: boolean;
}

/** One key's verdict and cost. */
export interface KeyOutcome {
  key?: unknown;
  outcome: Outcome;
  cause?: UnknownCause;
  ops: number;
  checkMs: number;
  explored: number;
  /**
   * ok, with LinearizableOptions.linearization: for each of the model's independent parts of the key
   * (kv: one per key; the registers: one), the ops in a legal order that respects real time, named
   * by the position of their invocation in the history. Holds every op that completed ok, and the
   * crashed ops that took effect.
   */
  linearization?: number[][];
}

/** The checker's result: valid, a one-line summary, per-key outcomes and the failures, smallest first. */
export interface LinearizableResult extends CheckResult {
  valid: Validity;
  summary: string;
  outcome: Outcome;
  model: string;
  keyed: boolean;
  ops: number;
  keys: KeyOutcome[];
  failures: LinearizabilityFailure[];
  checkMs: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** A checker of faultline histories against a model, per independent key. */
export function linearizable(options: LinearizableOptions): Checker {
  resolveModel(options.model); // a bad name fails here, when the test is set up, not after the run
  return (history: History, ctx: CheckContext) =>
    checkHistory(history, { ...options, timeoutMs: options.timeoutMs ?? ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

/** Checks a history now; what `linearizable` runs. */
export async function checkHistory(history: History, options: LinearizableOptions): Promise<LinearizableResult> {
  const started = performance.now();
  const model = resolveModel(options.model);
  const deadlineAt = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const ops = historyOperations(history, model, options.keyed ?? 'auto');
  const modelSpec = typeof options.model === 'string' ? options.model : undefined;
  const linearization = options.linearization ?? false;
  const check = { deadlineAt, memoryBytes, exhaustive: options.exhaustive ?? false, linearization };
  const workers = linearization ? 0 : (options.workers ?? 'auto');
  const verdicts =
    modelSpec !== undefined && shouldUseWorkers(ops.groups, workers)
      ? await checkGroupsInWorkers(modelSpec, ops.groups, { ...check, workers }, (groups, shared) => checkGroups(model, groups, shared))
      : checkGroups(model, ops.groups, check);
  return summarise(model, ops, verdicts, performance.now() - started);
}

function summarise(model: AnyModel, ops: HistoryOperations, verdicts: GroupVerdict[], checkMs: number): LinearizableResult {
  const keys: KeyOutcome[] = [];
  const failures: LinearizabilityFailure[] = [];
  let opCount = 0;
  ops.groups.forEach((group, g) => {
    const verdict = verdicts[g]!;
    opCount += group.operations.length;
    const outcome: KeyOutcome = { outcome: verdict.outcome, ops: group.operations.length, checkMs: round(verdict.checkMs), explored: verdict.explored };
    if (ops.keyed) outcome.key = group.key;
    if (verdict.cause) outcome.cause = verdict.cause;
    if (verdict.linearization) outcome.linearization = verdict.linearization.map((order) => order.map((i) => group.operations[i]!.id));
    keys.push(outcome);
    for (const f of verdict.failures) {
      const partition: PartitionResult<unknown, unknown, unknown> = {
        outcome: 'illegal',
        operations: group.operations,
        path: f.path,
        state: f.state,
        stuck: f.stuck,
        explored: 0,
        checkMs: 0,
      };
      failures.push(explainFailure(model, partition, ops.witnessOf, ops.keyed ? group.key : undefined));
    }
  });
  failures.sort((a, b) => a.linearized.length - b.linearized.length);
  const outcome = mergeOutcomes(keys.map((k) => k.outcome));
  const valid: Validity = outcome === 'ok' ? true : outcome === 'illegal' ? false : 'unknown';
  return {
    valid,
    summary: summaryLine(ops, keys, failures, outcome),
    outcome,
    model: model.name,
    keyed: ops.keyed,
    ops: opCount,
    keys,
    failures,
    checkMs: round(checkMs),
  };
}

function summaryLine(ops: HistoryOperations, keys: KeyOutcome[], failures: LinearizabilityFailure[], outcome: Outcome): string {
  const subject = (key: unknown): string => (ops.keyed ? `key ${typeof key === 'string' ? key : JSON.stringify(key)}` : 'history');
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (outcome === 'ok') {
    return ops.keyed ? `${count(keys.length, 'key')} linearizable` : `linearizable (${count(keys[0]?.ops ?? 0, 'op')})`;
  }
  if (outcome === 'illegal') {
    const first = failures[0]!;
    const stuck = first.stuck[0];
    const bad = keys.filter((k) => k.outcome === 'illegal').length;
    const unfinished = keys.filter((k) => k.outcome === 'unknown').length;
    const notes = [...(bad > 1 ? [`and ${count(bad - 1, 'more key')}`] : []), ...(unfinished > 0 ? [`${count(unfinished, 'key')} left unfinished`] : [])];
    const what = stuck ? `: ${stuck.op.description} at op ${stuck.op.index}` : '';
    return `${subject(first.key)} not linearizable${what}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  }
  const unknown = keys.filter((k) => k.outcome === 'unknown');
  const first = unknown[0]!;
  const why = first.cause === 'memory' ? 'memory budget exhausted' : first.cause === 'skipped' ? 'skipped after another key was not linearizable' : 'time budget exhausted';
  return `${subject(first.key)} unknown: ${why}${unknown.length > 1 ? ` (${count(unknown.length, 'key')} unknown)` : ''}`;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
