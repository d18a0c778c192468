// When a crashed op stops mattering. An op whose output is unknown may take effect at any instant
// after its call, or never. Placing it after every op that could observe its effect changes nothing
// anyone sees, so "never" is as good: the search may drop it at that point (its deadline) instead of
// carrying it to the end of the history. This keeps the search's frontier small on long histories.
//
// Why it is sound: take any legal order and, repeatedly, the last op placed after its deadline.
// Nothing after it observes its effect (definite observers returned before the deadline; crashed
// observers have earlier deadlines and would be later "late" ops), so deleting it, together with the
// crashed no-ops after it, leaves a legal order. Ends with no op placed after its deadline.
import { UNKNOWN, type Operation } from './model.js';

/**
 * For each op, the time by which the search must have placed it: its return for definite ops; for
 * crashed ops the last return among its observers (Infinity without a `crashObservers` answer,
 * -Infinity when nothing can observe it, meaning drop it up front).
 */
export function crashDeadlines<I, O>(
  operations: readonly Operation<I, O>[],
  observers: readonly (readonly number[] | undefined)[] | undefined,
  deadline: Float64Array = new Float64Array(operations.length),
): Float64Array {
  const n = operations.length;
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    const op = operations[i]!;
    if (op.output !== UNKNOWN) deadline[i] = op.return;
    else if (observers?.[i] === undefined) deadline[i] = Infinity;
    else {
      deadline[i] = -Infinity;
      open.push(i);
    }
  }
  // Definite observers give a fixed bound; crashed ones pass theirs on, to a fixpoint.
  const summaries = new Map<readonly number[], { maxReturn: number; crashed: number[] }>();
  const summarise = (list: readonly number[]) => {
    let summary = summaries.get(list);
    if (!summary) {
      let maxReturn = -Infinity;
      const crashed: number[] = [];
      for (const o of list) {
        const observer = operations[o]!;
        if (observer.output === UNKNOWN) crashed.push(o);
        else if (observer.return > maxReturn) maxReturn = observer.return;
      }
      summary = { maxReturn, crashed };
      summaries.set(list, summary);
    }
    return summary;
  };
  for (const i of open) {
    const { maxReturn } = summarise(observers![i]!);
    if (maxReturn > operations[i]!.call) deadline[i] = maxReturn;
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const i of open) {
      const call = operations[i]!.call;
      for (const o of summarise(observers![i]!).crashed) {
        const d = deadline[o]!;
        if (o !== i && d > call && d > deadline[i]!) {
          deadline[i] = d;
          changed = true;
        }
      }
    }
  }
  return deadline;
}
