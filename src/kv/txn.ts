// Transactions of the bundled store: micro-ops over several keys, applied atomically and in order,
// optionally guarded by compares (etcd's Txn without the else branch: if every compare holds, do the
// ops; otherwise change nothing and answer txn-aborted). This file holds their shape and parsing;
// kv-state.ts applies them.
import type { Json, KvRequest, KvRequestId } from './protocol.js';

/** A micro-op: read a key, write it, append to the list it holds, add to the number it holds. */
export type TxnMicroOp = ['r', string, null] | ['w', string, Json] | ['append', string, Json] | ['add', string, number];

/** A micro-op as answered: a read carries the value it read (null when absent); the others echo themselves. */
export type TxnResult = [f: TxnMicroOp[0], key: string, value: Json];

export const TXN_COMPARES = ['=', '!=', '<', '<=', '>', '>='] as const;

/**
 * A guard on a key's value when the txn is applied. `=` and `!=` compare by JSON equality (null
 * matches an absent key); the ordering compares hold only between numbers (an absent key or any
 * other value makes them false).
 */
export type TxnCompare = [cmp: (typeof TXN_COMPARES)[number], key: string, value: Json];

/** The most micro-ops (and compares) one txn may carry. */
export const MAX_TXN_OPS = 1000;

const MICRO_OP_SHAPE = '["r", key, null] | ["w", key, value] | ["append", key, value] | ["add", key, integer]';

/** True when a txn only reads: it changes nothing, so a node may serve it like a read. */
export function isReadOnlyTxn(ops: readonly TxnMicroOp[]): boolean {
  return ops.every((m) => m[0] === 'r');
}

/** Parses the fields of a txn request; on failure says which micro-op or compare is wrong and why. */
export function parseTxn(id: KvRequestId, r: Record<string, unknown>): { request: KvRequest } | { id: KvRequestId; problem: string } {
  const at = `request ${id} (op txn)`;
  if (!Array.isArray(r.ops) || r.ops.length === 0) {
    return { id, problem: `${at} has ops ${show(r.ops)}; expected a non-empty list of micro-ops ${MICRO_OP_SHAPE}` };
  }
  if (r.ops.length > MAX_TXN_OPS) return { id, problem: `${at} has ${r.ops.length} micro-ops; expected at most ${MAX_TXN_OPS}` };
  for (let i = 0; i < r.ops.length; i++) {
    if (!isMicroOp(r.ops[i])) return { id, problem: `${at} has micro-op ${i} ${show(r.ops[i])}; expected ${MICRO_OP_SHAPE}` };
  }
  const request: Extract<KvRequest, { op: 'txn' }> = { id, op: 'txn', ops: r.ops as TxnMicroOp[] };
  if (r.if === undefined) return { request };
  if (!Array.isArray(r.if) || r.if.length > MAX_TXN_OPS) {
    return { id, problem: `${at} has "if" ${show(r.if)}; expected a list of at most ${MAX_TXN_OPS} compares like ["=", key, value]` };
  }
  for (let i = 0; i < r.if.length; i++) {
    if (!isCompare(r.if[i])) return { id, problem: `${at} has compare ${i} ${show(r.if[i])}; expected [cmp, key, value] with cmp ${TXN_COMPARES.join(' | ')}` };
  }
  request.if = r.if as TxnCompare[];
  return { request };
}

function isMicroOp(m: unknown): m is TxnMicroOp {
  if (!Array.isArray(m) || m.length !== 3 || typeof m[1] !== 'string' || m[2] === undefined) return false;
  switch (m[0]) {
    case 'r':
      return m[2] === null;
    case 'w':
    case 'append':
      return true;
    case 'add':
      return typeof m[2] === 'number' && Number.isSafeInteger(m[2]);
    default:
      return false;
  }
}

function isCompare(c: unknown): c is TxnCompare {
  return Array.isArray(c) && c.length === 3 && (TXN_COMPARES as readonly unknown[]).includes(c[0]) && typeof c[1] === 'string' && c[2] !== undefined;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
