// Checks a model's operations for linearizability: splits them into the model's independent
// partitions (P-compositionality: the whole is linearizable iff every part is) and searches them
// in rounds of growing slices, so one hard partition cannot hide an easy illegal one.
import { crashDeadlines } from './crash-deadlines.js';
import { ILLEGAL, UNKNOWN, type Model, type Operation } from './model.js';
import { createSearch, type Search, type SearchProblem, type SearchResult } from './search.js';
import { StateTable } from './state-table.js';
import { TypedSlab } from './typed-slab.js';
import { closeStarts, windowProof } from './window-proof.js';

/** ok: linearizable; illegal: not; unknown: the time or memory budget ran out first. */
export type Outcome = 'ok' | 'illegal' | 'unknown';

/** Why an outcome is unknown: budgets, or left unfinished once another partition was illegal. */
export type UnknownCause = 'timeout' | 'memory' | 'skipped';

export interface CheckOptions {
  /** Wall-clock budget for the whole check, in ms (default: none). */
  timeoutMs?: number;
  /** An absolute `performance.now()` deadline, for callers sharing one budget across checks. */
  deadlineAt?: number;
  /** Budget for one partition's memo, in bytes (default 1 GiB). */
  memoryBytes?: number;
  /** Finish every partition even after one is illegal (default false: stop at the end of that round). */
  exhaustive?: boolean;
}

/** One partition's verdict, with the search's evidence in the model's terms. */
export interface PartitionResult<State, Input, Output> {
  outcome: Outcome;
  cause?: UnknownCause;
  operations: Operation<Input, Output>[];
  /**
   * illegal or unknown: the longest linearizable prefix found. ok: empty, or the whole linearization
   * when asked for (startPartition's `linearization`): every definite op once, and the crashed ops
   * that took effect. Indices into `operations`.
   */
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
  const searches = parts.map((part) => startPartition(model, part, deadlineAt, memoryBytes));
  const partitions = runPartitions(searches, { exhaustive: options.exhaustive ?? false });
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

/** A partition's search, run in slices. */
export interface PartitionSearch<State, Input, Output> {
  /** Operations in the partition. */
  readonly size: number;
  /** Runs up to `iterations` more steps: the result when finished, undefined when paused. */
  run(iterations: number): PartitionResult<State, Input, Output> | undefined;
  /** The result for a search abandoned unfinished. */
  skip(): PartitionResult<State, Input, Output>;
}

/** Searches one independent partition (no further splitting) to the end. */
export function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: Operation<Input, Output>[],
  deadlineAt: number,
  memoryBytes: number,
): PartitionResult<State, Input, Output> {
  return startPartition(model, operations, deadlineAt, memoryBytes).run(Infinity)!;
}

/**
 * Runs searches round-robin in slices that double each round, so easy partitions finish first.
 * Unless exhaustive, once one is illegal (here, or anywhere `stop[0]` is set to 1) the rest are
 * skipped at once (the ones not yet started are never prepared).
 */
export function runPartitions<S, I, O>(
  searches: PartitionSearch<S, I, O>[],
  options: { exhaustive: boolean; stop?: Int32Array },
): PartitionResult<S, I, O>[] {
  const results = new Array<PartitionResult<S, I, O>>(searches.length);
  let pending = searches.map((_, i) => i);
  const stop = options.stop ?? new Int32Array(1);
  let stopped = false;
  for (let slice = 1 << 10; pending.length > 0; slice = Math.min(slice * 2, 1 << 26)) {
    const unfinished: number[] = [];
    for (const i of pending) {
      // Easy partitions take a few steps per op: let them finish in their first slice, so few are ever paused at once.
      const result = stopped ? undefined : searches[i]!.run(Math.max(slice, 8 * searches[i]!.size));
      if (!result) unfinished.push(i);
      else {
        results[i] = result;
        if (result.outcome === 'illegal') Atomics.store(stop, 0, 1);
      }
      // One illegal partition decides the verdict: the others are not started or resumed.
      stopped ||= !options.exhaustive && Atomics.load(stop, 0) === 1;
    }
    pending = unfinished;
    if (stopped) {
      for (const i of pending) results[i] = searches[i]!.skip();
      break;
    }
  }
  return results;
}

