// `faultline nightly <matrix.json>`: plan the night from the matrix, run it, and write
// <out>/<night>/ (summary.json, junit.xml, summary.html, logs/) and <out>/trend.html over every
// night so far. Returns the night's exit code.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Registry } from '../define/registry.js';
import { describeExpectation, parseMatrix, planRuns } from './matrix.js';
import { exitWord, worstExitCode, type NightSummary } from './night.js';
import { renderJunit } from './junit.js';
import { runChild } from './run-child.js';
import { runNight, type NightOptions } from './run-night.js';
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
  const matrix = parseMatrix(readFileSync(matrixPath, 'utf8'), matrixPath, options.registry);
  const plan = planRuns(matrix, matrixPath, options.store, options.registry);
  const budgetS = options.budgetS ?? matrix.budgetS;
  if (options.dryRun) {
    for (const run of plan) io.log(`[${run.index}/${plan.length}] ${run.test} seed ${run.seed} (expect ${describeExpectation(run.expect)}, cap ${run.capS} s): npx faultline ${run.args.join(' ')}`);
    io.log(`${plan.length} runs, ${plan.reduce((s, r) => s + r.spec.timeLimitS, 0)} s of workload, budget ${budgetS} s`);
    return 0;
  }
  const started = io.now?.() ?? new Date();
  const nightDir = createNightDir(options.out, started);
  const night = basename(nightDir);
  io.log(`faultline nightly ${matrixPath}: ${plan.length} runs, budget ${budgetS} s, writing ${nightDir}`);
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
  };
  writeNight(options.out, nightDir, summary);
  const count = (outcome: string) => runs.filter((r) => r.outcome === outcome).length;
  io.log(`nightly ${night}: ${runs.length} runs: ${count('pass')} passed, ${count('failure')} failed, ${count('error')} errors, ${count('skipped')} skipped in ${duration(summary.wallS)}; exit ${summary.exitCode} (${exitWord(summary.exitCode)})`);
  io.log(`summary: ${join(nightDir, 'summary.html')}`);
  io.log(`junit:   ${join(nightDir, 'junit.xml')}`);
  io.log(`trend:   ${join(options.out, 'trend.html')}`);
  return summary.exitCode;
}

/** Writes the night's files, then rebuilds the trend page from every night in `outDir`. */
export function writeNight(outDir: string, nightDir: string, summary: NightSummary): void {
  writeFileSync(join(nightDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(nightDir, 'junit.xml'), renderJunit(summary));
  writeFileSync(join(nightDir, 'summary.html'), renderSummaryPage(summary));
  const { summaries, problems } = readNightSummaries(outDir);
  writeFileSync(join(outDir, 'trend.html'), renderTrendPage(buildTrend(summaries), problems));
}

/** <out>/<YYYY-MM-DD>/, or <YYYY-MM-DD>-2, -3, ... when that night already ran. */
export function createNightDir(outDir: string, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  let dir = join(outDir, date);
  for (let n = 2; existsSync(dir); n++) dir = join(outDir, `${date}-${n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
