// Which reads are final: the reads a workload makes after healing every fault and waiting for the
// system to quiesce. Checkers that judge the end state (set, convergence) look only at these.
import type { History } from '../src/op.js';

/**
 * Where final reads begin: a time in ns (reads invoked at or after it), or `after-last-fault`:
 * reads invoked after the last nemesis op (every read when the history has no nemesis op).
 */
export type FinalFrom = number | 'after-last-fault';

/** The history position from which invocations count as final, for `finalFrom`. */
export function finalPosition(history: History, finalFrom: FinalFrom): number {
  if (finalFrom === 'after-last-fault') {
    for (let i = history.length - 1; i >= 0; i--) if (history[i]!.process === 'nemesis') return i + 1;
    return 0;
  }
  if (typeof finalFrom !== 'number' || !Number.isFinite(finalFrom)) {
    throw new Error(`finalFrom ${JSON.stringify(finalFrom)} is not a time; expected nanoseconds since the test started or "after-last-fault"`);
  }
  const at = history.findIndex((op) => op.time >= finalFrom);
  return at < 0 ? history.length : at;
}
