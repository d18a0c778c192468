// The transactions of a list-append or rw-register history, as parallel arrays indexed by transaction number:
//
//   list-append  { f: 'txn', value: [['append', k, v], ['r', k, null]] }
//     -> ok   [['append', k, v], ['r', k, [v1, v2, ...]]]   (reads filled in; a key never written reads [])
//   rw-register  { f: 'txn', value: [['w', k, v], ['r', k, null]] }
//     -> ok   [['w', k, v], ['r', k, v]]                     (a key never written reads null)
//   either -> fail (did not happen) | info (may or may not have happened; its reads are unknown)
//
// Written values must be unique per key. For lists the order of a key's appends is then encoded in
// every read of it (see version-orders.ts); for registers a read names its writer, and the version
// order is inferred from weaker evidence (see register-versions.ts).
import type { History, Op } from '../../src/op.js';
import { ValueTable } from './value-table.js';

/** A micro-op: an append of a value to a key's list, a write of a register, or a read of either. */
export type MicroOp = readonly [f: 'append' | 'w' | 'r', key: unknown, value: unknown];

/** Which micro-ops a history's transactions hold. */
export type TxnKind = 'list-append' | 'rw-register';

export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

export interface Transactions {
  kind: TxnKind;
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
  /** The same process's previous transaction (-1 for none): process order. */
  processPrevious: Int32Array;
  /** Micro-op m of transaction t is number mopStart[t] + m; mopKey holds its key's id. */
  mopStart: Int32Array;
  mopKey: Int32Array;
  /** Keys by id, as the history gave them, and ids by normalised key (see `normaliseKey`). */
  keys: unknown[];
  keyIdOf: ValueTable;
  /** How many append (or write) micro-ops ok and info transactions have, and how many reads ok ones have. */
  committedWrites: number;
  okReads: number;
}

/** Keys and values compare by identity for primitives and by JSON text otherwise. */
export function normaliseKey(x: unknown): unknown {
  return typeof x === 'object' && x !== null ? `\u0000${JSON.stringify(x)}` : x;
}

/** Collects the transactions (ops with f = `f`) of a history; throws naming the first malformed op. */
export function collectTransactions(history: History, f = 'txn', kind: TxnKind = 'list-append'): Transactions {
  const write = kind === 'list-append' ? 'append' : 'w';
  const invoke: Op[] = [];
  const complete: (Op | undefined)[] = [];
  // Process -> its open op (t + 1 for a transaction, 0 for another op) and its last transaction.
  const open = new ValueTable();
  const lastOf = new ValueTable();
  const invokeAt: number[] = [];
  const completeAt: number[] = [];
  const processPrevious: number[] = [];
  for (let at = 0; at < history.length; at++) {
    const op = history[at]!;
    const process = op.process;
    if (process === 'nemesis') continue;
    if (op.type === 'invoke') {
      if (open.has(process)) throw new Error(`op ${op.index}: process ${String(process)} invoked ${op.f} while another of its ops is still open`);
      if (op.f !== f) {
        open.set(process, 0);
        continue;
      }
      const t = invoke.length;
      open.set(process, t + 1);
      processPrevious.push(lastOf.get(process) ?? -1);
      lastOf.set(process, t);
      invoke.push(op);
      complete.push(undefined);
      invokeAt.push(at);
      completeAt.push(-1);
    } else {
      const opened = open.get(process);
      if (opened === undefined) throw new Error(`op ${op.index}: process ${String(process)} completed ${op.f} with type "${op.type}" but has no open invocation`);
      open.delete(process);
      if (opened === 0) continue;
      const t = opened - 1;
      complete[t] = op;
      completeAt[t] = at;
    }
  }
  const count = invoke.length;
  const status = new Uint8Array(count);
  const mops: MicroOp[][] = new Array(count);
  const mopStart = new Int32Array(count + 1);
  for (let t = 0; t < count; t++) {
    const done = complete[t];
    status[t] = done?.type === 'ok' ? OK : done?.type === 'fail' ? FAIL : INFO;
    const source = status[t] === OK ? done! : invoke[t]!;
    const value = source.value;
    if (!Array.isArray(value)) throw new Error(`op ${source.index}: txn value ${show(value)}; expected a list of micro-ops ${SHAPES[kind]}`);
    mops[t] = value as MicroOp[];
    mopStart[t + 1] = mopStart[t]! + value.length;
  }
  // One pass over the micro-ops: check their shape, number their keys, count appends and reads.
  const keys: unknown[] = [];
  const keyIdOf = new ValueTable();
  const mopKey = new Int32Array(mopStart[count]!);
  let committedWrites = 0;
  let okReads = 0;
  for (let t = 0, i = 0; t < count; t++) {
    const list = mops[t]!;
    const state = status[t];
    for (let m = 0; m < list.length; m++, i++) {
      const mop = list[m] as unknown;
      if (!Array.isArray(mop) || mop.length !== 3 || (mop[0] !== write && mop[0] !== 'r')) {
        throw new Error(`op ${sourceOf(t).index}: micro-op ${show(mop)}; expected ["${write}", k, v] or ["r", k, v]`);
      }
      if (mop[0] === write) {
        if (state !== FAIL) committedWrites++;
      } else if (state === OK) {
        if (kind === 'list-append' && mop[2] !== null && !Array.isArray(mop[2])) throw new Error(`op ${sourceOf(t).index}: read ${show(mop)} returned ${show(mop[2])}; expected the list it read, e.g. [1, 2]`);
        okReads++;
      }
      const key = mop[1] as unknown;
      const k = typeof key === 'object' && key !== null ? normaliseKey(key) : key;
      let id = keyIdOf.get(k);
      if (id === undefined) {
        id = keys.push(key) - 1;
        keyIdOf.set(k, id);
      }
      mopKey[i] = id;
    }
  }
  function sourceOf(t: number): Op {
    return status[t] === OK ? complete[t]! : invoke[t]!;
  }
  return {
    kind, count, invoke, complete, status, mops, invokeAt: new Int32Array(invokeAt), completeAt: new Int32Array(completeAt),
    processPrevious: new Int32Array(processPrevious), mopStart, mopKey, keys, keyIdOf, committedWrites, okReads,
  };
}

const SHAPES: Record<TxnKind, string> = { 'list-append': `[["append", k, v] | ["r", k, [v...]], ...]`, 'rw-register': `[["w", k, v] | ["r", k, v], ...]` };

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}
