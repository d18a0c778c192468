// Runs a night's planned tests one after another within the budget, carrying on after a failed or
// crashed test. A test starts only if it is expected to end within the budget (its time limit plus
// the most setup, healing and checking time any run of the night has needed so far); the rest are
// reported as skipped.
import { mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readRunSummary } from '../run-summary.js';
import { testDirName } from '../store.js';
import type { PlannedRun } from './matrix.js';
import { judgeRun, type NightRun, type RunStatus } from './night.js';
import type { ChildResult } from './run-child.js';

export interface NightOptions {
  budgetS: number;
  /** The night's directory: logs go in <nightDir>/logs/, paths in the records are relative to it. */
  nightDir: string;
  runOne: (run: PlannedRun, logPath: string, signal?: AbortSignal) => Promise<ChildResult>;
  /** Progress lines. */
  log: (line: string) => void;
  /** Aborting stops the running test (it still checks what it has) and skips the rest. */
  signal?: AbortSignal;
  nowMs?: () => number;
}

/** Seconds a run takes beyond its time limit, assumed until the night has measured one. */
export const DEFAULT_OVERHEAD_S = 20;

export async function runNight(plan: readonly PlannedRun[], options: NightOptions): Promise<NightRun[]> {
  const now = options.nowMs ?? Date.now;
  const startMs = now();
  let overheadS = DEFAULT_OVERHEAD_S;
  let measured = false;
  const records: NightRun[] = [];
  mkdirSync(join(options.nightDir, 'logs'), { recursive: true });
  for (const [position, run] of plan.entries()) {
    // A shard's runs keep their place in the whole night (logs and records); the label counts this runner's.
    const label = `[${position + 1}/${plan.length}] ${run.test} seed ${run.seed}`;
    const leftS = options.budgetS - (now() - startMs) / 1000;
    const needS = run.spec.timeLimitS + overheadS;
    if (options.signal?.aborted || needS > leftS) {
      const message = options.signal?.aborted ? 'the night was stopped before it started' : `needs about ${Math.round(needS)} s; ${Math.max(0, Math.round(leftS))} s of the budget left`;
      options.log(`${label}: SKIPPED (${message})`);
      records.push(record(run, { status: 'skipped', message }));
      continue;
    }
    options.log(`${label}: running (${run.spec.timeLimitS} s of workload, capped at ${run.capS} s; ${Math.round(leftS)} s of the budget left)`);
    const logPath = join(options.nightDir, 'logs', `${String(run.index).padStart(2, '0')}-${testDirName(run.test)}-${run.seed}.log`);
    let result: ChildResult;
    try {
      result = await options.runOne(run, logPath, options.signal);
    } catch (err) {
      result = { status: 'crashed', wallS: 0, message: `could not be started: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (result.status !== 'crashed') {
      overheadS = measured ? Math.max(overheadS, result.wallS - run.spec.timeLimitS) : result.wallS - run.spec.timeLimitS;
      measured = true;
    }
    const rec = record(run, result, options.nightDir, logPath);
    const verdict = `${result.status.toUpperCase()} in ${result.wallS.toFixed(1)} s`;
    const asExpected = rec.outcome === 'pass' && result.status !== 'valid' ? ' (as expected)' : '';
    const firstBad = rec.checkers.find((c) => c.verdict !== 'valid');
    const why = rec.message ?? (firstBad && `${firstBad.name}: ${firstBad.summary}`);
    options.log(`${label}: ${verdict}${asExpected}${why ? `: ${why}` : ''}`);
    records.push(rec);
  }
  return records;
}

/** The record of one run: what the child said, judged, plus what its run directory holds. */
function record(run: PlannedRun, result: { status: RunStatus; wallS?: number; message?: string; runDir?: string }, nightDir?: string, logPath?: string): NightRun {
  const summary = result.runDir ? readRunSummary(result.runDir) : undefined;
  const judged = judgeRun(result.status, run.expect, summary?.checkers);
  const message = result.message ?? judged.message;
  return {
    index: run.index,
    test: run.test,
    seed: run.seed,
    expect: run.expect,
    status: result.status,
    outcome: judged.outcome,
    exitCode: judged.exitCode,
    ...(result.wallS !== undefined && { wallS: result.wallS }),
    ...(message !== undefined && { message }),
    ...(result.runDir && nightDir && { runDir: portable(relative(nightDir, result.runDir)) }),
    ...(logPath && nightDir && { log: portable(relative(nightDir, logPath)) }),
    args: run.args,
    checkers: summary?.checkers ?? [],
    ...(summary?.throughputPerS !== undefined && { throughputPerS: summary.throughputPerS }),
    ...(summary?.latencyMs && { latencyMs: summary.latencyMs }),
  };
}

function portable(path: string): string {
  return path.split(sep).join('/');
}