/**
 * Prepares the search of one partition: crash deadlines, interned states, the model's hooks. With
 * `linearization`, an ok result's path is the whole order (the model's redundant ops are searched
 * too, so that it holds every definite op).
 */
export function startPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: Operation<Input, Output>[],
  deadlineAt: number,
  memoryBytes: number,
  linearization = false,
): PartitionSearch<State, Input, Output> {
  let checkMs = 0;
  const table = new StateTable<State>(model);
  const init = table.intern(model.init());
  const states = table.states;
  let search: Search | undefined;
  const budget = { deadlineAt, memoryBytes, keepPath: linearization };
  const prepare = (): Search => {
    // The problem's arrays are copied by createSearch, so their slab goes back at once.
    const slab = new TypedSlab(32 * operations.length + 256);
    const { problem, couldBecomeLegal } = buildProblem(model, operations, table, init, slab, linearization);
    const dead = couldBecomeLegal ? deadOps(model, operations, states[init]!, couldBecomeLegal) : [];
    if (dead.length === 0) {
      const search = createSearch(problem, budget);
      slab.release();
      return search;
    }
    // Ops no state can ever explain: illegal for sure. For the explanation, linearize the other ops
    // and show the prefix up to where the first dead op had to take effect.
    const first = dead[0]!;
    const isDead = new Set(dead);
    const rest = operations.flatMap((_, i) => (isDead.has(i) ? [] : [i]));
    const others = createSearch(buildProblem(model, rest.map((i) => operations[i]!), table, init, slab).problem, { ...budget, keepPath: true });
    return {
      run(iterations) {
        const found = others.run(iterations);
        if (!found) return undefined;
        if (found.outcome === 'illegal') return { ...found, path: { ops: found.path.ops.map((i) => rest[i]!), statesAfter: found.path.statesAfter }, stuck: found.stuck.map((i) => rest[i]!) };
        // Cut the order where an op that must follow the dead op comes.
        let cut = found.path.ops.findIndex((i) => operations[rest[i]!]!.call > operations[first]!.return);
        if (cut < 0) cut = found.path.ops.length;
        const path = { ops: found.path.ops.slice(0, cut).map((i) => rest[i]!), statesAfter: found.path.statesAfter.slice(0, cut) };
        return { outcome: 'illegal', path, state: cut > 0 ? path.statesAfter[cut - 1]! : init, stuck: [first], explored: found.explored };
      },
    };
  };
  let finished: PartitionResult<State, Input, Output> | undefined;
  const toResult = (found: SearchResult): PartitionResult<State, Input, Output> => {
    const result: PartitionResult<State, Input, Output> = {
      outcome: found.outcome,
      operations,
      path: found.path.ops.map((op, i) => ({ op, stateAfter: states[found.path.statesAfter[i]!]! })),
      state: states[found.state]!,
      stuck: found.stuck,
      explored: found.explored,
      checkMs,
    };
    if (found.cause) result.cause = found.cause;
    return result;
  };
  // A search still running after proofAtMs may be stuck on an illegal history too big to exhaust:
  // try to prove it from a window around its deepest dead end, and again each time it doubles.
  // Each try gets a quarter of the time spent so far, so a slow linearizable history pays at most that.
  // Besides the deepest dead end's op, the model's suspects (ops real-time order says cannot hold)
  // are tried, earliest first: the search may be lost far from the op that makes the history illegal.
  // Windows leave out the crashed ops the model says took effect before them (mustTakeEffectBy).
  // The first windows tried for an op start at the latest state changes that returned before it
  // was called: a read that real time separates from its writers is proven in a window of a few ops.
  // When the deepest dead end's window is legal, the crashed ops that made it so may be what the
  // search spent too early: the history is searched again with them made to take effect right
  // before that op (hypothesis), and an ok there is an ok of the history itself.
  let proofAtMs = 1000;
  let suspects: number[] | undefined;
  let taken: ReadonlyMap<number, number> | undefined;
  const decided = new Set<string>(); // hypotheses searched to the end (a timed-out one is tried again with more time)
  const tryHypothesis = (chain: readonly number[], stuck: number, until: number): SearchResult | undefined => {
    const forced = forcedBefore(operations, chain.map((c) => substitute(operations, c, stuck, chain, taken!)), stuck);
    const key = [...forced.keys()].join(',');
    if (decided.has(key)) return undefined;
    const slab = new TypedSlab(32 * operations.length + 256);
    const hypothesis = createSearch(buildProblem(model, operations, table, init, slab, linearization, forced).problem, { ...budget, deadlineAt: until });
    slab.release();
    const found = hypothesis.run(Infinity);
    if (found?.outcome !== 'unknown') decided.add(key);
    return found?.outcome === 'ok' ? found : undefined;
  };
  const tryWindowProof = (running: Search): SearchResult | undefined => {
    const deepest = running.deepest?.();
    if (!deepest || !model.reachableStates) return undefined;
    suspects ??= model.suspectOps?.(operations) ?? [];
    taken ??= model.mustTakeEffectBy?.(operations) ?? new Map<number, number>();
    const tried = new Set<number>();
    const until = Math.min(deadlineAt, performance.now() + Math.max(50, checkMs / 4));
    let chain: readonly number[] = [];
    for (const stuck of [...deepest.stuck.slice(0, 1), ...suspects]) {
      if (tried.has(stuck) || performance.now() > until) continue;
      tried.add(stuck);
      // Windows that start at a state change just before the op first (small, and often decisive), then wider ones.
      const windows = [...closeStarts(model, operations, stuck, 2).map((start) => ({ width: 0, start })), ...[32, 128, 512].map((width) => ({ width, start: undefined }))];
      for (const { width, start } of windows) {
        const answer = windowProof(model, operations, stuck, width, until, memoryBytes, taken, start);
        if (answer?.illegal) {
          // A suspect's proof has no search prefix of its own: the deepest one found stands as the evidence so far.
          return { outcome: 'illegal', path: deepest.path, state: deepest.state, stuck: [stuck], explored: 0 };
        }
        if (answer && width === 32 && stuck === deepest.stuck[0]) chain = answer.chain;
      }
    }
    // The deepest dead end's window is legal: what made it so may be what the search spent too early.
    const stuck = deepest.stuck[0];
    if (stuck === undefined || chain.length === 0 || performance.now() > until) return undefined;
    return tryHypothesis(chain, stuck, until);
  };
  return {
    size: operations.length,
    run(iterations) {
      if (finished) return finished;
      const t = performance.now();
      search ??= prepare();
      let found = search.run(iterations);
      if (!found && checkMs + performance.now() - t > proofAtMs) {
        proofAtMs = 2 * (checkMs + performance.now() - t);
        found = tryWindowProof(search);
      }
      checkMs += performance.now() - t;
      if (found) {
        finished = toResult(found);
        search = undefined; // let the memo go
      }
      return finished;
    },
    skip() {
      return { outcome: 'unknown', cause: 'skipped', operations, path: [], state: states[init]!, stuck: [], explored: 0, checkMs };
    },
  };
}

