// Proving a history illegal from a window of it. A search of the whole history must rule out every
// configuration up to the op that cannot be placed, which past a few thousand ops with crashed ops
// open is out of reach. A window around that op is small, and if no state the object can ever be
// in lets the window's ops linearize, the whole history cannot.
//
// Why it is sound: take the window [t0, t1] and any linearization L of the history. Let p be the
// position in L of the last op that returned before t0, q the first op called after t1; p < q, since
// the first returned before the second was called. Between them L holds only ops that overlap the
// window: all ops wholly inside it, and possibly some that straddle an end (or crashed ones). So
// L(p, q) is a legal run, from the state after p (a reachable state), of every op inside the window
// and a choice of the others. The window problem keeps the ops inside as they are and makes the
// straddling ones optional (a write or cas with an unknown outcome, a read dropped): any such run
// is one of its linearizations. None exists from any reachable state, so L cannot exist.
//
// Crashed ops the model says must take effect by some time (Model.mustTakeEffectBy) took effect
// before the window when that time is before t0: they sit before the op that returned then, so at or
// before p. The window leaves them out.
import { startPartition } from './check-operations.js';
import { UNKNOWN, type Model, type Operation } from './model.js';

/**
 * What a window says: illegal, or a linearization of it from some state, of which `chain` is the
 * part that made `stuck` legal: the crashed ops placed right before it (reads aside), in order.
 */
export type WindowAnswer = { illegal: true } | { illegal: false; chain: number[] };

/**
 * The window of about `width` ops ending at `stuck`'s return, tried from each of the model's
 * reachable states within `deadlineAt`: illegal when none lets it linearize (so the whole history
 * cannot); undefined when the time ran out or the model cannot say. `taken`: crashed ops that took
 * effect by a time (Model.mustTakeEffectBy), left out of a window that starts after it.
 */
export function windowProof<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  stuck: number,
  width: number,
  deadlineAt: number,
  memoryBytes: number,
  taken: ReadonlyMap<number, number> = new Map(),
  startAt?: number,
): WindowAnswer | undefined {
  if (!model.reachableStates) return undefined;
  const end = operations[stuck]!.return;
  if (end === Infinity) return undefined;
  // The window starts at `startAt`, or at the call of the op `width` places before the stuck one in call order.
  const t1 = end;
  const t0 = startAt ?? windowStart(operations, end, width);
  const window: Operation<Input, Output>[] = [];
  const origin: number[] = []; // window op -> index in `operations`
  operations.forEach((op, i) => {
    if (op.return < t0 || op.call > t1) return;
    if (op.output === UNKNOWN && (taken.get(i) ?? Infinity) < t0) return;
    const inside = op.call >= t0 && op.return <= t1;
    if (inside || op.output === UNKNOWN) window.push(op);
    else if (!(model.readOnly?.(op.input, op.output) ?? false)) window.push({ ...op, output: UNKNOWN, return: Infinity });
    else return;
    origin.push(i);
  });
  for (const state of model.reachableStates(operations)) {
    const from: Model<State, Input, Output> = Object.assign(Object.create(model) as Model<State, Input, Output>, { init: () => state });
    if (performance.now() > deadlineAt) return undefined;
    const found = startPartition(from, window, deadlineAt, memoryBytes, true).run(Infinity)!;
    if (found.outcome === 'unknown') return undefined;
    if (found.outcome === 'ok') return { illegal: false, chain: chainBefore(model, operations, found.path.map((step) => origin[step.op]!), stuck) };
  }
  return { illegal: true };
}

function windowStart(operations: readonly Operation<unknown, unknown>[], end: number, width: number): number {
  const calls = operations.map((op) => op.call).filter((call) => call <= end).sort((a, b) => a - b);
  return calls[Math.max(0, calls.length - width)]!;
}

/**
 * Where a window for `stuck` is likeliest to be small and decisive: the calls of the latest-called
 * definite ops that change the state and returned before `stuck` was called (the write that real
 * time puts between a read and its writers is one of them), latest first, at most `count`.
 */
export function closeStarts<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly Operation<Input, Output>[], stuck: number, count: number): number[] {
  const begin = operations[stuck]!.call;
  const calls: number[] = [];
  for (const op of operations) {
    if (op.output === UNKNOWN || op.return >= begin || (model.readOnly?.(op.input, op.output) ?? false)) continue;
    calls.push(op.call);
  }
  return [...new Set(calls.sort((a, b) => b - a))].slice(0, count);
}

/** The crashed ops placed right before `stuck` in `order` (definite read-only ops between them aside), in order. */
function chainBefore<State, Input, Output>(model: Model<State, Input, Output>, operations: readonly Operation<Input, Output>[], order: readonly number[], stuck: number): number[] {
  const chain: number[] = [];
  for (let k = order.indexOf(stuck) - 1; k >= 0; k--) {
    const op = operations[order[k]!]!;
    if (op.output === UNKNOWN) chain.unshift(order[k]!);
    else if (!(model.readOnly?.(op.input, op.output) ?? false)) break;
  }
  return chain;
}
