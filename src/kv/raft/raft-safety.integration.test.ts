// The long sweep of the randomised Raft core safety test (see raft-safety.test.ts): 2000 seeds of
// 3000 ticks, in chunks that yield between seeds so the test runner stays responsive.
import { describe, expect, it } from 'vitest';
import { runSimChaos } from '../../../test-support/sim-chaos.js';

const CHUNK = 250;

describe('raft core safety under random faults (long)', () => {
  it.each(Array.from({ length: 8 }, (_, i) => 1001 + i * CHUNK))('holds for seeds %d.. (+250, 3000 ticks each)', async (first) => {
    let committed = 0;
    for (let seed = first; seed < first + CHUNK; seed++) {
      committed += runSimChaos(seed, 3000).committed;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(committed).toBeGreaterThan(CHUNK * 20);
  });
});
