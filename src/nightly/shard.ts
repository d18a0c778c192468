// Slicing a night over N runners (`faultline nightly matrix.json --shard K/N`): every shard plans the
// whole matrix and assigns each run to a shard by the same rule, so shards need not talk to each
// other, and `faultline nightly merge` can check that they agreed.
import type { Expectation, PlannedRun } from './matrix.js';
import type { NightSummary } from './night.js';
import { DEFAULT_OVERHEAD_S } from './run-night.js';

/** Which slice a runner runs: the `index`-th (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** One run of the matrix in the assignment every shard of a night records. */
export interface AssignedRun {
  /** The run's 1-based position in the whole night (the same on every shard). */
  index: number;
  test: string;
  seed: number;
  expect: Expectation;
  /** `faultline test` arguments of the run: a missing shard's runs are still named with them. */
  args: string[];
  shard: number;
  /** Seconds it was expected to take: what balanced the shards. */
  expectedS: number;
}

/** What a shard's summary.json holds beyond a night's: enough for merge to check the shards agree. */
export interface ShardInfo extends ShardSpec {
  /** sha256 of the matrix file's text: shards of one night run one matrix. */
  matrixSha256: string;
  /** Every run of the matrix, in night order, with its shard. */
  assignment: AssignedRun[];
}

export const MAX_SHARDS = 256;

/** `2/3` -> { index: 2, count: 3 }; anything else is one line naming the value. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && count >= 1 && index <= count && count <= MAX_SHARDS)) {
    throw new Error(`--shard "${text}" is not valid; expected K/N, the K-th of N shards with 1 <= K <= N <= ${MAX_SHARDS} (e.g. 2/3)`);
  }
  return { index, count };
}

/**
 * Seconds each test is expected to take, from past nights: the mean wall time of its runs in the
 * newest night that ran it (skipped runs and shard nights left out; a merged night counts).
 */
export function recordedDurations(nights: readonly NightSummary[]): Map<string, number> {
  const durations = new Map<string, number>();
  const newestFirst = [...nights].filter((n) => !n.shard).sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.night.localeCompare(a.night));
  for (const night of newestFirst) {
    const byTest = new Map<string, number[]>();
    for (const run of night.runs) {
      if (run.status === 'skipped' || run.wallS === undefined || durations.has(run.test)) continue;
      byTest.set(run.test, [...(byTest.get(run.test) ?? []), run.wallS]);
    }
    for (const [test, walls] of byTest) durations.set(test, walls.reduce((a, b) => a + b, 0) / walls.length);
  }
  return durations;
}

/**
 * Assigns every run to one of `count` shards. The rule: a run is expected to take what past
 * nights recorded for its test, else its time limit plus DEFAULT_OVERHEAD_S of setup, healing and
 * checking (whole seconds either way); runs are taken longest first (ties by test name, then the
 * seed's place in the test's seeds) and each goes to the shard with the least expected time so far
 * (ties: the lowest shard). The result depends only on the tests' names, expected times, number
 * of seeds and `count`: not on the order of the matrix's entries, on seed values (fresh seeds differ
 * between shards) or on which shard asks. No shard is expected to end more than the longest run's
 * time after another.
 */
export function assignShards(plan: readonly PlannedRun[], count: number, recorded: ReadonlyMap<string, number> = new Map()): AssignedRun[] {
  const assigned = plan.map((run) => ({
    index: run.index,
    test: run.test,
    seed: run.seed,
    expect: run.expect,
    args: run.args,
    shard: 0,
    expectedS: Math.max(1, Math.round(recorded.get(run.test) ?? run.spec.timeLimitS + DEFAULT_OVERHEAD_S)),
  }));
  // A run's place among its test's seeds: the same on every shard, even for fresh seeds.
  const seen = new Map<string, number>();
  const ordinal = new Map(assigned.map((a) => {
    const n = seen.get(a.test) ?? 0;
    seen.set(a.test, n + 1);
    return [a, n] as const;
  }));
  const loads = Array.from({ length: count }, () => 0);
  const order = [...assigned].sort((a, b) => b.expectedS - a.expectedS || compareNames(a.test, b.test) || ordinal.get(a)! - ordinal.get(b)!);
  for (const run of order) {
    const shard = loads.indexOf(Math.min(...loads));
    run.shard = shard + 1;
    loads[shard]! += run.expectedS;
  }
  return assigned;
}

/** The runs of `plan` that shard `index` runs. */
export function runsOfShard(plan: readonly PlannedRun[], assignment: readonly AssignedRun[], index: number): PlannedRun[] {
  const mine = new Set(assignment.filter((a) => a.shard === index).map((a) => a.index));
  return plan.filter((run) => mine.has(run.index));
}

/** Expected seconds per shard (index 0 is shard 1). */
export function shardLoads(assignment: readonly AssignedRun[], count: number): number[] {
  const loads = Array.from({ length: count }, () => 0);
  for (const run of assignment) loads[run.shard - 1]! += run.expectedS;
  return loads;
}

/** `<date>.shard-2-of-3`: a shard's night directory, which the trend does not count as a night. */
export function shardDirSuffix(shard: ShardSpec): string {
  return `.shard-${shard.index}-of-${shard.count}`;
}

/** Code-point order, the same on every machine (localeCompare is not). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
