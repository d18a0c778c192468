// Runs a single-object checker (set-full, counter) on each key of an independent-keys history:
// ops whose value is [key, x] are split by key and unwrapped to x, and the verdicts merged (false
// beats unknown beats true). Nemesis ops go to every key's history, so fault windows still count.
import { mergeValidity, type Checker, type CheckResult } from '../src/checker.js';
import type { History, Op, Process } from '../src/op.js';

/** A checker that runs `check` on every key's own history. */
export function perKey(check: (history: History) => CheckResult): Checker {
  return (history) => {
    const results = [...splitByKey(history)].map(([key, ops]) => ({ key, result: check(ops) }));
    const valid = mergeValidity(results.map((r) => r.result.valid));
    const worst = results.find((r) => r.result.valid === false) ?? results.find((r) => r.result.valid === 'unknown') ?? results[0];
    const bad = results.filter((r) => r.result.valid !== true);
    return {
      valid,
      summary: worst ? `${results.length} keys, ${bad.length} not valid; ${worst.result.valid === true ? 'e.g.' : 'first:'} key ${worst.key}: ${worst.result.summary ?? ''}` : 'no keys',
      keys: results.length,
      /** Every key's result when there are few, else the ones that are not valid (at most 10). */
      byKey: Object.fromEntries((results.length <= 10 ? results : bad.slice(0, 10)).map((r) => [r.key, r.result])),
    };
  };
}

/** Each key's ops, in history order, values unwrapped; keys in order of first appearance. */
export function splitByKey(history: History): Map<string, Op[]> {
  const byKey = new Map<string, Op[]>();
  const keyOf = new Map<Process, string>();
  const nemesisOps: Op[] = [];
  for (const op of history) {
    if (op.process === 'nemesis') {
      nemesisOps.push(op);
      for (const ops of byKey.values()) ops.push(op);
      continue;
    }
    let key: string | undefined;
    if (op.type === 'invoke') {
      if (!Array.isArray(op.value) || op.value.length !== 2) throw new Error(`op ${op.index}: value ${JSON.stringify(op.value)}; expected [key, value]`);
      key = JSON.stringify(op.value[0]);
      keyOf.set(op.process, key);
    } else {
      key = keyOf.get(op.process);
      keyOf.delete(op.process);
      if (key === undefined) throw new Error(`op ${op.index}: process ${String(op.process)} completed ${op.f} with no open invocation`);
    }
    let ops = byKey.get(key);
    if (!ops) {
      ops = nemesisOps.slice();
      byKey.set(key, ops);
    }
    ops.push({ ...op, value: Array.isArray(op.value) && op.value.length === 2 ? op.value[1] : op.value });
  }
  return byKey;
}
