// Scenario tests of the Raft core on the simulated network: elections, replication, partitions,
// stale leaders, PreVote, ReadIndex and snapshots.
import { describe, expect, it } from 'vitest';
import { createPrng } from '../prng.js';
import { RaftCore } from './raft-core.js';
import { SimCluster } from '../../../test-support/sim-cluster.js';
import type { RaftMessage } from './raft-types.js';

function committedData(sim: SimCluster): unknown[] {
  return [...sim.committed.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e.data).filter((d) => d !== null);
}

describe('raft core elections', () => {
  it('elects exactly one leader that every node follows', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sim = new SimCluster({ nodes: 5, seed });
      const leader = sim.runUntilLeader();
      sim.run(20);
      const term = sim.core(leader).term;
      for (const id of sim.ids) {
        expect(sim.core(id).leader).toBe(leader);
        expect(sim.core(id).term).toBe(term);
      }
    }
  });

  it('a single node elects itself and commits at once', () => {
    const sim = new SimCluster({ nodes: 1, seed: 7 });
    const leader = sim.runUntilLeader();
    expect(sim.propose(leader, 'x')).not.toBeNull();
    expect(committedData(sim)).toEqual(['x']);
  });

  it('does not elect a leader in a minority partition, and the majority side does', () => {
    const sim = new SimCluster({ nodes: 5, seed: 11 });
    const old = sim.runUntilLeader();
    const minority = [old, sim.ids.find((id) => id !== old)!];
    const majority = sim.ids.filter((id) => !minority.includes(id));
    sim.partition([minority, majority]);
    sim.run(200);
    const leaders = sim.ids.filter((id) => sim.core(id).role === 'leader');
    expect(leaders).toHaveLength(1);
    expect(majority).toContain(leaders[0]);
    // CheckQuorum: the old leader stepped down without hearing from a majority.
    expect(sim.core(old).role).not.toBe('leader');
  });

  it('PreVote: an isolated follower does not inflate its term or disrupt the leader when it rejoins', () => {
    const sim = new SimCluster({ nodes: 3, seed: 12 });
    const leader = sim.runUntilLeader();
    const loner = sim.ids.find((id) => id !== leader)!;
    const term = sim.core(leader).term;
    sim.partition([[loner], sim.ids.filter((id) => id !== loner)]);
    sim.run(300);
    expect(sim.core(loner).term).toBe(term);
    sim.heal();
    sim.run(100);
    expect(sim.stableLeader()).toBe(leader);
    expect(sim.core(leader).term).toBe(term);
  });

  it('a leader with a stale term steps down when it hears from the new term', () => {
    const sim = new SimCluster({ nodes: 3, seed: 13 });
    const old = sim.runUntilLeader();
    const others = sim.ids.filter((id) => id !== old);
    sim.partition([[old], others]);
    const stale = sim.propose(old, 'lost-write')!;
    expect(stale).not.toBeNull();
    // Cut only the old leader's outbound links' answers: it cannot learn it lost quorum via CheckQuorum
    // before we heal, because we heal before an election timeout passes on its side.
    sim.run(8);
    expect(sim.core(old).role).toBe('leader');
    // The majority elects a new leader in a higher term meanwhile (their links to old are cut).
    sim.cutLink(others[0]!, old);
    let next: string | undefined;
    for (let i = 0; i < 400 && !next; i++) {
      sim.tick();
      next = others.find((id) => sim.core(id).role === 'leader');
    }
    expect(next).toBeDefined();
    const newTerm = sim.core(next!).term;
    expect(newTerm).toBeGreaterThan(stale.term);
    sim.propose(next!, 'new-write');
    sim.heal();
    sim.run(100);
    expect(sim.core(old).role).toBe('follower');
    expect(sim.core(old).term).toBeGreaterThanOrEqual(newTerm);
    // The stale leader's uncommitted entry was replaced, never committed.
    expect(committedData(sim)).toContain('new-write');
    expect(committedData(sim)).not.toContain('lost-write');
    expect(sim.committed.get(stale.index)?.term).not.toBe(stale.term);
  });

  it('a leader that receives an answer carrying a higher term becomes a follower at once', () => {
    const core = new RaftCore({
      id: 'n1',
      peers: ['n2', 'n3'],
      electionTicksMin: 10,
      electionTicksMax: 10,
      heartbeatTicks: 2,
      maxEntriesPerAppend: 8,
      random: createPrng(1),
      recovered: { hardState: { term: 0, vote: null }, snapshot: null, entries: [] },
    });
    for (let i = 0; i < 10; i++) core.tick();
    core.ready();
    const grant = (type: 'preVoteResp' | 'voteResp', term: number): RaftMessage => ({ type, from: 'n2', to: 'n1', term, granted: true });
    core.step(grant('preVoteResp', 1));
    core.step(grant('voteResp', 1));
    expect(core.role).toBe('leader');
    core.ready();
    core.step({ type: 'appendResp', from: 'n3', to: 'n1', term: 5, success: false, index: 0, hint: 0 });
    expect(core.role).toBe('follower');
    expect(core.term).toBe(5);
    expect(core.ready().hardState).toEqual({ term: 5, vote: null });
  });
});

