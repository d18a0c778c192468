// The trend over past nights, as data: for each test and night, the night's verdict (the worst of
// its runs), whether any run missed its expectation, and the mean throughput and latency of its
// runs. Built from every <out>/<night>/summary.json, so it needs no run directory to still exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { LatencyByF } from '../run-summary.js';
import type { NightRun, NightSummary, RunStatus } from './night.js';

export interface TrendCell {
  /** The worst status of the night's runs of the test: crashed, unknown, invalid, valid, skipped. */
  status: RunStatus;
  /** Some run of the night failed its expectation or had no verdict. */
  unexpected: boolean;
  runs: { seed: number; status: RunStatus; href?: string }[];
  throughputPerS?: number;
  /** Mean over runs of the p50 and p99 of the run's slowest op kind (f), in ms. */
  p50Ms?: number;
  p99Ms?: number;
}

export interface TrendNight {
  night: string;
  startedAt: string;
  exitCode: number;
  /** The night's summary page, relative to the trend page. */
  href: string;
}

export interface Trend {
  /** Oldest first. */
  nights: TrendNight[];
  rows: { test: string; cells: (TrendCell | undefined)[] }[];
}

const STATUS_RANK: Record<RunStatus, number> = { skipped: 0, valid: 1, invalid: 2, unknown: 3, crashed: 4 };

/** Reads every <outDir>/<night>/summary.json but shards'; unreadable ones are named in `problems`, not fatal. */
export function readNightSummaries(outDir: string): { summaries: NightSummary[]; problems: string[] } {
  const summaries: NightSummary[] = [];
  const problems: string[] = [];
  if (!existsSync(outDir)) return { summaries, problems };
  for (const entry of readdirSync(outDir, { withFileTypes: true })) {
    const path = join(outDir, entry.name, 'summary.json');
    if (!entry.isDirectory() || !existsSync(path)) continue;
    try {
      const summary = JSON.parse(readFileSync(path, 'utf8')) as NightSummary;
      if (summary.version !== 1 || !Array.isArray(summary.runs)) throw new Error('expected a faultline nightly summary (version 1)');
      // A shard's night is a slice of one: its runs count once merged.
      if (summary.shard) continue;
      summaries.push({ ...summary, night: entry.name });
    } catch (err) {
      problems.push(`${entry.name}/summary.json left out: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { summaries, problems };
}

/** The trend of the last `maxNights` nights; tests in the newest night's order, then older ones. */
export function buildTrend(summaries: readonly NightSummary[], maxNights = 30): Trend {
  const chosen = [...summaries].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.night.localeCompare(b.night)).slice(-maxNights);
  const tests: string[] = [];
  for (const night of [...chosen].reverse()) {
    for (const run of night.runs) if (!tests.includes(run.test)) tests.push(run.test);
  }
  return {
    nights: chosen.map((n) => ({ night: n.night, startedAt: n.startedAt, exitCode: n.exitCode, href: `${n.night}/summary.html` })),
    rows: tests.map((test) => ({ test, cells: chosen.map((night) => cellOf(night, night.runs.filter((r) => r.test === test))) })),
  };
}

function cellOf(night: NightSummary, runs: readonly NightRun[]): TrendCell | undefined {
  if (runs.length === 0) return undefined;
  const status = runs.map((r) => r.status).reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a));
  const slowest = runs.flatMap((r) => (r.latencyMs ? [slowestF(r.latencyMs)] : []));
  const throughput = runs.flatMap((r) => (r.throughputPerS !== undefined ? [r.throughputPerS] : []));
  return {
    status,
    unexpected: runs.some((r) => r.outcome === 'failure' || r.outcome === 'error'),
    runs: runs.map((r) => ({
      seed: r.seed,
      status: r.status,
      ...(r.runDir && { href: posix.normalize(posix.join(night.night, r.runDir, 'report.html')) }),
    })),
    ...(throughput.length > 0 && { throughputPerS: mean(throughput) }),
    ...(slowest.length > 0 && { p50Ms: mean(slowest.map((q) => q.p50)), p99Ms: mean(slowest.map((q) => q.p99)) }),
  };
}

/** The quantiles of the op kind with the highest p99: what a user waits for at worst. */
function slowestF(latency: LatencyByF): { p50: number; p99: number } {
  return Object.values(latency).reduce((a, b) => (b.p99 > a.p99 ? b : a), { p50: 0, p99: 0 });
}

/** Relative change from `before` to `after` (0.25 is +25 %); undefined without both or from zero. */
export function relativeChange(before: number | undefined, after: number | undefined): number | undefined {
  if (before === undefined || after === undefined || before === 0) return undefined;
  return (after - before) / before;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
