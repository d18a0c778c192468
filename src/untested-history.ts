// A history in which no client op completed ok tested nothing: every checker would call it valid
// (an empty history is trivially linearizable), so `check` says unknown instead, with the reason.
import type { History } from './op.js';

/** Why checking `history` proves nothing, or undefined when some client op completed ok. */
export function untestedReason(history: History): string | undefined {
  const completed = { fail: 0, info: 0 };
  for (const op of history) {
    if (op.process === 'nemesis' || op.type === 'invoke') continue;
    if (op.type === 'ok') return undefined;
    completed[op.type]++;
  }
  if (history.length === 0) return 'the history has no ops: nothing was tested';
  return `no client op completed ok (${history.length} ops; ${completed.fail} fail, ${completed.info} info): nothing was tested`;
}