function leaderOf5(recoveredTerm: number, entries: { index: number; term: number; data: unknown }[]): RaftCore {
  const core = new RaftCore({
    id: 'n1',
    peers: ['n2', 'n3', 'n4', 'n5'],
    electionTicksMin: 10,
    electionTicksMax: 10,
    heartbeatTicks: 2,
    maxEntriesPerAppend: 8,
    random: createPrng(1),
    recovered: { hardState: { term: recoveredTerm, vote: null }, snapshot: null, entries },
  });
  for (let i = 0; i < 10; i++) core.tick();
  for (const from of ['n2', 'n3']) core.step({ type: 'preVoteResp', from, to: 'n1', term: recoveredTerm + 1, granted: true });
  for (const from of ['n2', 'n3']) core.step({ type: 'voteResp', from, to: 'n1', term: recoveredTerm + 1, granted: true });
  expect(core.role).toBe('leader');
  core.ready();
  return core;
}

describe('raft core commitment rules', () => {
  it('never commits an entry of an earlier term by counting replicas (Raft Figure 8)', () => {
    const core = leaderOf5(3, [
      { index: 1, term: 1, data: 'a' },
      { index: 2, term: 2, data: 'b' },
    ]);
    // Index 3 is the new leader's no-op of term 4. A majority now holds index 2 (term 2) but not 3.
    for (const from of ['n2', 'n3']) core.step({ type: 'appendResp', from, to: 'n1', term: 4, success: true, index: 2, hint: 0 });
    expect(core.commitIndex).toBe(0);
    for (const from of ['n2', 'n3']) core.step({ type: 'appendResp', from, to: 'n1', term: 4, success: true, index: 3, hint: 0 });
    expect(core.commitIndex).toBe(3);
  });

  it('confirms a read only when a majority acknowledges a heartbeat round sent after it', () => {
    const core = leaderOf5(3, []);
    for (const from of ['n2', 'n3']) core.step({ type: 'appendResp', from, to: 'n1', term: 4, success: true, index: 1, hint: 0 });
    expect(core.status().committedInTerm).toBe(true);
    const before = core.currentSeq();
    core.step({ type: 'heartbeatResp', from: 'n2', to: 'n1', term: 4, seq: before });
    core.step({ type: 'heartbeatResp', from: 'n3', to: 'n1', term: 4, seq: before });
    expect(core.quorumAckedSeq()).toBe(before);
    core.readIndex(42);
    const round = core.ready();
    const seq = core.currentSeq();
    expect(seq).toBe(before + 1);
    expect(round.messages.filter((m) => m.type === 'heartbeat')).toHaveLength(4);
    core.step({ type: 'heartbeatResp', from: 'n2', to: 'n1', term: 4, seq });
    expect(core.ready().readStates).toEqual([]);
    expect(core.quorumAckedSeq()).toBe(before);
    core.step({ type: 'heartbeatResp', from: 'n4', to: 'n1', term: 4, seq });
    expect(core.ready().readStates).toEqual([{ ctx: 42, index: 1 }]);
    expect(core.quorumAckedSeq()).toBe(seq);
  });

  it('persists a vote granted within the current term before answering', () => {
    const core = leaderOf5(3, []);
    const follower = new RaftCore({
      id: 'n2',
      peers: ['n1', 'n3'],
      electionTicksMin: 10,
      electionTicksMax: 10,
      heartbeatTicks: 2,
      maxEntriesPerAppend: 8,
      random: createPrng(2),
      recovered: { hardState: { term: 4, vote: null }, snapshot: null, entries: [] },
    });
    for (let i = 0; i < 10; i++) follower.tick(); // outlive the boot guard
    follower.ready();
    follower.step({ type: 'vote', from: 'n3', to: 'n2', term: 4, lastIndex: 0, lastTerm: 0 });
    const rd = follower.ready();
    expect(rd.hardState).toEqual({ term: 4, vote: 'n3' });
    expect(rd.messages).toEqual([{ type: 'voteResp', from: 'n2', to: 'n3', term: 4, granted: true }]);
    expect(core.term).toBe(4);
  });
});

