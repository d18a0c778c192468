// Nights made up for the tests of the summary, JUnit and trend pages: any status, any figures.
import type { NightRun, NightSummary } from '../src/nightly/night.js';

/** A run record with sensible defaults; `over` replaces any field. */
export function fakeRun(over: Partial<NightRun> = {}): NightRun {
  return {
    index: 1,
    test: 'bundled-raft-register-partition',
    seed: 1,
    expect: 'valid',
    status: 'valid',
    outcome: 'pass',
    exitCode: 0,
    wallS: 31.5,
    runDir: '../../store/bundled-raft-register-partition/20261123T010000',
    log: 'logs/01-bundled-raft-register-partition-1.log',
    args: ['test', '--workload', 'register', '--seed', '1', '--store', 'store'],
    checkers: [{ name: 'linearizable', verdict: 'valid', summary: '14 keys linearizable' }],
    throughputPerS: 80,
    latencyMs: { read: { p50: 4, p99: 40 }, write: { p50: 6, p99: 60 } },
    ...over,
  };
}

/** A night of `runs`; its exit code as given (nights under test need not be consistent). */
export function fakeNight(night: string, runs: NightRun[], exitCode = 0): NightSummary {
  const startedAt = `${night.slice(0, 10)}T02:00:00.000Z`;
  return { version: 1, night, matrix: 'examples/nightly-matrix.json', startedAt, finishedAt: startedAt, wallS: 300, budgetS: 900, exitCode, runs };
}
