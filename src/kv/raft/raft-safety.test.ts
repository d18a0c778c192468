// Randomised safety test of the Raft core: seeded runs of drops, duplicates, reorders, partitions,
// crashes and restarts, checking Election Safety, State Machine Safety, Leader Completeness and
// ReadIndex linearizability throughout, and recovery once faults stop. More seeds run in
// raft-safety.integration.test.ts.
import { describe, expect, it } from 'vitest';
import { runSimChaos } from '../../../test-support/sim-chaos.js';

describe('raft core safety under random faults', () => {
  it('holds for 100 seeds', () => {
    const runs = Array.from({ length: 100 }, (_, i) => runSimChaos(i + 1));
    expect(runs.reduce((n, s) => n + s.committed, 0)).toBeGreaterThan(1000);
    expect(runs.reduce((n, s) => n + s.reads, 0)).toBeGreaterThan(500);
    expect(runs.filter((s) => s.terms > 3).length).toBeGreaterThan(50);
  });
});