describe('raft core replication', () => {
  it('replicates proposals to every node in order', () => {
    const sim = new SimCluster({ nodes: 5, seed: 21, maxDelayTicks: 3 });
    const leader = sim.runUntilLeader();
    for (let i = 0; i < 50; i++) sim.propose(leader, `v${i}`);
    sim.run(100);
    const expected = Array.from({ length: 50 }, (_, i) => `v${i}`);
    for (const id of sim.ids) {
      expect(sim.node(id).applied.filter((d) => d !== null)).toEqual(expected);
    }
  });

  it('commits through message loss, duplication and reordering', () => {
    const sim = new SimCluster({ nodes: 5, seed: 22, dropRate: 0.2, duplicateRate: 0.1, maxDelayTicks: 4 });
    let proposed = 0;
    for (let round = 0; round < 300; round++) {
      const leader = sim.stableLeader();
      if (leader && sim.propose(leader, `v${proposed}`)) proposed++;
      sim.tick();
    }
    sim.dropRate = 0;
    sim.run(200);
    expect(proposed).toBeGreaterThan(50);
    const lastApplied = Math.min(...sim.ids.map((id) => sim.node(id).appliedIndex));
    expect(lastApplied).toBe(Math.max(...sim.committed.keys()));
  });

  it('a follower that was partitioned catches up after healing', () => {
    const sim = new SimCluster({ nodes: 3, seed: 23 });
    const leader = sim.runUntilLeader();
    const lagger = sim.ids.find((id) => id !== leader)!;
    sim.partition([[lagger], sim.ids.filter((id) => id !== lagger)]);
    for (let i = 0; i < 30; i++) sim.propose(leader, `v${i}`);
    sim.run(50);
    expect(sim.node(lagger).appliedIndex).toBeLessThan(sim.node(leader).appliedIndex);
    sim.heal();
    sim.run(100);
    expect(sim.node(lagger).appliedIndex).toBe(sim.node(leader).appliedIndex);
  });

  it('sends a snapshot to a follower that lags behind the compacted log', () => {
    const sim = new SimCluster({ nodes: 3, seed: 24, snapshotEvery: 10 });
    const leader = sim.runUntilLeader();
    const lagger = sim.ids.find((id) => id !== leader)!;
    sim.crash(lagger);
    for (let i = 0; i < 40; i++) sim.propose(leader, `v${i}`);
    sim.run(50);
    expect(sim.core(leader).log.snapshotIndex).toBeGreaterThan(sim.node(lagger).disk.entries.length);
    sim.restart(lagger);
    for (let i = 40; i < 45; i++) sim.propose(leader, `v${i}`);
    sim.run(100);
    expect(sim.node(lagger).disk.snapshot).not.toBeNull();
    expect(sim.node(lagger).appliedIndex).toBe(sim.node(leader).appliedIndex);
  });

  it('a restarted node recovers its term, vote and log from disk', () => {
    const sim = new SimCluster({ nodes: 3, seed: 25 });
    const leader = sim.runUntilLeader();
    for (let i = 0; i < 10; i++) sim.propose(leader, `v${i}`);
    sim.run(20);
    const before = sim.core(leader).status();
    sim.crash(leader);
    sim.restart(leader);
    const after = sim.core(leader).status();
    expect(after.term).toBe(before.term);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(after.role).toBe('follower');
    sim.run(200);
    expect(sim.node(leader).appliedIndex).toBeGreaterThanOrEqual(before.lastIndex);
    expect(sim.node(leader).appliedIndex).toBe(sim.node(sim.stableLeader()!).appliedIndex);
  });
});

describe('raft core reads', () => {
  it('ReadIndex is confirmed by a majority and reports the commit index', () => {
    const sim = new SimCluster({ nodes: 3, seed: 31 });
    const leader = sim.runUntilLeader();
    sim.propose(leader, 'a');
    sim.run(10);
    expect(sim.readIndex(leader, 1)).toBe(true);
    expect(sim.node(leader).readStates).toEqual([]);
    sim.run(3);
    expect(sim.node(leader).readStates).toEqual([{ ctx: 1, index: sim.core(leader).commitIndex }]);
  });

  it('an isolated leader never confirms a read and drops it when it steps down', () => {
    const sim = new SimCluster({ nodes: 3, seed: 32 });
    const leader = sim.runUntilLeader();
    sim.partition([[leader], sim.ids.filter((id) => id !== leader)]);
    expect(sim.readIndex(leader, 7)).toBe(true);
    sim.run(100);
    expect(sim.node(leader).readStates).toEqual([]);
    expect(sim.node(leader).droppedReads).toEqual([7]);
  });

  it('a new leader defers reads until it commits an entry of its own term', () => {
    const sim = new SimCluster({ nodes: 3, seed: 33 });
    const first = sim.runUntilLeader();
    const others = sim.ids.filter((id) => id !== first);
    sim.crash(first);
    let next: string | undefined;
    for (let i = 0; i < 400 && !next; i++) {
      sim.tick();
      next = others.find((id) => sim.core(id).role === 'leader');
    }
    expect(next).toBeDefined();
    // Block its no-op from committing: cut its links to the only other live node.
    sim.partition([[next!], others.filter((id) => id !== next)]);
    if (!sim.core(next!).status().committedInTerm) {
      sim.readIndex(next!, 9);
      sim.run(5);
      expect(sim.node(next!).readStates).toEqual([]);
    }
  });

  it('the follower refuses to vote while it hears from a leader (leader stickiness)', () => {
    const sim = new SimCluster({ nodes: 3, seed: 34 });
    const leader = sim.runUntilLeader();
    const follower = sim.ids.find((id) => id !== leader)!;
    const term = sim.core(follower).term;
    sim.core(follower).step({ type: 'vote', from: 'n9', to: follower, term: term + 5, lastIndex: 100, lastTerm: term + 4 });
    expect(sim.core(follower).term).toBe(term);
    expect(sim.core(follower).vote).not.toBe('n9');
  });
});