/** Membership in the observer lists, one Set per distinct list, found by the crashed op's index (no map lookup per question). */
function observesFrom(observers: readonly (readonly number[] | undefined)[]): (crashed: number, op: number) => boolean {
  const sets = new Map<readonly number[], Set<number>>();
  const byOp = new Array<Set<number> | null | undefined>(observers.length); // null: observed by every op
  return (crashed, op) => {
    let set = byOp[crashed];
    if (set === undefined) {
      const list = observers[crashed];
      if (list === undefined) set = null;
      else {
        set = sets.get(list);
        if (!set) {
          set = new Set(list);
          sets.set(list, set);
        }
      }
      byOp[crashed] = set;
    }
    return set === null || set.has(op);
  };
}

/** Crashed ops with the same input behave identically: number each group of two or more; -1 for the rest. */
function crashedClasses(operations: readonly Operation<unknown, unknown>[], classOf: Int32Array): Int32Array {
  classOf.fill(-1);
  let crashed = 0;
  for (let i = 0; i < operations.length && crashed < 2; i++) if (operations[i]!.output === UNKNOWN) crashed++;
  if (crashed < 2) return classOf;
  const byInput = new Map<string, number[]>();
  operations.forEach((op, i) => {
    if (op.output !== UNKNOWN) return;
    let key: string;
    try {
      key = JSON.stringify(op.input) ?? `#${i}`;
    } catch {
      key = `#${i}`;
    }
    const list = byInput.get(key);
    if (list) list.push(i);
    else byInput.set(key, [i]);
  });
  let next = 0;
  for (const list of byInput.values()) {
    if (list.length < 2) continue;
    for (const i of list) classOf[i] = next;
    next++;
  }
  return classOf;
}

