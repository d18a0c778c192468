// Hand-made rw-register histories for tests: a transaction is a list of micro-ops with reads filled
// in; its invocation gets the same micro-ops with reads blanked, as a client would send them.

type Mop = ['w', unknown, unknown] | ['r', unknown, unknown];

/** w k v */
export const w = (key: unknown, value: unknown): Mop => ['w', key, value];
/** r k -> v (null: never written) */
export const r = (key: unknown, value: unknown): Mop => ['r', key, value];

/** begin, end and txn are list-append's: they serve any micro-ops. */
export { begin, end, txn } from './list-append-builder.js';
