// Merging shards' nights, with a made-up test runner: the merged summary and JUnit hold the same
// tests, in the same order and with the same names, as one runner's night of the same matrix; bad
// sets of shards are refused in one line; a missing shard is named and its runs count as errors.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { builtins } from '../builtins.js';
import type { PlannedRun } from './matrix.js';
import { mergeNights } from './merge-nights.js';
import type { NightSummary } from './night.js';
import { nightlyCommand } from './nightly-command.js';
import type { ChildResult } from './run-child.js';

const MATRIX = {
  budgetS: 10_000,
  defaults: { timeLimitS: 10, seeds: [1, 2] },
  tests: [
    { workload: ['register', 'set', 'counter'], nemesis: 'partition,kill' },
    { storeMode: 'primary', timeLimitS: 45, expect: 'invalid', seeds: [7] },
    { storeMode: 'crdt', workload: 'counter', expect: { counter: 'any' } },
  ],
};

/** A runner that writes a run directory and log the way `faultline test` does: seed 2 of set is invalid, primary finds its anomaly, the crdt counter has no counter checker (so fails its expectation). */
const runOne = (store: string) => async (run: PlannedRun, logPath: string): Promise<ChildResult> => {
  writeFileSync(logPath, `faultline test ${run.test}\n`);
  const runDir = join(store, run.test, `20261123T02000${run.seed}`);
  mkdirSync(runDir, { recursive: true });
  const valid = !(run.test.includes('-set-') && run.seed === 2) && !run.test.includes('primary');
  writeFileSync(join(runDir, 'test.json'), JSON.stringify(run.spec));
  writeFileSync(join(runDir, 'results.json'), JSON.stringify({ valid, results: { stats: { valid: true, summary: 'ok', throughputPerS: 40 } } }));
  return { status: valid ? 'valid' : 'invalid', wallS: run.spec.timeLimitS + 3, runDir };
};

/** A fresh root with matrix.json; `night()` runs it whole or as one shard into root/nightly. */
function setUp(matrix: object = MATRIX) {
  const root = mkdtempSync(join(tmpdir(), 'faultline-merge-'));
  const [store, out, matrixPath] = [join(root, 'store'), join(root, 'nightly'), join(root, 'matrix.json')];
  writeFileSync(matrixPath, JSON.stringify(matrix));
  const night = async (shard?: { index: number; count: number }, outDir = out, iso = '2026-11-23T02:00:00Z') => {
    await nightlyCommand(matrixPath, { registry: builtins, out: outDir, store, ...(shard && { shard }) }, { log: () => {}, runOne: runOne(store), now: () => new Date(iso) });
  };
  return { root, out, matrixPath, night };
}

const readSummary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as NightSummary;

/** The testcases of a JUnit file as `classname / name` plus what they hold. */
function junitCases(dir: string): { id: string; kind: string }[] {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' });
  const doc = parser.parse(readFileSync(join(dir, 'junit.xml'), 'utf8')) as { testsuites: { testsuite: { testcase: Record<string, unknown>[] } } };
  return doc.testsuites.testsuite.testcase.map((c) => ({ id: `${String(c.classname)} / ${String(c.name)}`, kind: c.failure ? 'failure' : c.error ? 'error' : c.skipped ? 'skipped' : 'pass' }));
}

