// The sequential specification a history is checked against: a Model, and the operations the
// search places. This is the public face users extend with their own models.

/** The output of an op whose completion was `info` or never arrived: the model must accept any result. */
export const UNKNOWN: unique symbol = Symbol.for('faultline.linearizable.unknown');
export type Unknown = typeof UNKNOWN;

/** What `step` returns when the op cannot happen in that state with that output. */
export const ILLEGAL: unique symbol = Symbol.for('faultline.linearizable.illegal');
export type Illegal = typeof ILLEGAL;

/**
 * One operation as the search sees it. Intervals are closed: the op took effect at one instant in
 * [call, return]. An op with an unknown output (a crashed client) may take effect at any instant
 * after its call, or never, so its `return` is Infinity.
 */
export interface Operation<Input, Output> {
  input: Input;
  output: Output | Unknown;
  call: number;
  return: number;
  /** Caller's handle for explanations; faultline passes the invocation's history index. */
  id: number;
}

/** One op of a history as a model reads it: the invocation's value and, if it completed ok, the result. */
export interface OpView {
  f: string;
  /** The key for keyed histories (`value` was `[key, v]`), else undefined. */
  key?: unknown;
  /** The invocation's value. */
  value: unknown;
  /** The ok completion's value; undefined when `known` is false. */
  result: unknown;
  /** False for an op that ended in `info` or never completed. */
  known: boolean;
}

/**
 * A sequential object. `step` must be pure: given a state, an input and an output it returns the
 * next state, or ILLEGAL. With an UNKNOWN output it returns the state after the op in the case
 * where it took effect (an unknown write sets the value; an unknown cas applies if it can).
 */
export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  step(state: State, input: Input, output: Output | Unknown): State | Illegal;
  /** A primitive that is equal for equal states (default: the state itself if primitive, else its JSON). */
  hash?(state: State): string | number;
  /** State equality when `hash` collides; default: hash equality. */
  equal?(a: State, b: State): boolean;
  /** Splits a history into independent sub-histories (P-compositionality), e.g. per key. */
  partition?<Op extends Operation<Input, Output>>(operations: readonly Op[]): Op[][];
  /** Short text starting with the op's function name, e.g. "read -> 4", "cas 1->2 (unknown)". */
  describeOperation?(input: Input, output: Output | Unknown): string;
  /** Short text for a state, e.g. "2" or "absent". */
  describeState?(state: State): string;
  /** Why the op is illegal in that state, starting with the function name: "read returned 4 but the register held 2". */
  explainIllegal?(state: State, input: Input, output: Output | Unknown): string;
  /** True for an op that leaves the state unchanged whenever it is legal (a read); lets the search skip branching on it. */
  readOnly?(input: Input, output: Output | Unknown): boolean;
  /**
   * Optional pruning for read-only ops. Given a partition's operations, returns a test that is false
   * only when `operations[op]` (with a definite output, illegal in `state`) can never become legal
   * from `state` whatever unplaced ops follow (`placed(i)` tells which are already placed): e.g. a
   * kv get of "ab" once the value is "ac" and no unplaced put could start it afresh. The search
   * abandons such states at once.
   */
  couldBecomeLegal?(operations: readonly Operation<Input, Output>[]): (state: State, op: number, placed: (op: number) => boolean) => boolean;
  /** Reads one faultline/Jepsen op into input and output (the view is reused: copy what you keep); undefined drops it (it constrains nothing). Throws on an op it does not know. */
  fromOp?(op: OpView): { input: Input; output: Output | Unknown } | undefined;
  /**
   * Optional speed-up for crashed ops (see crash-deadlines.ts). For each op with an UNKNOWN output,
   * the indices of every op whose legality could depend on having seen its effect (its observers),
   * or undefined to keep it open forever. Contract: if such an op is placed after all its observers
   * and nothing else observes its effect, deleting it (and any unknown op that was a no-op after it)
   * leaves a legal sequence.
   */
  crashObservers?(operations: readonly Operation<Input, Output>[]): (readonly number[] | undefined)[];
  /**
   * Optional speed-up: definite ops whose removal can never change the verdict (e.g. a write whose
   * value nobody reads, whose interval contains another write's: it can always sit right before that
   * write, overwritten unseen). Indices into `operations`; the search leaves them out.
   */
  redundantOps?(operations: readonly Operation<Input, Output>[]): number[];
  /**
   * True when, in any legal order, a crashed op can be moved later to just before the next op that
   * observes it (per crashObservers), or deleted when the next op that changes the state comes first
   * and wipes out its effect (deleting crashed no-ops on the way). The search then places a crashed
   * op only right before one of its observers. True for the registers (a write overwrites) and the
   * mutex; not for set or kv, where effects accumulate (two crashed adds may both be needed before
   * one read).
   */
  crashedOpsDefer?: boolean;
  /**
   * Optional, for proving histories illegal: every state the object can be in after any sequence
   * of these operations, the initial state included (a register: its initial value and every value
   * written). With it the checker can show that a window of the history around a stuck op has no
   * linearization from any state, which no search of the whole history could finish.
   */
  reachableStates?(operations: readonly Operation<Input, Output>[]): State[];
  /**
   * Optional, where to look for that proof when the search is slow: definite read-only ops that
   * real-time order alone says cannot hold (a register read of v when every op that could have
   * written v returned before some write of another value that returned before the read began).
   * Only a hint: the checker still proves each from a window of the history before saying illegal.
   */
  suspectOps?(operations: readonly Operation<Input, Output>[]): number[];
  /**
   * Optional, for the same proofs: crashed ops that every linearization must place by a time (a
   * register read of v whose only possible writer is one crashed write of v), as op index -> time.
   * A window of the history that starts after that time leaves the op out: it took effect before.
   */
  mustTakeEffectBy?(operations: readonly Operation<Input, Output>[]): ReadonlyMap<number, number>;
}

/** A model of any type, as registries and checkers hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any>;
