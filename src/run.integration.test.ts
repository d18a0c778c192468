// Real chaos runs on local raft clusters: the store must pass under partitions, kills and pauses,
// and the same store with stale local reads must be caught. Seeds and length come from the
// environment so CI can run a shorter version of what the issue measures by hand:
//   FAULTLINE_IT_SEEDS=1,2,3,4,5 FAULTLINE_IT_TIME_LIMIT=60 npm run test:integration
import { builtins } from './builtins.js';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinearizabilityFailure } from './checker.js';
import { runTest } from './run.js';
import { resolveSpec } from './spec.js';

const seeds = (process.env.FAULTLINE_IT_SEEDS ?? '1,2').split(',').map(Number);
const timeLimitS = Number(process.env.FAULTLINE_IT_TIME_LIMIT ?? 20);
const store = mkdtempSync(join(tmpdir(), 'faultline-it-'));
const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
/** One run: the workload, then start-up, healing, final reads and checking, with room for a loaded machine. */
const perRunMs = (timeLimitS + 90) * 1000;
const localSeeds = seeds.length >= 3 ? seeds : [...seeds, 101, 102].slice(0, 3);

async function run(seed: number, readMode: 'quorum' | 'local', nemesis: string) {
  // Node faults never take down every node at once (no `all`): with the whole cluster killed, a
  // pause that follows has no node to act on and the faults check says the run is UNKNOWN.
  const targets = /kill|pause/.test(nemesis) ? { nemesisTargets: 'one,minority,majority,primaries' } : {};
  const spec = resolveSpec({ seed, readMode, nemesis, ...targets, timeLimitS, nemesisIntervalS: 5, storeDir: store }, builtins);
  return runTest(spec, { registry: builtins, status: quiet });
}

describe('raft under faults', () => {
  it.each(seeds)('seed %i: linearizable under partitions, kills and pauses', async (seed) => {
    const outcome = await run(seed, 'quorum', 'partition,kill,pause');
    expect(outcome.crashed).toBeUndefined();
    const sub = outcome.results.results as Record<string, { valid: unknown; summary?: string }>;
    expect(sub.linearizable?.valid, sub.linearizable?.summary).toBe(true);
    expect(outcome.exitCode).toBe(0);
  }, perRunMs);
});

describe('raft with stale local reads', () => {
  it('is caught as not linearizable on most seeds, with the offending read as witness', async () => {
    const caught: LinearizabilityFailure[] = [];
    for (const seed of localSeeds) {
      const outcome = await run(seed, 'local', 'partition');
      expect(outcome.crashed).toBeUndefined();
      const lin = (outcome.results.results as Record<string, { valid: unknown; failures?: LinearizabilityFailure[] }>).linearizable;
      if (lin?.valid === false) {
        expect(outcome.exitCode).toBe(1);
        caught.push(lin.failures![0]!);
      }
    }
    expect(caught.length).toBeGreaterThan(localSeeds.length / 2);
    const stuck = caught[0]!.stuck[0]!;
    expect(stuck.op.f).toBe('read');
    expect(stuck.op.node).toMatch(/^n\d$/);
    expect(stuck.reason.length).toBeGreaterThan(0);
  }, perRunMs * localSeeds.length);
});
