// Operations and histories: the vocabulary every part of faultline shares (DESIGN.md §2).

/** `invoke` starts an op; exactly one of `ok` (happened), `fail` (certainly did not), `info` (unknown) ends it. */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** A logical client thread number, or the nemesis. */
export type Process = number | 'nemesis';

/**
 * One event of a history. `time` is monotonic nanoseconds since the test started; `index` is the
 * position in the history. A completion carries the same `process` and `f` as its invocation.
 */
export interface Op {
  index: number;
  time: number;
  process: Process;
  type: OpType;
  f: string;
  value: unknown;
  node?: string;
  error?: string;
}

/** An op as a generator or client produces it, before the interpreter stamps index and time. */
export type OpDraft = Omit<Op, 'index' | 'time'> & { index?: number; time?: number };

export type History = readonly Op[];

/** True for the completion types ok, fail and info. */
export function isCompletion(op: Pick<Op, 'type'>): boolean {
  return op.type !== 'invoke';
}

/** True when the op was issued by a client process rather than the nemesis. */
export function isClientOp(op: Pick<Op, 'process'>): boolean {
  return op.process !== 'nemesis';
}

/** An invocation paired with its completion; `complete` is undefined when the history ended first. */
export interface OpPair {
  invoke: Op;
  complete: Op | undefined;
}

/**
 * Pairs each invocation with the next completion of the same process. Throws on a completion
 * without an open invocation, naming the op: a history like that is malformed.
 */
export function pairOps(history: History): OpPair[] {
  const open = new Map<Process, OpPair>();
  const pairs: OpPair[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      const pending = open.get(op.process);
      if (pending) {
        throw new Error(`op ${op.index}: process ${String(op.process)} invoked ${op.f} while op ${pending.invoke.index} (f=${pending.invoke.f}) is still open`);
      }
      const pair: OpPair = { invoke: op, complete: undefined };
      open.set(op.process, pair);
      pairs.push(pair);
    } else {
      const pair = open.get(op.process);
      if (!pair) {
        throw new Error(`op ${op.index}: process ${String(op.process)} completed ${op.f} with type "${op.type}" but has no open invocation`);
      }
      pair.complete = op;
      open.delete(op.process);
    }
  }
  return pairs;
}
