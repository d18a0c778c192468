// The workload contract: a partial test made of a client, generators and a checker.
import { OpFailure } from './db-contract.js';
import type { Gen } from './generator.js';
import type { Op } from './op.js';

/** How a client says an op ended. */
export interface ClientResult {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: string;
}

/** A connection for one process to one node. It performs one op at a time. */
export interface Client {
  invoke(op: Op): Promise<ClientResult>;
  close(): Promise<void>;
}

export interface Workload {
  readonly name: string;
  /** Client ops for the main phase (the run wraps it in its time limit). */
  generator: Gen;
  /**
   * Client ops after every fault is healed, e.g. final reads of every key the run touched. The
   * history is streamed from disk: take what you need (the keys) in one pass, keep no ops.
   */
  finalGenerator?(history: Iterable<Op>): Gen;
  /** Opens a client for a process bound to `node`. */
  open(node: string): Promise<Client>;
}

/** Seconds the set, counter, bank and session workloads wait after healing before their final reads (anti-entropy rounds, a deposed primary rejoining). */
export const FINAL_QUIESCE_S = 5;

/** What every workload factory may use. */
export interface WorkloadOptions {
  nodes: readonly string[];
  concurrency: number;
  /** Target client ops per second over all processes. */
  rate: number;
}

/**
 * The completion of an op whose client threw. A definite OpFailure certainly did not happen:
 * `fail`. So is a read-only op (it changes nothing, happened or not). Anything else may have
 * taken effect: `info`.
 */
export function failedResult(op: Op, err: unknown, readOnly: boolean): ClientResult {
  const definite = err instanceof OpFailure && err.definite;
  return { type: definite || readOnly ? 'fail' : 'info', value: op.value, error: err instanceof Error ? err.message : String(err) };
}
