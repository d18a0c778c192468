// Delta debugging (Zeller and Hildebrandt's ddmin): the smallest subset of units a test still
// holds for that it can find by removing chunks, halving the chunk size when no chunk can go.
// Without a budget running out, the result is 1-minimal: removing any single unit breaks the test.

/** How much work shrinking may do; `calls` counts the tests made so far, over every ddmin sharing it. */
export interface ShrinkBudget {
  /** performance.now() past which no further test is started. */
  deadlineAt: number;
  maxCalls: number;
  calls: number;
}

export interface DdminOutcome<T> {
  kept: T[];
  /** The budget ran out before the search ended: `kept` still passes the test but may not be 1-minimal. */
  exhausted: boolean;
}

/** True when no further test may start. */
export function budgetSpent(budget: ShrinkBudget): boolean {
  return budget.calls >= budget.maxCalls || performance.now() >= budget.deadlineAt;
}

/**
 * Shrinks `units` (for which `test` holds; it is not asked again) to a subset `test` still holds
 * for. Each distinct subset is tested at most once. `onReduced` hears the size after each reduction.
 */
export async function ddmin<T>(
  units: readonly T[],
  test: (subset: readonly T[]) => boolean | Promise<boolean>,
  budget: ShrinkBudget,
  onReduced?: (size: number) => void,
): Promise<DdminOutcome<T>> {
  let current = units.map((_, i) => i);
  const tested = new Map<string, boolean>();
  let exhausted = false;
  const holdsFor = async (subset: readonly number[]): Promise<boolean> => {
    const key = subset.join(',');
    const known = tested.get(key);
    if (known !== undefined) return known;
    if (budgetSpent(budget)) {
      exhausted = true;
      return false;
    }
    budget.calls++;
    const holds = await test(subset.map((i) => units[i] as T));
    tested.set(key, holds);
    return holds;
  };

  let n = 2;
  while (current.length >= 2 && !exhausted) {
    const chunks = split(current, n);
    let reduced: number[] | undefined;
    for (const chunk of chunks) {
      if (await holdsFor(chunk)) {
        reduced = chunk;
        n = 2;
        break;
      }
      if (exhausted) break;
    }
    // With two chunks each complement is the other chunk, tested just above.
    if (reduced === undefined && !exhausted && n > 2) {
      for (let i = 0; i < chunks.length && !exhausted; i++) {
        const complement = chunks.flatMap((c, j) => (j === i ? [] : c));
        if (await holdsFor(complement)) {
          reduced = complement;
          n = Math.max(n - 1, 2);
          break;
        }
      }
    }
    if (exhausted) break;
    if (reduced !== undefined) {
      current = reduced;
      onReduced?.(current.length);
      continue;
    }
    if (n >= current.length) break;
    n = Math.min(2 * n, current.length);
  }
  if (current.length === 1 && !exhausted && (await holdsFor([]))) current = [];
  return { kept: current.map((i) => units[i] as T), exhausted };
}

/** `items` cut into `n` chunks of nearly equal size, in order. */
function split<T>(items: readonly T[], n: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    chunks.push(items.slice(start, end));
    start = end;
  }
  return chunks.filter((c) => c.length > 0);
}
