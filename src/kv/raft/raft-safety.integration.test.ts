// The long sweep of the randomised Raft core safety test (see raft-safety.test.ts).
import { describe, expect, it } from 'vitest';
import { runSimChaos } from './sim-chaos.js';

describe('raft core safety under random faults (long)', () => {
  it('holds for 2000 seeds of 3000 ticks', () => {
    let committed = 0;
    for (let seed = 1001; seed <= 3000; seed++) committed += runSimChaos(seed, 3000).committed;
    expect(committed).toBeGreaterThan(50_000);
  });
});
