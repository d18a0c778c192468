// From a faultline history to the model's operations, one group per key. Pairs each invocation
// with its process's next completion; drops nemesis ops and ops that completed `fail` (they
// certainly did not happen); an `info` or missing completion makes the output UNKNOWN. Time is the
// position in the history, so real-time order is history order.
import type { WitnessOp } from '../../src/checker.js';
import type { History, Op } from '../../src/op.js';
import { UNKNOWN, type AnyModel, type Operation, type OpView } from './model.js';
import { canonicalValue } from './models/canonical-value.js';
import { witnessOp } from '../witness-op.js';

/** Whether op values are `[key, v]` pairs to split per key; "auto" decides from the history. */
export type Keyed = boolean | 'auto';

/** One key's operations (key undefined for an unkeyed history). */
export interface KeyGroup {
  key: unknown;
  operations: Operation<unknown, unknown>[];
}

export interface HistoryOperations {
  keyed: boolean;
  groups: KeyGroup[];
  /** Client ops in the history (invocations), including those dropped. */
  invocations: number;
  /** The witness for an operation made from this history. */
  witnessOf(op: Operation<unknown, unknown>, description: string): WitnessOp;
}

/** Reads a history into per-key operations of `model`. Throws on malformed pairing, naming the op. */
export function historyOperations(history: History, model: AnyModel, keyed: Keyed = 'auto'): HistoryOperations {
  const completionOf = pairCompletions(history);
  const isKeyed = keyed === 'auto' ? looksKeyed(history) : keyed;
  const groups = new Map<unknown, KeyGroup>();
  let invocations = 0;
  const view: OpView = { f: '', value: undefined, result: undefined, known: false }; // reused: no garbage per op
  for (let i = 0; i < history.length; i++) {
    const invoke = history[i]!;
    if (invoke.type !== 'invoke' || invoke.process === 'nemesis') continue;
    invocations++;
    const c = completionOf[i]!;
    const completion = c < 0 ? undefined : history[c]!;
    if (completion?.type === 'fail') continue;
    const known = completion?.type === 'ok';
    let key: unknown;
    let value = invoke.value;
    let result = known ? completion.value : undefined;
    if (isKeyed) {
      [key, value] = splitKey(invoke, 'invocation');
      if (known) result = splitKey(completion, 'completion')[1];
    }
    view.f = invoke.f;
    view.value = value;
    view.result = result;
    view.known = known;
    if (isKeyed) view.key = key;
    const read = model.fromOp ? model.fromOp(view) : { input: { f: invoke.f, value }, output: known ? result : UNKNOWN };
    if (read === undefined) continue;
    const groupKey = isKeyed ? canonicalValue(key) : undefined;
    let group = groups.get(groupKey);
    if (!group) {
      group = { key, operations: [] };
      groups.set(groupKey, group);
    }
    group.operations.push({ input: read.input, output: read.output, call: i, return: known ? c : Infinity, id: i });
  }
  return {
    keyed: isKeyed,
    groups: [...groups.values()],
    invocations,
    witnessOf(op, description) {
      const invoke = history[op.id]!;
      const c = completionOf[op.id]!;
      const completion = c < 0 ? undefined : history[c];
      const known = op.output !== UNKNOWN && completion !== undefined;
      // An op whose output the search treats as unknown is shown as never having returned.
      return witnessOp(invoke, known ? completion : undefined, description);
    },
  };
}

/** Open invocations by process: an array for small process numbers, a Map for the rest. */
class OpenByProcess {
  private readonly small: number[] = [];
  private readonly other = new Map<number | string, number>();
  get(process: number | string): number | undefined {
    if (typeof process === 'number' && process >= 0 && process < 4096 && Number.isInteger(process)) {
      const at = this.small[process];
      return at === undefined || at < 0 ? undefined : at;
    }
    return this.other.get(process);
  }
  set(process: number | string, at: number): void {
    if (typeof process === 'number' && process >= 0 && process < 4096 && Number.isInteger(process)) {
      while (this.small.length <= process) this.small.push(-1);
      this.small[process] = at;
    } else this.other.set(process, at);
  }
  delete(process: number | string): void {
    this.set(process, -1);
    this.other.delete(process);
  }
}

/** For each invocation's position, the position of its completion, or -1. */
function pairCompletions(history: History): number[] {
  const completionOf = new Array<number>(history.length).fill(-1);
  const open = new OpenByProcess();
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      const pending = open.get(op.process);
      if (pending !== undefined) {
        throw new Error(`op ${op.index}: process ${op.process} invoked ${op.f} while op ${history[pending]!.index} (f=${history[pending]!.f}) is still open; expected one op at a time per process`);
      }
      open.set(op.process, i);
      continue;
    }
    const pending = open.get(op.process);
    if (pending === undefined) {
      if (op.type === 'info') continue; // Knossos' rule: an info with nothing open is ignored
      throw new Error(`op ${op.index}: process ${op.process} completed ${op.f} with type "${op.type}" but has no open invocation`);
    }
    if (history[pending]!.f !== op.f) {
      throw new Error(`op ${op.index}: process ${op.process} completed f="${op.f}" but invoked f="${history[pending]!.f}" at op ${history[pending]!.index}`);
    }
    completionOf[pending] = i;
    open.delete(op.process);
  }
  return completionOf;
}

/**
 * Keyed histories have `[key, v]` values on every client invocation, and a cas there looks like
 * `[k, [from, to]]`; an unkeyed cas `[from, to]` has a scalar second element.
 */
function looksKeyed(history: History): boolean {
  let clientOps = 0;
  for (const op of history) {
    if (op.type !== 'invoke' || op.process === 'nemesis') continue;
    clientOps++;
    if (!Array.isArray(op.value) || op.value.length !== 2) return false;
    if (op.f === 'cas' && !Array.isArray(op.value[1])) return false;
  }
  return clientOps > 0;
}

function splitKey(op: Op, what: string): [unknown, unknown] {
  if (!Array.isArray(op.value) || op.value.length !== 2) {
    throw new Error(`op ${op.index}: expected a ${what} value [key, v] in a keyed history, got ${JSON.stringify(op.value)}`);
  }
  return [op.value[0], op.value[1]];
}
