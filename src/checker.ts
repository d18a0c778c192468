// The checker contract: a pure function from a finished history to a result, and how results compose.
import type { History } from './op.js';

/** false beats "unknown" beats true. */
export type Validity = true | false | 'unknown';

/** A checker's verdict plus whatever evidence it wants the report to show. */
export interface CheckResult {
  valid: Validity;
  /** A one-line human summary, shown first in reports and on the console. */
  summary?: string;
  error?: string;
  [detail: string]: unknown;
}

/** What a checker may know about the run besides the history. */
export interface CheckContext {
  /** The resolved test spec (plain data). */
  test?: Record<string, unknown>;
  /** Wall-clock budget for expensive searches, in milliseconds. */
  timeoutMs?: number;
}

export type Checker = (history: History, ctx: CheckContext) => CheckResult | Promise<CheckResult>;

/** Merges validities: false > unknown > true. */
export function mergeValidity(validities: Iterable<Validity>): Validity {
  let merged: Validity = true;
  for (const v of validities) {
    if (v === false) return false;
    if (v === 'unknown') merged = 'unknown';
  }
  return merged;
}

/** Runs a checker, turning a throw into an `unknown` result that carries the error. */
export async function runChecker(checker: Checker, history: History, ctx: CheckContext): Promise<CheckResult> {
  try {
    return await checker(history, ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { valid: 'unknown', error: message, summary: `checker crashed: ${message}` };
  }
}

/** Composes named checkers into one whose result holds each sub-result under its name. */
export function composeCheckers(checkers: Record<string, Checker>): Checker {
  return async (history, ctx) => {
    const results: Record<string, CheckResult> = {};
    for (const [name, checker] of Object.entries(checkers)) {
      results[name] = await runChecker(checker, history, ctx);
    }
    return { valid: mergeValidity(Object.values(results).map((r) => r.valid)), results };
  };
}

/** An op as a witness shows it: where it sits in the history and what it did. */
export interface WitnessOp {
  /** Index of the invocation in the history. */
  index: number;
  process: number | string;
  f: string;
  /** The invocation's value (what was asked). */
  value: unknown;
  /** The completion's value or "unknown" for an op that never returned definitely. */
  result: unknown;
  /** Invocation time and completion time in ns (end null when it never completed definitely). */
  start: number;
  end: number | null;
  node?: string;
  /** Human text, e.g. "read k3 -> 4" or "cas k3 1->2 (unknown)". */
  description: string;
}

/**
 * Why a (sub)history is not linearizable: the longest linearizable prefix found, the state it
 * leads to, and the ops that could not be linearized next, each with the reason.
 */
export interface LinearizabilityFailure {
  key?: unknown;
  linearized: { op: WitnessOp; stateAfter: string }[];
  state: string;
  stuck: { op: WitnessOp; reason: string }[];
}
