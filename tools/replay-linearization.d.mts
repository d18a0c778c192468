// Types of replay-linearization.mjs, for the tests that import it.
export interface ReplayResult {
  /** What makes the witness not a proof; empty when it replayed. */
  problems: string[];
  /** Client ops in the history. */
  ops: number;
  /** Ops placed in the orders. */
  placed: number;
}
export function replay(witness: unknown): ReplayResult;
