// The `mutex` model: acquire on a free lock takes it, release on a held lock frees it; anything else
// is illegal. Ops carry no values.
import { ILLEGAL, UNKNOWN, type Model, type Operation, type OpView } from '../model.js';
import { describeBadOp } from './canonical-value.js';

export type MutexInput = { f: 'acquire' | 'release' };

export interface MutexOptions {
  /** Whether the lock starts held; free by default. */
  held?: boolean;
}

/** A lock. The state is true while held. */
export function mutexModel(options: MutexOptions = {}): Model<boolean, MutexInput, null> {
  const initial = options.held ?? false;
  const showState = (held: boolean): string => (held ? 'held' : 'free');
  return {
    name: 'mutex',
    init: () => initial,
    step(held, input) {
      if (input.f === 'acquire') return held ? ILLEGAL : true;
      return held ? false : ILLEGAL;
    },
    fromOp(op: OpView) {
      if (op.f !== 'acquire' && op.f !== 'release') throw new Error(describeBadOp('mutex', op.f, op.value, 'acquire | release'));
      return { input: { f: op.f }, output: op.known ? null : UNKNOWN };
    },
    describeOperation: (input, output) => `${input.f}${output === UNKNOWN ? ' (unknown)' : ''}`,
    describeState: showState,
    explainIllegal: (held, input) => `${input.f} succeeded but the lock was ${showState(held)}`,
    crashedOpsDefer: true,
    crashObservers(operations: readonly Operation<MutexInput, null>[]) {
      // An acquire is seen by the releases after it, a release by the acquires after it.
      const acquires: number[] = [];
      const releases: number[] = [];
      operations.forEach((op, i) => (op.input.f === 'acquire' ? acquires : releases).push(i));
      return operations.map((op) => (op.output !== UNKNOWN ? undefined : op.input.f === 'acquire' ? releases : acquires));
    },
  };
}
