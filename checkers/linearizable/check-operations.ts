// Checks a model's operations for linearizability: splits them into the model's independent
// partitions (P-compositionality: the whole is linearizable iff every part is) and searches each.
import { crashDeadlines } from './crash-deadlines.js';
import { ILLEGAL, UNKNOWN, type Model, type Operation } from './model.js';
import { searchLinearization, type SearchResult } from './search.js';
import { StateTable } from './state-table.js';

/** ok: linearizable; illegal: not; unknown: the time or memory budget ran out first. */
export type Outcome = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /** Wall-clock budget for the whole check, in ms (default: none). */
  timeoutMs?: number;
  /** An absolute `performance.now()` deadline, for callers sharing one budget across checks. */
  deadlineAt?: number;
  /** Budget for one partition's memo, in bytes (default 1 GiB). */
  memoryBytes?: number;
}

/** One partition's verdict, with the search's evidence in the model's terms. */
export interface PartitionResult<State, Input, Output> {
  outcome: Outcome;
  cause?: 'timeout' | 'memory';
  operations: Operation<Input, Output>[];
  /** ok: a linearization; otherwise the longest linearizable prefix found. Indices into `operations`. */
  path: { op: number; stateAfter: State }[];
  /** The state at the end of `path`. */
  state: State;
  /** illegal: ops (indices into `operations`) that could not be placed next, the blocking one first. */
  stuck: number[];
  explored: number;
  checkMs: number;
}

export interface CheckOperationsResult<State, Input, Output> {
  outcome: Outcome;
  partitions: PartitionResult<State, Input, Output>[];
}

export const DEFAULT_MEMORY_BYTES = 1 << 30;

/** Checks operations against a model, each of the model's partitions on its own. */
export function checkOperations<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckOperationsResult<State, Input, Output> {
  const deadlineAt = options.deadlineAt ?? (options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs);
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const parts = model.partition ? model.partition(operations) : [operations.slice()];
  const partitions = parts.map((part) => checkPartition(model, part, deadlineAt, memoryBytes));
  return { outcome: mergeOutcomes(partitions.map((p) => p.outcome)), partitions };
}

/** illegal beats unknown beats ok. */
export function mergeOutcomes(outcomes: Iterable<Outcome>): Outcome {
  let merged: Outcome = 'ok';
  for (const o of outcomes) {
    if (o === 'illegal') return 'illegal';
    if (o === 'unknown') merged = 'unknown';
  }
  return merged;
}

/** Searches one independent partition (no further splitting). */
export function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: Operation<Input, Output>[],
  deadlineAt: number,
  memoryBytes: number,
): PartitionResult<State, Input, Output> {
  const started = performance.now();
  const table = new StateTable<State>(model);
  const init = table.intern(model.init());
  if (started > deadlineAt) {
    return { outcome: 'unknown', cause: 'timeout', operations, path: [], state: model.init(), stuck: [], explored: 0, checkMs: 0 };
  }
  const n = operations.length;
  const call = new Float64Array(n);
  const known = new Uint8Array(n);
  const readOnly = new Uint8Array(n);
  const inputs = new Array<Input>(n);
  const outputs = new Array<Output | typeof UNKNOWN>(n);
  for (let i = 0; i < n; i++) {
    const op = operations[i]!;
    call[i] = op.call;
    known[i] = op.output === UNKNOWN ? 0 : 1;
    readOnly[i] = model.readOnly?.(op.input, op.output) ? 1 : 0;
    inputs[i] = op.input;
    outputs[i] = op.output;
  }
  const deadline = crashDeadlines(operations, model.crashObservers?.(operations));
  const states = table.states;
  const couldBecomeLegal = model.couldBecomeLegal?.(operations);
  const search: SearchResult = searchLinearization(
    {
      count: n,
      call,
      deadline,
      known,
      readOnly,
      init,
      step: (state, op) => {
        const next = model.step(states[state]!, inputs[op]!, outputs[op]!);
        return next === ILLEGAL ? -1 : table.intern(next as State);
      },
      ...(couldBecomeLegal && { couldBecomeLegal: (state: number, op: number, placed: (op: number) => boolean) => couldBecomeLegal(states[state]!, op, placed) }),
    },
    { deadlineAt, memoryBytes },
  );
  const result: PartitionResult<State, Input, Output> = {
    outcome: search.outcome,
    operations,
    path: search.path.ops.map((op, i) => ({ op, stateAfter: states[search.path.statesAfter[i]!]! })),
    state: states[search.state]!,
    stuck: search.stuck,
    explored: search.explored,
    checkMs: performance.now() - started,
  };
  if (search.cause) result.cause = search.cause;
  return result;
}
