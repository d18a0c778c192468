// The transactions of a list-append history, as parallel arrays indexed by transaction number:
//
//   { f: 'txn', value: [['append', k, v], ['r', k, null]] }
//     -> ok   [['append', k, v], ['r', k, [v1, v2, ...]]]   (reads filled in; a key never written reads [])
//     -> fail (did not happen) | info (may or may not have happened; its reads are unknown)
//
// Appended values must be unique per key: the order of a key's appends is then encoded in every
// read of it, which is what lets the checker infer the version order (see version-orders.ts).
import type { History, Op, Process } from '../../src/op.js';

/** A micro-op: an append of a value to a key's list, or a read of the whole list. */
export type MicroOp = readonly [f: 'append' | 'r', key: unknown, value: unknown];

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

export interface Transactions {
  count: number;
  invoke: Op[];
  /** undefined when the history ended before the transaction completed (treated as info). */
  complete: (Op | undefined)[];
  /** OK, INFO or FAIL. */
  status: Uint8Array;
  /** The completion's micro-ops for ok transactions, the invocation's otherwise. */
  mops: MicroOp[][];
  /** Positions in the history; completeAt is -1 when the transaction never completed. */
  invokeAt: Int32Array;
  completeAt: Int32Array;
}

/** Collects the transactions (ops with f = `f`) of a history; throws naming the first malformed op. */
export function collectTransactions(history: History, f = 'txn'): Transactions {
  const invoke: Op[] = [];
  const complete: (Op | undefined)[] = [];
  const open = new Map<Process, number>();
  const invokeAt: number[] = [];
  const completeAt: number[] = [];
  for (let at = 0; at < history.length; at++) {
    const op = history[at]!;
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      if (open.has(op.process)) throw new Error(`op ${op.index}: process ${String(op.process)} invoked ${op.f} while another of its ops is still open`);
      if (op.f !== f) {
        open.set(op.process, -1);
        continue;
      }
      open.set(op.process, invoke.length);
      invoke.push(op);
      complete.push(undefined);
      invokeAt.push(at);
      completeAt.push(-1);
    } else {
      const t = open.get(op.process);
      if (t === undefined) throw new Error(`op ${op.index}: process ${String(op.process)} completed ${op.f} with type "${op.type}" but has no open invocation`);
      open.delete(op.process);
      if (t < 0) continue;
      complete[t] = op;
      completeAt[t] = at;
    }
  }
  const count = invoke.length;
  const status = new Uint8Array(count);
  const mops: MicroOp[][] = new Array(count);
  for (let t = 0; t < count; t++) {
    const done = complete[t];
    status[t] = done?.type === 'ok' ? OK : done?.type === 'fail' ? FAIL : INFO;
    const source = status[t] === OK ? done! : invoke[t]!;
    mops[t] = checkedMicroOps(source, status[t] === OK);
  }
  return { count, invoke, complete, status, mops, invokeAt: Int32Array.from(invokeAt), completeAt: Int32Array.from(completeAt) };
}

const SHAPE = `[["append", k, v] | ["r", k, [v...]], ...]`;

function checkedMicroOps(op: Op, readsKnown: boolean): MicroOp[] {
  const value = op.value;
  if (!Array.isArray(value)) throw new Error(`op ${op.index}: txn value ${show(value)}; expected a list of micro-ops ${SHAPE}`);
  for (const mop of value as unknown[]) {
    if (!Array.isArray(mop) || mop.length !== 3 || (mop[0] !== 'append' && mop[0] !== 'r')) {
      throw new Error(`op ${op.index}: micro-op ${show(mop)}; expected ["append", k, v] or ["r", k, v]`);
    }
    if (readsKnown && mop[0] === 'r' && mop[2] !== null && !Array.isArray(mop[2])) {
      throw new Error(`op ${op.index}: read ${show(mop)} returned ${show(mop[2])}; expected the list it read, e.g. [1, 2]`);
    }
  }
  return value as MicroOp[];
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}
