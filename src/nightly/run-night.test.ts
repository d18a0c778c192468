// Running a night with a made-up test runner and clock: carrying on after crashes, the budget,
// stopping, and the files a night writes (two nights, so the trend has two columns).
import { builtins } from '../builtins.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMatrix, planRuns, type PlannedRun } from './matrix.js';
import type { NightSummary } from './night.js';
import { nightlyCommand } from './nightly-command.js';
import type { ChildResult } from './run-child.js';
import { runNight } from './run-night.js';

const matrix = (tests: object[], budgetS = 1000) => ({ budgetS, defaults: { timeLimitS: 10, seeds: [1] }, tests });
const plan = (tests: object[]) => planRuns(parseMatrix(JSON.stringify(matrix(tests)), 'm.json', builtins), 'm.json', 'store', builtins);

/** A runner whose runs take their time limit plus `overheadS` on a fake clock. */
function fakeRunner(results: Record<number, Partial<ChildResult> | Error>, overheadS = 5) {
  const clock = { ms: 0 };
  const started: number[] = [];
  const runOne = async (run: PlannedRun): Promise<ChildResult> => {
    started.push(run.index);
    const wallS = run.spec.timeLimitS + overheadS;
    clock.ms += wallS * 1000;
    const result = results[run.index];
    if (result instanceof Error) throw result;
    return { status: 'valid', wallS, ...result };
  };
  return { clock, started, runOne, nowMs: () => clock.ms };
}

describe('runNight', () => {
  const nightDir = mkdtempSync(join(tmpdir(), 'faultline-night-'));

  it('carries on after a crashed run and a runner that throws, judging each against its expectation', async () => {
    const runs = plan([{ workload: ['register', 'set', 'counter'] }, { storeMode: 'primary', expect: 'invalid' }]);
    const fake = fakeRunner({ 1: { status: 'crashed', message: 'exited with code 255: no leader' }, 2: new Error('spawn ENOENT'), 4: { status: 'invalid' } });
    const lines: string[] = [];
    const records = await runNight(runs, { budgetS: 1000, nightDir, runOne: fake.runOne, log: (l) => lines.push(l), nowMs: fake.nowMs });
    expect(fake.started).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => [r.status, r.outcome, r.exitCode])).toEqual([
      ['crashed', 'error', 255], ['crashed', 'error', 255], ['valid', 'pass', 0], ['invalid', 'pass', 0],
    ]);
    expect(records[1]?.message).toBe('could not be started: spawn ENOENT');
    expect(records[2]?.log).toBe('logs/03-bundled-raft-counter-partition-1.log');
    expect(lines).toContain('[1/4] bundled-raft-register-partition seed 1: CRASHED in 15.0 s: exited with code 255: no leader');
    expect(lines).toContain('[4/4] bundled-primary-register-partition seed 1: INVALID in 15.0 s (as expected)');
    expect(lines).toContain('[3/4] bundled-raft-counter-partition seed 1: VALID in 15.0 s');
  });

  it('skips what does not fit in the budget, estimating from the runs so far', async () => {
    // Each run takes 10 s + 25 s; before any run the estimate is 10 s + 20 s.
    const runs = plan([{ workload: ['register', 'set', 'counter'] }, { storeMode: 'crdt', workload: 'counter', timeLimitS: 1 }]);
    const fake = fakeRunner({}, 25);
    const records = await runNight(runs, { budgetS: 80, nightDir, runOne: fake.runOne, log: () => {}, nowMs: fake.nowMs });
    // 1 at 0 s (needs 30), 2 at 35 s (needs 35 of 45 left), 3 at 70 s (needs 35 of 10): skipped; 4 (1 s + 25 s) too.
    expect(fake.started).toEqual([1, 2]);
    expect(records.map((r) => r.status)).toEqual(['valid', 'valid', 'skipped', 'skipped']);
    expect(records[2]?.message).toBe('needs about 35 s; 10 s of the budget left');
    expect(records[2]?.exitCode).toBe(0);
  });

  it('skips the rest once stopped', async () => {
    const abort = new AbortController();
    const runs = plan([{ workload: ['register', 'set'] }]);
    const fake = fakeRunner({});
    const runOne = async (run: PlannedRun) => {
      abort.abort();
      return fake.runOne(run);
    };
    const records = await runNight(runs, { budgetS: 1000, nightDir, runOne, log: () => {}, signal: abort.signal, nowMs: fake.nowMs });
    expect(records.map((r) => r.status)).toEqual(['valid', 'skipped']);
    expect(records[1]?.message).toBe('the night was stopped before it started');
  });
});

