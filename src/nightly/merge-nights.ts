// `faultline nightly merge <dirs...>`: one night from the night directories of its shards
// (`--shard K/N`), written as a single runner would have written it: <out>/<date>/ with the whole
// matrix's runs in night order (summary.json, junit.xml, summary.html) and <out>/trend.html.
// Shards of other matrices, a shard given twice, a run in two shards, or shards merged before are
// refused in one line; a missing shard is not dropped: its runs are in the night as errors naming it.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { exitWord, worstExitCode, type MergedShards, type NightRun, type NightSummary } from './night.js';
import { createNightDir, writeNight } from './nightly-command.js';
import type { AssignedRun } from './shard.js';
import { duration } from './summary-page.js';
import { readNightSummaries } from './trend.js';

interface ShardNight {
  dir: string;
  summary: NightSummary & { shard: NonNullable<NightSummary['shard']> };
}

/** Merges the shards' nights in `dirs` into a night in `outDir`; returns its exit code. */
export function mergeNights(dirs: readonly string[], outDir: string, io: { log: (line: string) => void }): number {
  const shards = dirs.map(readShardNight);
  checkShardsAgree(shards);
  const [first] = shards;
  const { count, assignment } = first!.summary.shard;
  const given = new Set(shards.map((s) => s.summary.shard.index));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !given.has(index));

  refuseMergedAlready(shards, outDir);

  const startedAt = shards.map((s) => s.summary.startedAt).sort()[0]!;
  const finishedAt = shards.map((s) => s.summary.finishedAt).sort().at(-1)!;
  const nightDir = createNightDir(outDir, new Date(startedAt));
  const fromShard = shards.flatMap(({ dir, summary }) => summary.runs.map((run) => rebase(run, dir, nightDir)));
  const notRun = assignment.filter((a) => missing.includes(a.shard)).map((a) => missingRun(a, count));
  const runs = [...fromShard, ...notRun].sort((a, b) => a.index - b.index);
  const merged: MergedShards = {
    count,
    shards: shards.map(({ dir, summary }) => ({
      index: summary.shard.index,
      dir: portable(relative(nightDir, dir)),
      startedAt: summary.startedAt,
      wallS: summary.wallS,
      runs: summary.runs.length,
      exitCode: summary.exitCode,
    })).sort((a, b) => a.index - b.index),
    missing,
  };
  const summary: NightSummary = {
    version: 1,
    night: basename(nightDir),
    matrix: first!.summary.matrix,
    startedAt,
    finishedAt,
    wallS: (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000,
    budgetS: Math.max(...shards.map((s) => s.summary.budgetS)),
    exitCode: worstExitCode(runs.map((r) => r.exitCode)),
    runs,
    merged,
  };
  writeNight(outDir, nightDir, summary);
  for (const shard of merged.shards) io.log(`shard ${shard.index}/${count}: ${shard.runs} runs in ${duration(shard.wallS)}, exit ${shard.exitCode} (${shard.dir})`);
  for (const index of missing) io.log(`shard ${index}/${count}: MISSING; its ${assignment.filter((a) => a.shard === index).length} runs count as errors`);
  const countOf = (outcome: string) => runs.filter((r) => r.outcome === outcome).length;
  io.log(`nightly ${summary.night}: merged ${shards.length} of ${count} shards, ${runs.length} runs: ${countOf('pass')} passed, ${countOf('failure')} failed, ${countOf('error')} errors, ${countOf('skipped')} skipped in ${duration(summary.wallS)}; exit ${summary.exitCode} (${exitWord(summary.exitCode)})`);
  io.log(`summary: ${join(nightDir, 'summary.html')}`);
  io.log(`junit:   ${join(nightDir, 'junit.xml')}`);
  io.log(`trend:   ${join(outDir, 'trend.html')}`);
  return summary.exitCode;
}

