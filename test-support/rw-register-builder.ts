// Hand-made rw-register histories for tests: a transaction is a list of micro-ops with reads filled
// in; its invocation gets the same micro-ops with reads blanked, as a client would send them.
import type { HistoryBuilder } from './history-builder.js';
import type { Process } from '../src/op.js';

type Mop = ['w', unknown, unknown] | ['r', unknown, unknown];

/** w k v */
export const w = (key: unknown, value: unknown): Mop => ['w', key, value];
/** r k -> v (null: never written) */
export const r = (key: unknown, value: unknown): Mop => ['r', key, value];

/** Invokes a transaction on `process` (reads blanked). */
export function begin(h: HistoryBuilder, process: Process, mops: Mop[]): HistoryBuilder {
  return h.invoke(process, 'txn', mops.map(([f, k, v]) => (f === 'r' ? ['r', k, null] : [f, k, v])));
}

/** Completes the process's transaction: ok with the filled-in micro-ops, or fail/info with the invocation's. */
export function end(h: HistoryBuilder, process: Process, mops: Mop[], type: 'ok' | 'fail' | 'info' = 'ok'): HistoryBuilder {
  return type === 'ok' ? h.ok(process, mops) : h.complete(process, type);
}

/** A whole transaction, invoked and completed at once. */
export function txn(h: HistoryBuilder, process: Process, mops: Mop[], type: 'ok' | 'fail' | 'info' = 'ok'): HistoryBuilder {
  return end(begin(h, process, mops), process, mops, type);
}
