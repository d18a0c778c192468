// One test of the night as a real child process (the built CLI): a verdict, bad input counted as
// crashed with its one-line reason, and a run past its cap stopped and counted as crashed.
import { builtins } from '../builtins.js';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMatrix, planRuns } from './matrix.js';
import { runChild } from './run-child.js';

function plannedRun(test: object, capS?: number) {
  const store = mkdtempSync(join(tmpdir(), 'faultline-child-'));
  const matrix = { tests: [{ nodes: 3, concurrency: 6, seeds: [5], ...test, ...(capS && { testTimeoutS: capS }) }] };
  const [run] = planRuns(parseMatrix(JSON.stringify(matrix), 'm.json', builtins), 'm.json', store, builtins);
  return { run: run!, log: join(store, 'run.log') };
}

// A 2 s run takes a few seconds. Its cap is its deadline on a loaded 2-core machine: past it,
// runChild stops the run (SIGTERM, then SIGKILL 60 s later), so the test ends within CAP_S + 60 s
// and says why, instead of hitting vitest's timeout.
const CAP_S = 60;

describe('runChild', () => {
  it('runs a short test to its verdict and finds the run directory it wrote', async () => {
    const { run, log } = plannedRun({ timeLimitS: 2, nemesis: 'none' }, CAP_S);
    const result = await runChild(run, log);
    expect(result.status, result.message).toBe('valid');
    expect(result.runDir).toMatch(/bundled-raft-register-no-faults\/\d{8}T\d{6}$/);
    expect(existsSync(join(result.runDir!, 'results.json'))).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/verdict: +VALID/);
  }, (CAP_S + 90) * 1000);

  it('counts a run the CLI refuses as crashed, with the reason', async () => {
    const { run, log } = plannedRun({ timeLimitS: 2 });
    const result = await runChild({ ...run, args: [...run.args, '--rate', 'fast'] }, log);
    expect(result.status).toBe('crashed');
    expect(result.message).toBe('exited with code 254: faultline: --rate "fast" is not valid; expected a number from 0.1 to 100000');
    expect(result.runDir).toBeUndefined();
  }, 30_000);

  it('stops a run past its cap and counts it as crashed, keeping its run directory', async () => {
    const { run, log } = plannedRun({ timeLimitS: 60, nemesis: 'none' }, 4);
    const started = Date.now();
    const result = await runChild(run, log);
    expect(result.status).toBe('crashed');
    expect(result.message).toBe('exceeded its cap of 4 s and was stopped');
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(result.runDir).toBeDefined();
  }, 90_000);
});
