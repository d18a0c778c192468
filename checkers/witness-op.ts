// Ops as the consistency checkers show them in their evidence: one shape (WitnessOp) for every
// witness, so the report renders set, counter, bank, session and cycle evidence alike.
import type { WitnessOp } from '../src/checker.js';
import type { Op } from '../src/op.js';

/** A witness for an invocation and its completion (undefined when the history ended first). */
export function witnessOp(invoke: Op, complete: Op | undefined, description: string): WitnessOp {
  const definite = complete !== undefined && complete.type !== 'info';
  const witness: WitnessOp = {
    index: invoke.index,
    process: invoke.process,
    f: invoke.f,
    value: invoke.value,
    result: definite ? complete.value : 'unknown',
    start: invoke.time,
    end: definite ? complete.time : null,
    description,
  };
  const node = complete?.node ?? invoke.node;
  if (node !== undefined) witness.node = node;
  return witness;
}

/** Short JSON for values in explanations, cut at `max` characters. */
export function showValue(value: unknown, max = 80): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text;
}

/** Milliseconds between two op times (ns), rounded to microseconds. */
export function elapsedMs(fromNs: number, toNs: number): number {
  return Math.round((toNs - fromNs) / 1e3) / 1e3;
}