describe('nightlyCommand', () => {
  it('writes summary.json, junit.xml, summary.html and a trend page over every night, and returns the worst exit code', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-nightly-'));
    const [store, out, matrixPath] = [join(root, 'store'), join(root, 'nightly'), join(root, 'matrix.json')];
    writeFileSync(matrixPath, JSON.stringify(matrix([{ workload: ['register', 'set'] }, { storeMode: 'primary', expect: 'invalid' }])));
    // A runner that writes a run directory the way `faultline test` does, with stats.
    const runOne = (verdicts: boolean[]) => async (run: PlannedRun): Promise<ChildResult> => {
      const runDir = join(store, run.test, '20261123T020000');
      mkdirSync(runDir, { recursive: true });
      const valid = verdicts[run.index - 1] ?? true;
      writeFileSync(join(runDir, 'test.json'), JSON.stringify(run.spec));
      writeFileSync(join(runDir, 'results.json'), JSON.stringify({ valid, results: { stats: { valid: true, summary: 'ok', throughputPerS: 50 + run.index, latencyMs: { read: { p50: 3, p90: 5, p99: 9, max: 12 } } } } }));
      return { status: valid ? 'valid' : 'invalid', wallS: 12, runDir };
    };
    const lines: string[] = [];
    const at = (iso: string) => () => new Date(iso);
    const first = await nightlyCommand(matrixPath, { registry: builtins, out, store }, { log: (l) => lines.push(l), runOne: runOne([true, true, false]), now: at('2026-11-23T02:00:00Z') });
    expect(first).toBe(0);
    const second = await nightlyCommand(matrixPath, { registry: builtins, out, store }, { log: () => {}, runOne: runOne([true, false, true]), now: at('2026-11-23T03:00:00Z') });
    expect(second).toBe(1);

    const nights = ['2026-11-23', '2026-11-23-2'].map((n) => join(out, n));
    for (const dir of nights) for (const file of ['summary.json', 'junit.xml', 'summary.html']) expect(existsSync(join(dir, file)), `${dir}/${file}`).toBe(true);
    const summary = JSON.parse(readFileSync(join(nights[1]!, 'summary.json'), 'utf8')) as NightSummary;
    expect(summary.runs.map((r) => [r.test, r.status, r.outcome])).toEqual([
      ['bundled-raft-register-partition', 'valid', 'pass'],
      ['bundled-raft-set-partition', 'invalid', 'failure'],
      ['bundled-primary-register-partition', 'valid', 'failure'],
    ]);
    expect(summary.runs[0]?.runDir).toBe('../../store/bundled-raft-register-partition/20261123T020000');
    expect(summary.runs[0]?.throughputPerS).toBe(51);
    expect(summary.runs[0]?.latencyMs).toEqual({ read: { p50: 3, p99: 9 } });
    const trend = readFileSync(join(out, 'trend.html'), 'utf8');
    expect(trend.match(/<td class="grid" data-night="2026-11-23(-2)?"/g)).toHaveLength(6);
    expect(trend).toContain('href="../store/bundled-raft-register-partition/20261123T020000/report.html"');
    expect(lines.at(-4)).toMatch(/^nightly 2026-11-23: 3 runs: 3 passed, 0 failed, 0 errors, 0 skipped in 0\.0 s; exit 0 \(valid\)$/);
  });

  it('lists the runs without running them on a dry run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-nightly-'));
    const matrixPath = join(root, 'matrix.json');
    writeFileSync(matrixPath, JSON.stringify(matrix([{ workload: ['register', 'set'], seeds: [3, 4] }])));
    const lines: string[] = [];
    const code = await nightlyCommand(matrixPath, { registry: builtins, out: join(root, 'nightly'), store: 'store', dryRun: true }, { log: (l) => lines.push(l), runOne: () => Promise.reject(new Error('ran')) });
    expect(code).toBe(0);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('[1/4] bundled-raft-register-partition seed 3 (expect valid, cap 190 s): npx faultline test --time-limit 10 --workload register --seed 3 --store store');
    expect(existsSync(join(root, 'nightly'))).toBe(false);
  });
});