/** The search problem for a partition, and the model's pruning test bound to it. */
function buildProblem<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  table: StateTable<State>,
  init: number,
  slab: TypedSlab,
  keepRedundant = false,
  forced: ReadonlyMap<number, { call: number; by: number }> = new Map(),
): { problem: SearchProblem; couldBecomeLegal: ReturnType<NonNullable<Model<State, Input, Output>['couldBecomeLegal']>> | undefined } {
  const states = table.states;
  const n = operations.length;
  const call = slab.f64(n);
  const known = slab.u8(n);
  const readOnly = slab.u8(n);
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
  const observers = model.crashObservers?.(operations);
  const couldBecomeLegal = model.couldBecomeLegal?.(operations);
  const deadline = crashDeadlines(operations, observers, slab.f64(n));
  // Left out of the search, unless a full linearization is wanted (they are definite ops it must hold).
  if (!keepRedundant) for (const i of model.redundantOps?.(operations) ?? []) deadline[i] = -Infinity;
  const classOf = crashedClasses(operations, slab.i32(n));
  // Crashed ops a hypothesis makes take effect within [call, by]: placed like definite ops.
  for (const [i, { call: from, by }] of forced) {
    call[i] = Math.max(call[i]!, from);
    deadline[i] = by;
    known[i] = 1;
    readOnly[i] = 0;
    classOf[i] = -1;
  }
  const problem: SearchProblem = {
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
    classOf,
  };
  if (observers && model.crashedOpsDefer) {
    problem.observes = observesFrom(observers);
    const defers = slab.u8(n);
    for (let i = 0; i < n; i++) defers[i] = observers[i] !== undefined && !known[i] ? 1 : 0;
    problem.defers = defers;
  }
  if (couldBecomeLegal) problem.couldBecomeLegal = (state, op, placed) => couldBecomeLegal(states[state]!, op, placed);
  return { problem, couldBecomeLegal };
}

/** The definite read-only ops that no sequence of ops from the initial state can make legal, earliest return first. */
function deadOps<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  init: State,
  couldBecomeLegal: (state: State, op: number, placed: (op: number) => boolean) => boolean,
): number[] {
  const nothingPlaced = (): boolean => false;
  const dead = operations.flatMap((op, i) => {
    if (op.output === UNKNOWN || !model.readOnly?.(op.input, op.output)) return [];
    return model.step(init, op.input, op.output) === ILLEGAL && !couldBecomeLegal(init, i, nothingPlaced) ? [i] : [];
  });
  return dead.sort((a, b) => operations[a]!.return - operations[b]!.return);
}

/** Crashed ops `chain` made to take effect within `stuck`'s interval, before it returns. */
function forcedBefore(operations: readonly Operation<unknown, unknown>[], chain: readonly number[], stuck: number): Map<number, { call: number; by: number }> {
  const { call, return: by } = operations[stuck]!;
  return new Map(chain.map((c) => [c, { call, by }]));
}

/**
 * `c`, or when the model says it took effect before `stuck` was called, a crashed op with the same
 * input that did not have to, called before `stuck` returned (the latest such): the window's search
 * takes any one of identical crashed ops, the whole history may have spent that one earlier.
 */
function substitute(operations: readonly Operation<unknown, unknown>[], c: number, stuck: number, chain: readonly number[], taken: ReadonlyMap<number, number>): number {
  const { call, return: end } = operations[stuck]!;
  if ((taken.get(c) ?? Infinity) >= call) return c;
  const input = JSON.stringify(operations[c]!.input);
  let best = c;
  operations.forEach((op, j) => {
    if (op.output !== UNKNOWN || op.call >= end || (taken.get(j) ?? Infinity) < call || chain.includes(j)) return;
    if (JSON.stringify(op.input) === input && (best === c || op.call > operations[best]!.call)) best = j;
  });
  return best;
}
