// A night as data: each run's status and how it is judged against what the matrix expected, the
// exit code they combine to (Jepsen's order), and summary.json's shape, which the trend reads back.
import type { CheckerLine, LatencyByF } from '../run-summary.js';
import type { Expectation } from './matrix.js';
import type { ShardInfo } from './shard.js';

/** What happened to a run: its verdict, crashed (the run itself failed or hit its cap), or skipped (no budget left). */
export type RunStatus = 'valid' | 'invalid' | 'unknown' | 'crashed' | 'skipped';
/** How a run counts: pass, failure (the checkers disagree with `expect`), error (no verdict), skipped. */
export type Outcome = 'pass' | 'failure' | 'error' | 'skipped';

export interface NightRun {
  index: number;
  test: string;
  seed: number;
  expect: Expectation;
  status: RunStatus;
  outcome: Outcome;
  /** This run's share of the night's exit code. */
  exitCode: number;
  wallS?: number;
  /** Why it crashed, was skipped, or failed its expectation. */
  message?: string;
  /** The run directory and the run's console log, relative to the night's directory (`/` separators). */
  runDir?: string;
  log?: string;
  /** `faultline test` arguments that replay the run. */
  args: string[];
  checkers: CheckerLine[];
  throughputPerS?: number;
  latencyMs?: LatencyByF;
}

export interface NightSummary {
  version: 1;
  /** The night's directory name, e.g. 2026-11-23. */
  night: string;
  matrix: string;
  startedAt: string;
  finishedAt: string;
  wallS: number;
  budgetS: number;
  exitCode: number;
  runs: NightRun[];
  /** A shard's night (`--shard K/N`): one slice, for `faultline nightly merge`; the trend leaves it out. */
  shard?: ShardInfo;
  /** A night merged from shards: each shard's directory and wall time, and the shards not given. */
  merged?: MergedShards;
}

export interface MergedShards {
  count: number;
  /** `dir`: the shard's night directory, relative to the merged one (`/` separators). */
  shards: { index: number; dir: string; startedAt: string; wallS: number; runs: number; exitCode: number }[];
  /** Shards whose night was not merged: their runs are in `runs` as errors. */
  missing: number[];
}

/** Jepsen's exit codes of the verdicts. */
const STATUS_CODES: Record<Exclude<RunStatus, 'skipped'>, number> = { valid: 0, invalid: 1, unknown: 2, crashed: 255 };

/**
 * Judges a run against its expectation. A test expected `invalid` passes when the checkers find
 * the anomaly and counts as invalid (exit 1) when they do not: it stopped catching what it should.
 * Per-checker expectations are judged checker by checker (unnamed ones must be valid). No verdict
 * (unknown, crashed) is an error whatever was expected; a skipped run counts for nothing.
 */
export function judgeRun(status: RunStatus, expect: Expectation, checkers: readonly CheckerLine[] = []): { outcome: Outcome; exitCode: number; message?: string } {
  if (status === 'skipped') return { outcome: 'skipped', exitCode: 0 };
  if (status === 'unknown' || status === 'crashed') return { outcome: 'error', exitCode: STATUS_CODES[status] };
  if (typeof expect === 'string') {
    if (status === expect) return { outcome: 'pass', exitCode: 0 };
    return expect === 'invalid'
      ? { outcome: 'failure', exitCode: 1, message: 'expected the checkers to find an anomaly; they found none' }
      : { outcome: 'failure', exitCode: STATUS_CODES[status] };
  }
  const missed = checkers.flatMap((c) => {
    const want = expect[c.name] ?? 'valid';
    return want === 'any' || want === c.verdict ? [] : [`${c.name} was ${c.verdict}, expected ${want}`];
  });
  const absent = Object.keys(expect).filter((name) => !checkers.some((c) => c.name === name)).map((name) => `checker ${name} did not run`);
  const problems = [...missed, ...absent];
  return problems.length === 0 ? { outcome: 'pass', exitCode: 0 } : { outcome: 'failure', exitCode: 1, message: problems.join('; ') };
}

/** Jepsen's order, worst first: 255 crashed, 2 unknown, 1 invalid, 0 valid. Any other code counts as crashed. */
export function worstExitCode(codes: Iterable<number>): number {
  const rank = (code: number) => ({ 0: 0, 1: 1, 2: 2 } as Record<number, number>)[code] ?? 3;
  let worst = 0;
  for (const code of codes) if (rank(code) > rank(worst)) worst = rank(code) === 3 ? 255 : code;
  return worst;
}

/** The word for an exit code, for console lines and page titles. */
export function exitWord(code: number): string {
  return code === 0 ? 'valid' : code === 1 ? 'invalid' : code === 2 ? 'unknown' : 'crashed';
}
