// Membership changes in the Raft core on the simulated network: single-server removes and adds,
// the rules that make them safe (one at a time, the no-op first), what a removed node does, and
// 100 seeds of random changes under faults (test-support/sim-membership-chaos.ts).
import { describe, expect, it } from 'vitest';
import { SimCluster } from '../../../test-support/sim-cluster.js';
import { runSimMembershipChaos } from '../../../test-support/sim-membership-chaos.js';

function committedData(sim: SimCluster): unknown[] {
  return [...sim.committed.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e.data).filter((d) => d !== null);
}

describe('raft core membership changes', () => {
  it('removes a follower: the rest commit without it, and it never campaigns', () => {
    const sim = new SimCluster({ nodes: 3, seed: 41 });
    const leader = sim.runUntilLeader();
    sim.run(10);
    const gone = sim.ids.find((id) => id !== leader)!;
    const placed = sim.changeMembership(leader, { action: 'remove', node: gone });
    expect(placed).not.toBeNull();
    sim.run(20);
    expect(sim.core(leader).status().members).toEqual(sim.ids.filter((id) => id !== gone));
    expect(sim.core(gone).isVoter()).toBe(false);
    const term = sim.core(gone).term;
    // Cut it off entirely: a voter would campaign; a removed node stays quiet at its term.
    sim.partition([[gone], sim.ids.filter((id) => id !== gone)]);
    sim.propose(leader, 'without-it');
    sim.run(300);
    expect(sim.core(gone).term).toBe(term);
    expect(sim.core(gone).role).toBe('follower');
    expect(committedData(sim)).toContain('without-it');
  });

  it('a removed node that missed its removal does not disrupt the leader (PreVote and stickiness)', () => {
    const sim = new SimCluster({ nodes: 5, seed: 42 });
    const leader = sim.runUntilLeader();
    sim.run(10);
    const gone = sim.ids.find((id) => id !== leader)!;
    sim.partition([[gone], sim.ids.filter((id) => id !== gone)]);
    sim.changeMembership(leader, { action: 'remove', node: gone });
    sim.run(300);
    expect(sim.core(gone).isVoter()).toBe(true); // it never heard
    const term = sim.core(leader).term;
    sim.heal();
    for (let i = 0; i < 20; i++) {
      sim.propose(leader, `v${i}`);
      sim.run(15);
    }
    expect(sim.stableLeader()).toBe(leader);
    expect(sim.core(leader).term).toBe(term);
  });

  it('a leader that removes itself leads until the change commits, then steps down and never leads again', () => {
    const sim = new SimCluster({ nodes: 3, seed: 43 });
    const old = sim.runUntilLeader();
    sim.run(10);
    sim.changeMembership(old, { action: 'remove', node: old });
    sim.run(400);
    const next = sim.runUntilLeader();
    expect(next).not.toBe(old);
    expect(sim.core(next).status().members).toEqual(sim.ids.filter((id) => id !== old));
    expect(sim.core(old).role).toBe('follower');
    expect([...sim.leaders.entries()].filter(([term, id]) => id === old && term > sim.core(old).term)).toEqual([]);
    expect(sim.propose(next, 'after')).not.toBeNull();
    sim.run(20);
    expect(committedData(sim)).toContain('after');
  });

  it('refuses a second change while the first is uncommitted, and any change before an entry of its term commits', () => {
    const sim = new SimCluster({ nodes: 5, seed: 44 });
    const leader = sim.runUntilLeader();
    sim.run(10);
    const [a, b] = sim.ids.filter((id) => id !== leader);
    // Block commits: the leader alone.
    sim.partition([[leader], sim.ids.filter((id) => id !== leader)]);
    expect(sim.changeMembership(leader, { action: 'remove', node: a! })).toMatchObject({ index: expect.any(Number) });
    expect(sim.changeMembership(leader, { action: 'remove', node: b! })).toEqual({ refused: expect.stringContaining('is not committed yet') });
    expect(sim.core(leader).status().membersPending).toEqual(sim.ids.filter((id) => id !== a));
    // A fresh leader whose no-op has not committed refuses too.
    const fresh = new SimCluster({ nodes: 3, seed: 45 });
    const l2 = fresh.runUntilLeader();
    expect(fresh.core(l2).status().committedInTerm).toBe(false);
    expect(fresh.changeMembership(l2, { action: 'remove', node: fresh.ids.find((id) => id !== l2)! })).toEqual({
      refused: expect.stringContaining('has not yet committed an entry of term'),
    });
    expect(fresh.changeMembership(fresh.ids.find((id) => id !== l2)!, { action: 'add', node: 'n1' })).toBeNull();
    fresh.run(10);
    expect(fresh.changeMembership(l2, { action: 'add', node: l2 })).toEqual({ refused: `node "${l2}" is already a member` });
    expect(fresh.changeMembership(l2, { action: 'add', node: 'n9' })).toEqual({ refused: expect.stringContaining('is not one of the cluster') });
  });

  it('a node added back with a stale, compacted-past log catches up by snapshot and votes again', () => {
    const sim = new SimCluster({ nodes: 3, seed: 46, snapshotEvery: 5 });
    const leader = sim.runUntilLeader();
    sim.run(10);
    const gone = sim.ids.find((id) => id !== leader)!;
    sim.changeMembership(leader, { action: 'remove', node: gone });
    sim.run(20);
    sim.crash(gone);
    for (let i = 0; i < 30; i++) sim.propose(leader, `v${i}`);
    sim.run(50);
    sim.restart(gone);
    expect(sim.core(gone).isVoter()).toBe(false);
    expect(sim.changeMembership(leader, { action: 'add', node: gone })).toMatchObject({ index: expect.any(Number) });
    sim.run(100);
    expect(sim.node(gone).disk.snapshot).not.toBeNull();
    expect(sim.core(gone).isVoter()).toBe(true);
    expect(sim.node(gone).appliedIndex).toBe(sim.node(leader).appliedIndex);
    expect(sim.core(leader).status().members).toEqual([...sim.ids].sort());
    // It counts again: with the third node down, the leader and the re-added node commit.
    sim.crash(sim.ids.find((id) => id !== leader && id !== gone)!);
    const placed = sim.propose(leader, 'with-it');
    sim.run(20);
    expect(sim.committed.get(placed!.index)?.data).toBe('with-it');
  });
});

describe('raft core safety under random membership changes and faults', () => {
  it('holds for 100 seeds', () => {
    const runs = Array.from({ length: 100 }, (_, i) => runSimMembershipChaos(i + 1));
    expect(runs.reduce((n, s) => n + s.changes, 0)).toBeGreaterThan(500);
    expect(runs.reduce((n, s) => n + s.committed, 0)).toBeGreaterThan(5000);
    expect(runs.filter((s) => s.fewestVoters === 1).length).toBeGreaterThan(5);
    expect(runs.reduce((n, s) => n + s.refused, 0)).toBeGreaterThan(100);
  });
});