describe('mergeNights', () => {
  it.each([1, 2, 3, 5])('merges %i shards into the night one runner writes: same tests, order, names and verdicts', async (count) => {
    const { root, out, night } = setUp();
    const single = join(root, 'single');
    await night(undefined, single);
    for (let index = 1; index <= count; index++) await night({ index, count });
    const shardDirs = readdirSync(out).filter((d) => d.includes('.shard-')).map((d) => join(out, d));
    expect(shardDirs).toHaveLength(count);
    expect(existsSync(join(out, 'trend.html')), 'shards write no trend').toBe(false);

    const lines: string[] = [];
    expect(mergeNights(shardDirs, out, { log: (l) => lines.push(l) })).toBe(1);
    const mergedDir = join(out, '2026-11-23');
    const [whole, merged] = [readSummary(join(single, '2026-11-23')), readSummary(mergedDir)];
    const shape = (s: NightSummary) => s.runs.map((r) => [r.index, r.test, r.seed, r.status, r.outcome, r.exitCode, r.args.join(' ')]);
    expect(shape(merged)).toEqual(shape(whole));
    expect(merged.runs).toHaveLength(9);
    expect(merged.exitCode).toBe(whole.exitCode);
    expect(junitCases(mergedDir)).toEqual(junitCases(join(single, '2026-11-23')));
    expect(merged.merged).toMatchObject({ count, missing: [] });
    expect(merged.shard).toBeUndefined();
    // Paths are relative to the merged night: the run directories and each shard's logs.
    expect(merged.runs[0]!.runDir).toBe('../../store/bundled-raft-register-partition+kill/20261123T020001');
    expect(merged.runs[0]!.log).toMatch(/^\.\.\/2026-11-23\.shard-\d-of-\d\/logs\/01-bundled-raft-register-partition\+kill-1\.log$/);
    expect(existsSync(join(mergedDir, merged.runs[0]!.log!))).toBe(true);
    expect(readFileSync(join(mergedDir, 'summary.html'), 'utf8')).toContain(`shard 1/${count}</a>`);
    // The trend counts the merged night once, not its shards.
    expect(readFileSync(join(out, 'trend.html'), 'utf8').match(/data-night="[^"]*"/g)?.every((m) => m === 'data-night="2026-11-23"')).toBe(true);
    expect(lines.at(-4)).toMatch(new RegExp(`^nightly 2026-11-23: merged ${count} of ${count} shards, 9 runs: 6 passed, 3 failed, 0 errors, 0 skipped in `));
    // Merging them again would count the night twice.
    expect(() => mergeNights(shardDirs, out, { log: () => {} })).toThrow(`nightly merge: these shards are already merged into ${mergedDir}; remove it to merge them again`);
  });

  it('names a missing shard and counts its runs as errors, never dropping them', async () => {
    const { out, night } = setUp();
    await night({ index: 1, count: 3 });
    await night({ index: 3, count: 3 });
    const lines: string[] = [];
    const code = mergeNights([join(out, '2026-11-23.shard-1-of-3'), join(out, '2026-11-23.shard-3-of-3')], out, { log: (l) => lines.push(l) });
    expect(code).toBe(255);
    const merged = readSummary(join(out, '2026-11-23'));
    expect(merged.runs).toHaveLength(9);
    expect(merged.merged?.missing).toEqual([2]);
    const notRun = merged.runs.filter((r) => r.status === 'crashed');
    expect(notRun.length).toBeGreaterThan(0);
    for (const run of notRun) expect(run).toMatchObject({ outcome: 'error', message: 'not run here: shard 2/3 was not among the merged directories' });
    expect(lines).toContain(`shard 2/3: MISSING; its ${notRun.length} runs count as errors`);
    expect(readFileSync(join(out, '2026-11-23', 'summary.html'), 'utf8')).toContain('<strong>shard 2/3 missing</strong>');
    expect(junitCases(join(out, '2026-11-23')).filter((c) => c.kind === 'error')).toHaveLength(notRun.length);
  });

  it('refuses, in one line, shards given twice, shards of other matrices or splits, a whole night, and a run in two shards', async () => {
    const { root, out, matrixPath, night } = setUp();
    await night({ index: 1, count: 2 });
    await night({ index: 2, count: 2 });
    const [one, two] = [join(out, '2026-11-23.shard-1-of-2'), join(out, '2026-11-23.shard-2-of-2')];
    const merge = (dirs: string[]) => () => mergeNights(dirs, join(root, 'merged'), { log: () => {} });

    const copy = join(root, 'copy-of-1');
    cpSync(one, copy, { recursive: true });
    expect(merge([one, copy])).toThrow(`nightly merge: ${one} and ${copy} are both shard 1/2; give each shard once`);

    await night({ index: 1, count: 3 });
    expect(merge([one, join(out, '2026-11-23.shard-1-of-3')])).toThrow(/^nightly merge: .*shard-1-of-2 \(shard 1\/2\) and .*shard-1-of-3 \(shard 1\/3\) split the night differently; merge the shards of one night$/);

    writeFileSync(matrixPath, JSON.stringify({ ...MATRIX, budgetS: 5000 }));
    await night({ index: 2, count: 2 });
    expect(merge([one, join(out, '2026-11-23.shard-2-of-2-2')])).toThrow(/^nightly merge: .* ran different matrices \(sha256 [0-9a-f]{12} and [0-9a-f]{12}\); merge the shards of one night$/);

    // Shard 2 claims a run of shard 1 (as shards planned from different past nights would).
    const tampered = readSummary(two);
    tampered.runs.push(readSummary(one).runs[0]!);
    writeFileSync(join(two, 'summary.json'), JSON.stringify(tampered));
    expect(merge([one, two])).toThrow(/^nightly merge: test \S+ seed \d \(run \d\) is in both .*shard-1-of-2 \(shard 1\/2\) and .*shard-2-of-2 \(shard 2\/2\); shards must plan alike/);

    const single = join(root, 'single');
    await night(undefined, single);
    expect(merge([one, join(single, '2026-11-23')])).toThrow(`nightly merge: ${join(single, '2026-11-23')} is a whole night, not a shard's; merge the directories \`faultline nightly --shard K/N\` wrote`);
    expect(merge([one, join(root, 'nowhere')])).toThrow(`nightly merge: ${join(root, 'nowhere')} has no summary.json; expected the night directory of a \`faultline nightly --shard K/N\``);
    expect(existsSync(join(root, 'merged'))).toBe(false);
  });

  it('refuses shards that assigned the runs differently (other past nights in --out)', async () => {
    const { root, out, night } = setUp();
    await night({ index: 1, count: 2 });
    // Shard 2 runs with a past night that says the crdt counter takes 500 s.
    const otherOut = join(root, 'other');
    mkdirSync(join(otherOut, '2026-11-20'), { recursive: true });
    const past = readSummary(join(out, '2026-11-23.shard-1-of-2'));
    delete past.shard;
    past.runs = [{ ...past.runs[0]!, test: 'bundled-crdt-counter-partition', wallS: 500 }];
    writeFileSync(join(otherOut, '2026-11-20', 'summary.json'), JSON.stringify({ ...past, startedAt: '2026-11-20T02:00:00Z' }));
    await night({ index: 2, count: 2 }, otherOut);
    expect(() => mergeNights([join(out, '2026-11-23.shard-1-of-2'), join(otherOut, '2026-11-23.shard-2-of-2')], out, { log: () => {} }))
      .toThrow(/^nightly merge: (.* (is in both|assigned the runs differently) .*)$/);
  });
});
