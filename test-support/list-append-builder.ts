// Hand-made list-append histories for tests: a transaction is a list of micro-ops with reads filled
// in; its invocation gets the same micro-ops with reads blanked, as a client would send them.
import type { HistoryBuilder } from './history-builder.js';
import type { Process } from '../src/op.js';

type Mop = ['append', unknown, unknown] | ['r', unknown, unknown[] | null];

/** Any micro-op [f, k, v]: the transaction helpers below serve rw-register histories too. */
type AnyMop = readonly [string, unknown, unknown];

/** append k v */
export const append = (key: unknown, value: unknown): Mop => ['append', key, value];
/** r k -> list */
export const read = (key: unknown, list: unknown[]): Mop => ['r', key, list];

/** Invokes a transaction on `process` (reads blanked). */
export function begin(h: HistoryBuilder, process: Process, mops: readonly AnyMop[]): HistoryBuilder {
  return h.invoke(process, 'txn', mops.map(([f, k, v]) => (f === 'r' ? ['r', k, null] : [f, k, v])));
}

/** Completes the process's transaction: ok with the filled-in micro-ops, or fail/info with the invocation's. */
export function end(h: HistoryBuilder, process: Process, mops: readonly AnyMop[], type: 'ok' | 'fail' | 'info' = 'ok'): HistoryBuilder {
  return type === 'ok' ? h.ok(process, mops) : h.complete(process, type);
}

/** A whole transaction, invoked and completed at once. */
export function txn(h: HistoryBuilder, process: Process, mops: readonly AnyMop[], type: 'ok' | 'fail' | 'info' = 'ok'): HistoryBuilder {
  return end(begin(h, process, mops), process, mops, type);
}
