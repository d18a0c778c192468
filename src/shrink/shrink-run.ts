// Shrinking an invalid run after its check: the first checker with an anomaly class names what the
// witness must keep; the witness is written beside the history as witness.jsonl (history.jsonl's
// format), and results.json gets a `witness` entry saying what was shrunk, how far and at what cost.
// A run that is not invalid costs nothing.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runChecker, type CheckContext, type Checker, type CheckResult } from '../checker.js';
import type { History } from '../op.js';
import { RUN_FILES, writeFileWhole } from '../store.js';
import { anomalyClassesOf, targetAnomaly } from './anomaly-class.js';
import { shrinkHistory, type HistorySize } from './shrink-history.js';
import type { ShrinkSettings } from './shrink-settings.js';

export { DEFAULT_SHRINK, type ShrinkSettings } from './shrink-settings.js';

/** results.json's `witness`: what the witness keeps, sizes before and after, and the cost. */
export type WitnessEntry =
  | {
      file: string;
      checker: string;
      anomaly: string;
      before: HistorySize;
      after: HistorySize;
      checkerCalls: number;
      ms: number;
      /** True when ddmin ended within its budget: removing any one op (with what depends on it) loses the anomaly. */
      minimal: boolean;
      budgetS: number;
    }
  | { checker: string; anomaly: string; error: string };

/**
 * Shrinks an invalid run's history with the checker that found its first anomaly, writes
 * witness.jsonl in `dir` and returns the entry for results.json; undefined when there is no anomaly
 * to keep (valid, unknown, or only stats say invalid) or shrinking is off. An old witness.jsonl goes.
 */
export async function shrinkInvalidRun(
  history: History,
  results: CheckResult,
  checkers: Record<string, Checker>,
  ctx: CheckContext,
  dir: string,
  settings: ShrinkSettings,
): Promise<WitnessEntry | undefined> {
  rmSync(join(dir, RUN_FILES.witness), { force: true });
  const target = targetAnomaly(results);
  const checker = target === undefined ? undefined : checkers[target.checker];
  if (target === undefined || checker === undefined || !(settings.budgetS > 0)) return undefined;
  const holds = async (candidate: History) => anomalyClassesOf(target.checker, await runChecker(checker, candidate, ctx)).includes(target.anomaly);
  try {
    const shrunk = await shrinkHistory(history, holds, { budgetMs: settings.budgetS * 1000, maxCalls: settings.maxCalls, ...(settings.progress && { progress: settings.progress }) });
    writeFileWhole(join(dir, RUN_FILES.witness), shrunk.witness.map((op) => JSON.stringify(op) + '\n').join(''));
    const { before, after, checkerCalls, ms, minimal } = shrunk;
    return { file: RUN_FILES.witness, ...target, before, after, checkerCalls, ms, minimal, budgetS: settings.budgetS };
  } catch (err) {
    return { ...target, error: `not shrunk: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** One line for the console: the witness's size against the history's, and how to check it. */
export function witnessLine(entry: WitnessEntry, dir: string): string {
  if ('error' in entry) return `witness:  ${entry.error}`;
  const { before: b, after: a } = entry;
  return `witness:  ${a.ops} of ${b.ops} ops, ${a.processes} of ${b.processes} processes, ${a.keys} of ${b.keys} keys still show ${entry.checker} ${entry.anomaly}` +
    ` (${entry.checkerCalls} checker calls, ${(entry.ms / 1000).toFixed(1)} s${entry.minimal ? '' : '; the budget ran out: smaller, maybe not minimal (--shrink-budget-s gives more)'}): ${join(dir, entry.file)}`;
}