function readShardNight(dir: string): ShardNight {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) throw new Error(`nightly merge: ${dir} has no summary.json; expected the night directory of a \`faultline nightly --shard K/N\``);
  let summary: NightSummary;
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as NightSummary;
  } catch (err) {
    throw new Error(`nightly merge: ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (summary.version !== 1 || !Array.isArray(summary.runs)) throw new Error(`nightly merge: ${path} is not a faultline nightly summary (version 1)`);
  if (!summary.shard) throw new Error(`nightly merge: ${dir} is a whole night, not a shard's; merge the directories \`faultline nightly --shard K/N\` wrote`);
  return { dir, summary: summary as ShardNight['summary'] };
}

/** One matrix, one N, one assignment, each shard once, each run in its own shard. */
function checkShardsAgree(shards: readonly ShardNight[]): void {
  const [first, ...rest] = shards;
  const name = (s: ShardNight) => `${s.dir} (shard ${s.summary.shard.index}/${s.summary.shard.count})`;
  for (const other of rest) {
    const [a, b] = [first!.summary.shard, other.summary.shard];
    if (a.count !== b.count) throw new Error(`nightly merge: ${name(first!)} and ${name(other)} split the night differently; merge the shards of one night`);
    if (a.matrixSha256 !== b.matrixSha256) throw new Error(`nightly merge: ${name(first!)} and ${name(other)} ran different matrices (sha256 ${a.matrixSha256.slice(0, 12)} and ${b.matrixSha256.slice(0, 12)}); merge the shards of one night`);
  }
  const byIndex = new Map<number, ShardNight>();
  for (const shard of shards) {
    const seen = byIndex.get(shard.summary.shard.index);
    if (seen) throw new Error(`nightly merge: ${seen.dir} and ${shard.dir} are both shard ${shard.summary.shard.index}/${shard.summary.shard.count}; give each shard once`);
    byIndex.set(shard.summary.shard.index, shard);
  }
  const ranBy = new Map<number, ShardNight>();
  for (const shard of shards) {
    for (const run of shard.summary.runs) {
      const other = ranBy.get(run.index);
      if (other) throw new Error(`nightly merge: test ${run.test} seed ${run.seed} (run ${run.index}) is in both ${name(other)} and ${name(shard)}; shards must plan alike (one matrix, the same past nights in --out)`);
      ranBy.set(run.index, shard);
    }
  }
  const plan = (s: ShardNight) => JSON.stringify(s.summary.shard.assignment.map((a) => [a.index, a.test, a.shard, a.expectedS]));
  for (const other of rest) {
    if (plan(other) !== plan(first!)) throw new Error(`nightly merge: ${name(first!)} and ${name(other)} assigned the runs differently (they saw different past nights in --out); run every shard with the same --out history`);
  }
  for (const shard of shards) {
    for (const run of shard.summary.runs) {
      const planned = shard.summary.shard.assignment.find((a) => a.index === run.index);
      if (planned?.test !== run.test || planned.shard !== shard.summary.shard.index) throw new Error(`nightly merge: ${name(shard)} holds test ${run.test} seed ${run.seed} (run ${run.index}), which its assignment does not give it`);
    }
  }
}

/** Merging the same shards again would count their night twice in the trend. */
function refuseMergedAlready(shards: readonly ShardNight[], outDir: string): void {
  const key = (list: readonly { index: number; startedAt: string }[]) => JSON.stringify(list.map((s) => [s.index, s.startedAt]).sort());
  const these = key(shards.map((s) => ({ index: s.summary.shard.index, startedAt: s.summary.startedAt })));
  const done = readNightSummaries(outDir).summaries.find((night) => night.merged && key(night.merged.shards) === these);
  if (done) throw new Error(`nightly merge: these shards are already merged into ${join(outDir, done.night)}; remove it to merge them again`);
}

/** A run record with its paths relative to the merged night's directory instead of its shard's. */
function rebase(run: NightRun, shardDir: string, nightDir: string): NightRun {
  const move = (path: string) => portable(relative(nightDir, resolve(shardDir, path)));
  return { ...run, ...(run.runDir && { runDir: move(run.runDir) }), ...(run.log && { log: move(run.log) }) };
}

/** The record of a run whose shard was not merged: an error, since the night has no verdict for it. */
function missingRun(planned: AssignedRun, count: number): NightRun {
  return {
    index: planned.index,
    test: planned.test,
    seed: planned.seed,
    expect: planned.expect,
    status: 'crashed',
    outcome: 'error',
    exitCode: 255,
    message: `not run here: shard ${planned.shard}/${count} was not among the merged directories`,
    args: planned.args,
    checkers: [],
  };
}

function portable(path: string): string {
  return path.split(sep).join('/');
}
