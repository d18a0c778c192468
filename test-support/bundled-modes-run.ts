// What the bundled-store mode suites share (src/db/bundled-modes*.integration.test.ts): seeds and
// run length from the environment, so CI runs a short version of what is measured by hand:
//   FAULTLINE_MODES_SEEDS=1,2,3,4,5,6,7,8,9,10 FAULTLINE_MODES_TIME_LIMIT=60 npx vitest run --config vitest.integration.config.ts src/db/bundled-modes
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { builtins } from '../src/builtins.js';
import type { CheckResult } from '../src/checker.js';
import { runTest, type RunOutcome } from '../src/run.js';
import { resolveSpec, type SpecOptions } from '../src/spec.js';

export const seeds = (process.env.FAULTLINE_MODES_SEEDS ?? '1,2,3').split(',').map(Number);
export const timeLimitS = Number(process.env.FAULTLINE_MODES_TIME_LIMIT ?? 15);
/** A generous budget for one run (start, workload, healing, final reads, checking), for test timeouts. */
export const runMs = (timeLimitS + 90) * 1000;
const store = mkdtempSync(join(tmpdir(), 'faultline-modes-'));
const quiet = { write: () => true } as unknown as NodeJS.WriteStream;

/** One whole run on local nodes, silently; a crashed run fails the test. */
export async function run(options: SpecOptions): Promise<RunOutcome> {
  const spec = resolveSpec({ timeLimitS, nemesisIntervalS: 4, storeDir: store, ...options }, builtins);
  const outcome = await runTest(spec, { registry: builtins, status: quiet });
  expect(outcome.crashed, `run ${spec.name} seed ${spec.seed} crashed`).toBeUndefined();
  return outcome;
}

/** One checker's result in a run. */
export function sub(outcome: RunOutcome, checker: string): CheckResult & Record<string, unknown> {
  return ((outcome.results.results ?? {}) as Record<string, CheckResult & Record<string, unknown>>)[checker]!;
}

/** Every node's log of a 5-node run, joined. */
export function nodeLogs(outcome: RunOutcome): string {
  return ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => readFileSync(join(outcome.dir, 'nodes', n, 'node.log'), 'utf8')).join('\n');
}
