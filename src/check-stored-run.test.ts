// Where a stored run is checked: in this thread, or in a worker thread with its own heap limit.
// The worker runs the compiled check (dist/, built by pretest), so both places are compared here.
import { builtins } from './builtins.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderStoredRun } from '../reports/render-stored-run.js';
import { CheckOutOfMemory } from './check-stored-run.js';
import { recheckRun } from './run.js';
import { resolveSpec } from './spec.js';

/** A run directory of a register test: ok writes and reads on three keys (`rounds` of each), one stale read on key 2. */
function storedRun(stale: boolean, rounds = 1): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-check-place-'));
  writeFileSync(join(dir, 'test.json'), JSON.stringify(resolveSpec({ workload: 'register', nemesis: 'none', seed: 1 }, builtins)));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ startedAt: new Date(0).toISOString(), phase: 'teardown', end: 'complete', durationMs: 1000, historyEpochMs: 0 }));
  const ops: object[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (let key = 0; key < 3; key++) {
      ops.push({ process: key, type: 'invoke', f: 'write', value: [key, round] }, { process: key, type: 'ok', f: 'write', value: [key, round] });
      const read = stale && key === 2 && round === rounds ? 0 : round;
      ops.push({ process: key, type: 'invoke', f: 'read', value: [key, null] }, { process: key, type: 'ok', f: 'read', value: [key, read] });
    }
  }
  writeFileSync(join(dir, 'history.jsonl'), ops.map((op, index) => JSON.stringify({ index, time: index * 1000, ...op, node: 'n1' })).join('\n') + '\n');
  return dir;
}

/** Results without the checkers' own wall-clock times (and the witness's shrink time), which differ from one check to the next. */
function withoutWallTimes(results: unknown): unknown {
  return JSON.parse(JSON.stringify(results, (key, value: unknown) => (key === 'checkMs' || key === 'ms' ? undefined : value)));
}

describe('checking a stored run', () => {
  for (const stale of [false, true]) {
    it(`gives the same results and report in a worker thread as in this one (${stale ? 'invalid' : 'valid'} history)`, async () => {
      const here = storedRun(stale);
      const there = storedRun(stale);
      const inThread = await recheckRun(here, builtins, { worker: false }, renderStoredRun);
      const inWorker = await recheckRun(there, builtins, { worker: true }, renderStoredRun);
      expect(inThread.exitCode).toBe(stale ? 1 : 0);
      expect(inWorker.exitCode).toBe(inThread.exitCode);
      expect(withoutWallTimes(inWorker.results)).toEqual(withoutWallTimes(inThread.results));
      // An invalid history is shrunk to its witness in the worker as in this thread.
      expect(inWorker.results['witness'] !== undefined).toBe(stale);
      expect(readFileSync(join(there, 'report.html'), 'utf8').length).toBeGreaterThan(1000);
    });
  }

  it('says in one line that the check ran out of memory when the worker heap is too small', async () => {
    // Enough history that reading it needs more than the heap: the worker's modules alone fit in
    // it since database clients load on use.
    const dir = storedRun(false, 20_000);
    const failure = await recheckRun(dir, builtins, { worker: true, heapMb: 8 }).then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(CheckOutOfMemory);
    expect((failure as Error).message).toMatch(/^checking .* ran out of memory: its history\.jsonl is \d+ MiB and the checkers' heap is limited to 8 MiB .*; check it on a machine with more memory$/);
  });

  it('names an error of the check made in the worker in faultline words', async () => {
    const dir = storedRun(false);
    writeFileSync(join(dir, 'history.jsonl'), '{"index":0,"time":"x","process":0,"type":"invoke","f":"read","value":null}\n');
    await expect(recheckRun(dir, builtins, { worker: true })).rejects.toThrow(/history\.jsonl line 1: "time" is "x"; expected/);
  });
});
