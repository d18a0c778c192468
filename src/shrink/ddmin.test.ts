// ddmin on synthetic predicates: what it keeps still passes, and without the budget running out no
// single unit of it can go; with a budget it stops in time and says so.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddmin, type ShrinkBudget } from './ddmin.js';

const unlimited = (): ShrinkBudget => ({ deadlineAt: Infinity, maxCalls: Infinity, calls: 0 });

/** Predicates over subsets of 0..n-1: "holds some core whole" (monotone) or that, and an odd-size rule (not monotone). */
const predicates = fc
  .record({
    n: fc.integer({ min: 1, max: 40 }),
    cores: fc.array(fc.uniqueArray(fc.nat(39), { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
    parity: fc.boolean(),
  })
  .map(({ n, cores, parity }) => {
    const inRange = cores.map((core) => core.filter((u) => u < n));
    const test = (subset: readonly number[]) => {
      const has = new Set(subset);
      return inRange.some((core) => core.every((u) => has.has(u))) && (!parity || subset.length % 2 === inRange[0]!.length % 2 || subset.length === n);
    };
    return { units: Array.from({ length: n }, (_, i) => i), test, describe: `n=${n} cores=${JSON.stringify(inRange)} parity=${parity}` };
  });

describe('ddmin', () => {
  it('keeps a subset the predicate holds for, 1-minimal when the budget did not run out', async () => {
    await fc.assert(
      fc.asyncProperty(predicates, async ({ units, test }) => {
        const { kept, exhausted } = await ddmin(units, test, unlimited());
        expect(exhausted).toBe(false);
        expect(test(kept)).toBe(true);
        for (const u of kept) expect(test(kept.filter((k) => k !== u)), `removing ${u} from ${JSON.stringify(kept)}`).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the one core a monotone predicate needs, whatever its size', async () => {
    const core = [3, 17, 18, 90];
    const { kept } = await ddmin(Array.from({ length: 100 }, (_, i) => i), (s) => core.every((u) => s.includes(u)), unlimited());
    expect(kept).toEqual(core);
  });

  it('tests each subset at most once and counts its calls in the budget', async () => {
    const seen = new Set<string>();
    const budget = unlimited();
    await ddmin(Array.from({ length: 30 }, (_, i) => i), (s) => {
      const key = s.join(',');
      expect(seen.has(key), `tested twice: ${key}`).toBe(false);
      seen.add(key);
      return s.includes(7) && s.includes(22);
    }, budget);
    expect(budget.calls).toBe(seen.size);
  });

  it('stops when the budget runs out, keeping a subset that still holds, and says so', async () => {
    const budget: ShrinkBudget = { deadlineAt: Infinity, maxCalls: 3, calls: 0 };
    const test = (s: readonly number[]) => s.includes(5) && s.includes(60);
    const { kept, exhausted } = await ddmin(Array.from({ length: 64 }, (_, i) => i), test, budget);
    expect(exhausted).toBe(true);
    expect(budget.calls).toBe(3);
    expect(test(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(2);
  });

  it('drops everything when even the empty set holds', async () => {
    expect((await ddmin([1, 2, 3], () => true, unlimited())).kept).toEqual([]);
  });
});
