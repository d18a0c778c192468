// Turns a failed search into a LinearizabilityFailure: the longest linearizable prefix found, the
// state it leads to, and why each op that had to come next could not.
import type { LinearizabilityFailure, WitnessOp } from '../../src/checker.js';
import type { PartitionResult } from './check-operations.js';
import { ILLEGAL, UNKNOWN, type Model, type Operation } from './model.js';

/** How many stuck ops a failure lists at most. */
const maxStuck = 10;

/** Builds a WitnessOp for an operation, given its description. */
export type WitnessOf<Input, Output> = (op: Operation<Input, Output>, description: string) => WitnessOp;

/** The model's text for an op, with the key inserted after the function name when there is one. */
function describeOp<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>, key?: unknown): string {
  const text = model.describeOperation?.(op.input, op.output) ?? `${JSON.stringify(op.input)} -> ${op.output === UNKNOWN ? 'unknown' : JSON.stringify(op.output)}`;
  return withKey(text, key);
}

/** "read -> 4" with key 3 becomes "read k3 -> 4". */
export function withKey(text: string, key: unknown): string {
  if (key === undefined) return text;
  const shown = typeof key === 'number' || (typeof key === 'string' && /^[\w.-]+$/.test(key)) ? String(key) : JSON.stringify(key);
  const space = text.indexOf(' ');
  return space < 0 ? `${text} k${shown}` : `${text.slice(0, space)} k${shown}${text.slice(space)}`;
}

/** The model's text for a state. */
function describeState<S>(model: Model<S, unknown, unknown>, state: S): string {
  return model.describeState?.(state) ?? (typeof state === 'string' ? state : JSON.stringify(state));
}

/** Explains an illegal partition in faultline's witness terms. */
export function explainFailure<S, I, O>(model: Model<S, I, O>, result: PartitionResult<S, I, O>, witnessOf: WitnessOf<I, O>, key?: unknown): LinearizabilityFailure {
  const ops = result.operations;
  const showState = (state: S): string => describeState(model as Model<S, unknown, unknown>, state);
  const linearized = result.path.map(({ op, stateAfter }) => ({
    op: witnessOf(ops[op]!, describeOp(model, ops[op]!, key)),
    stateAfter: showState(stateAfter),
  }));
  const state = showState(result.state);
  const [blocking, ...others] = result.stuck;
  const candidates = [
    ...(blocking === undefined ? [] : [blocking]),
    ...others.filter((i) => ops[i]!.output !== UNKNOWN),
  ].slice(0, maxStuck);
  const stuck = candidates.map((i) => {
    const op = ops[i]!;
    const description = describeOp(model, op, key);
    const next = model.step(result.state, op.input, op.output);
    let reason: string;
    if (next === ILLEGAL) {
      reason = withKey(model.explainIllegal?.(result.state, op.input, op.output) ?? `${description} is illegal in state ${state}`, key);
    } else {
      reason = `${description} would leave ${showState(next)}, from which the ops that must follow cannot all be linearized`;
    }
    return { op: witnessOf(op, description), reason };
  });
  const failure: LinearizabilityFailure = { linearized, state, stuck };
  if (key !== undefined) failure.key = key;
  return failure;
}
