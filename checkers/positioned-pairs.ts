// Client ops paired with their completions, remembering where each half sits in the history, so
// checkers can order ops by "completed before invoked" without trusting times to be distinct.
import type { History, Op, Process } from '../src/op.js';

/** An invocation, its completion, and their positions in the history. */
export interface PositionedPair {
  invoke: Op;
  /** undefined when the history ended first (treated like info). */
  complete: Op | undefined;
  invokeAt: number;
  /** Infinity when the op never completed. */
  completeAt: number;
}

/** Whether the op certainly happened (ok), certainly did not (fail), or may have (info or open). */
export function outcomeOf(pair: PositionedPair): 'ok' | 'fail' | 'info' {
  const type = pair.complete?.type;
  return type === 'ok' || type === 'fail' ? type : 'info';
}

/**
 * Pairs the client ops of a history (nemesis ops are skipped), keeping only those whose f is in
 * `fs` when given. Throws on a completion without an open invocation, naming the op.
 */
export function positionedPairs(history: History, fs?: readonly string[]): PositionedPair[] {
  const open = new Map<Process, PositionedPair>();
  const pairs: PositionedPair[] = [];
  for (let at = 0; at < history.length; at++) {
    const op = history[at]!;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      const pending = open.get(op.process);
      if (pending) {
        throw new Error(`op ${op.index}: process ${String(op.process)} invoked ${op.f} while op ${pending.invoke.index} (f=${pending.invoke.f}) is still open`);
      }
      const pair: PositionedPair = { invoke: op, complete: undefined, invokeAt: at, completeAt: Infinity };
      open.set(op.process, pair);
      if (fs === undefined || fs.includes(op.f)) pairs.push(pair);
    } else {
      const pair = open.get(op.process);
      if (!pair) throw new Error(`op ${op.index}: process ${String(op.process)} completed ${op.f} with type "${op.type}" but has no open invocation`);
      pair.complete = op;
      pair.completeAt = at;
      open.delete(op.process);
    }
  }
  return pairs;
}
