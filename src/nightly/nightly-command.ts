// `faultline nightly <matrix.json>`: plan the night from the matrix, run it, and write
// <out>/<night>/ (summary.json, junit.xml, summary.html, logs/) and <out>/trend.html over every
// night so far. Returns the night's exit code. With a shard (K/N) it runs only the K-th slice and
// writes <out>/<night>.shard-K-of-N/, for `faultline nightly merge`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Registry } from '../define/registry.js';
import { describeExpectation, parseMatrix, planRuns } from './matrix.js';
import { exitWord, worstExitCode, type NightSummary } from './night.js';
import { renderJunit } from './junit.js';
import { runChild } from './run-child.js';
import { runNight, type NightOptions } from './run-night.js';
import { assignShards, recordedDurations, runsOfShard, shardDirSuffix, shardLoads, type ShardInfo, type ShardSpec } from './shard.js';
import { duration, renderSummaryPage } from './summary-page.js';
import { buildTrend, readNightSummaries } from './trend.js';
import { renderTrendPage } from './trend-page.js';

export interface NightlyOptions {
  /** The definitions the matrix may name (the built-ins, and any the user loaded). */
  registry: Registry;
  out: string;
  store: string;
  /** Overrides the matrix's budgetS. */
  budgetS?: number;
  dryRun?: boolean;
  /** Run only this slice of the matrix (`--shard K/N`). */
  shard?: ShardSpec;
}

export interface NightlyIo {
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Runs one test; the default is a child process. */
  runOne?: NightOptions['runOne'];
  now?: () => Date;
}

export async function nightlyCommand(matrixPath: string, options: NightlyOptions, io: NightlyIo): Promise<number> {
  if (!existsSync(matrixPath)) throw new Error(`matrix file ${matrixPath} does not exist; expected a JSON file like examples/nightly-matrix.json`);
  const matrixText = readFileSync(matrixPath, 'utf8');
  const matrix = parseMatrix(matrixText, matrixPath, options.registry);
  const whole = planRuns(matrix, matrixPath, options.store, options.registry);
  const shard = options.shard && shardInfo(whole, options.shard, matrixText, options.out);
  const plan = shard ? runsOfShard(whole, shard.assignment, shard.index) : whole;
  const budgetS = options.budgetS ?? matrix.budgetS;
  const slice = shard ? ` (shard ${shard.index}/${shard.count}: ${plan.length} of ${whole.length} runs, ${describeLoads(shard)})` : '';
  if (options.dryRun) {
    for (const run of plan) io.log(`[${run.index}/${whole.length}] ${run.test} seed ${run.seed} (expect ${describeExpectation(run.expect)}, cap ${run.capS} s): npx faultline ${run.args.join(' ')}`);
    io.log(`${plan.length} runs, ${plan.reduce((s, r) => s + r.spec.timeLimitS, 0)} s of workload, budget ${budgetS} s${slice}`);
    return 0;
  }
  const started = io.now?.() ?? new Date();
  const nightDir = createNightDir(options.out, started, shard ? shardDirSuffix(shard) : '');
  const night = basename(nightDir);
  io.log(`faultline nightly ${matrixPath}: ${plan.length} runs${slice}, budget ${budgetS} s, writing ${nightDir}`);
  const runs = await runNight(plan, { budgetS, nightDir, runOne: io.runOne ?? runChild, log: io.log, ...(io.signal && { signal: io.signal }) });
  const finished = io.now?.() ?? new Date();
  const summary: NightSummary = {
    version: 1,
    night,
    matrix: matrixPath,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallS: (finished.getTime() - started.getTime()) / 1000,
    budgetS,
    exitCode: worstExitCode(runs.map((r) => r.exitCode)),
    runs,
    ...(shard && { shard }),
  };
  writeNight(options.out, nightDir, summary);
  const count = (outcome: string) => runs.filter((r) => r.outcome === outcome).length;
  io.log(`nightly ${night}: ${runs.length} runs: ${count('pass')} passed, ${count('failure')} failed, ${count('error')} errors, ${count('skipped')} skipped in ${duration(summary.wallS)}; exit ${summary.exitCode} (${exitWord(summary.exitCode)})`);
  io.log(`summary: ${join(nightDir, 'summary.html')}`);
  io.log(`junit:   ${join(nightDir, 'junit.xml')}`);
  io.log(shard ? `merge:   npx faultline nightly merge ${join(options.out, night.replace(/\.shard-\d+-of-/, '.shard-*-of-'))}` : `trend:   ${join(options.out, 'trend.html')}`);
  return summary.exitCode;
}

/**
 * The assignment of the whole night to shards. Past nights' durations come from `outDir`: every
 * shard of a night must see the same ones (merge refuses shards that disagree).
 */
function shardInfo(plan: ReturnType<typeof planRuns>, shard: ShardSpec, matrixText: string, outDir: string): ShardInfo {
  const recorded = recordedDurations(readNightSummaries(outDir).summaries);
  return { ...shard, matrixSha256: createHash('sha256').update(matrixText).digest('hex'), assignment: assignShards(plan, shard.count, recorded) };
}

/** `about 180 s; the shards 200, 180, 190 s`. */
function describeLoads(shard: ShardInfo): string {
  const loads = shardLoads(shard.assignment, shard.count);
  return `about ${loads[shard.index - 1]} s; the shards ${loads.join(', ')} s`;
}

/** Writes the night's files, then rebuilds the trend page from every night in `outDir` (a shard's night is not one). */
export function writeNight(outDir: string, nightDir: string, summary: NightSummary): void {
  writeFileSync(join(nightDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(nightDir, 'junit.xml'), renderJunit(summary));
  writeFileSync(join(nightDir, 'summary.html'), renderSummaryPage(summary));
  if (summary.shard) return;
  const { summaries, problems } = readNightSummaries(outDir);
  writeFileSync(join(outDir, 'trend.html'), renderTrendPage(buildTrend(summaries), problems));
}

/** <out>/<YYYY-MM-DD><suffix>/, or <YYYY-MM-DD><suffix>-2, -3, ... when that night already ran. */
export function createNightDir(outDir: string, now: Date, suffix = ''): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}${suffix}`;
  let dir = join(outDir, date);
  for (let n = 2; existsSync(dir); n++) dir = join(outDir, `${date}-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
