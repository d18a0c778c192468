// Whole chaos runs of the bundled store's sets and counters on local multi-process clusters:
// leaderless quorums (LWW and vector clocks), CRDTs with and without anti-entropy, and raft. The
// register modes are in bundled-modes.integration.test.ts; seeds and length: test-support/bundled-modes-run.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSet } from '../../checkers/set.js';
import { splitByKey } from '../../checkers/per-key.js';
import type { CheckResult } from '../checker.js';
import { readJsonlHistory } from '../formats/jsonl.js';
import type { RunOutcome } from '../run.js';
import { run, runMs, seeds, sub } from '../../test-support/bundled-modes-run.js';

describe('sets on leaderless quorums', () => {
  it('quorum (LWW) loses concurrently added elements; quorum-vc keeps them as siblings', async () => {
    const lww = await run({ storeMode: 'quorum', workload: 'set', nemesis: 'partition', seed: seeds[0]! });
    expect(sub(lww, 'set').valid).toBe(false);
    const vc = await run({ storeMode: 'quorum-vc', workload: 'set', nemesis: 'partition', seed: seeds[0]! });
    expect(sub(vc, 'set').valid).toBe(true);
    expect(sub(vc, 'convergence').valid).toBe(true);
  }, 2 * runMs);
});

describe('sets on quorum (LWW) under clock skew', () => {
  /** Lost elements over all keys, and those whose add overlapped no other add. */
  function lostElements(outcome: RunOutcome): { lost: number; alone: number } {
    const history = readJsonlHistory(readFileSync(join(outcome.dir, 'history.jsonl'), 'utf8'));
    let lost = 0;
    let alone = 0;
    for (const ops of splitByKey(history).values()) {
      const r = checkSet(ops);
      lost += r.counts.lost;
      alone += r.counts.lostAlone;
    }
    return { lost, alone };
  }

  it('loses elements no concurrent add can explain only when clocks are skewed', async () => {
    // Racing read-modify-writes lose elements in quorum with or without faults; a lost element
    // whose add overlapped no other add needs a later write stamped older than an earlier one.
    const calm = lostElements(await run({ storeMode: 'quorum', workload: 'set', nemesis: 'none', seed: seeds[0]! }));
    expect(calm.alone).toBe(0);
    const skewed = [];
    for (const seed of seeds) skewed.push(lostElements(await run({ storeMode: 'quorum', workload: 'set', nemesis: 'clock', seed })));
    console.log(`quorum LWW sets: no faults ${JSON.stringify(calm)}; clock skew ${JSON.stringify(skewed)}`);
    expect(skewed.some((r) => r.alone > 0)).toBe(true);
  }, (1 + seeds.length) * runMs);
});

describe('crdt: always available, converging after healing', () => {
  it.each(['counter', 'set'] as const)('%s: every replica ends with the same value, the one the acknowledged ops imply', async (workload) => {
    const outcome = await run({ storeMode: 'crdt', workload, nemesis: 'partition,kill', seed: seeds[0]! });
    const convergence = sub(outcome, 'convergence') as { valid: unknown; summary: string; nodes: string[] };
    expect(convergence.valid, convergence.summary).toBe(true);
    expect(convergence.nodes).toHaveLength(5);
    expect(sub(outcome, 'stats').valid).toBe(true);
  }, runMs);

  it('with anti-entropy off, deltas a crash dropped stay lost: convergence catches diverged replicas', async () => {
    // A partition alone loses nothing here: TCP holds the bytes and delivers them when it heals.
    let caught = 0;
    for (const seed of seeds.slice(0, 2)) {
      const outcome = await run({ storeMode: 'crdt', workload: 'set', nemesis: 'partition,kill', antiEntropy: 'off', seed });
      if (sub(outcome, 'convergence').valid === false) caught++;
    }
    expect(caught).toBeGreaterThan(0);
  }, 2 * runMs);
});

describe('raft: sets and counters', () => {
  it.each(['set', 'counter'] as const)('%s: valid under partitions, kills and pauses, nothing acknowledged lost', async (workload) => {
    // Node faults never take down every node at once: a pause after a kill of all would have no node to act on.
    const outcome = await run({ storeMode: 'raft', workload, nemesis: 'partition,kill,pause', nemesisTargets: 'one,minority,majority,primaries', seed: seeds[0]! });
    for (const [name, result] of Object.entries(outcome.results.results as Record<string, CheckResult>)) expect(result.valid, `${name}: ${result.summary}`).toBe(true);
  }, runMs);
});
