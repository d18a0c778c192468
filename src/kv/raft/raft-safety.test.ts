// Randomised safety test of the Raft core: many seeds of drops, duplicates, reorders, partitions,
// crashes and restarts, checking Election Safety, State Machine Safety and Leader Completeness
// throughout (SimCluster throws on a violation) and that the cluster recovers once faults stop.
import { describe, expect, it } from 'vitest';
import { SimCluster } from './sim-cluster.js';

/** One seeded chaos run; returns how many values committed. Replay one with `runChaos(seed)`. */
function runChaos(seed: number): number {
  const sim = new SimCluster({
    nodes: seed % 2 === 0 ? 5 : 3,
    seed,
    dropRate: 0.1,
    duplicateRate: 0.05,
    maxDelayTicks: 6,
    snapshotEvery: seed % 3 === 0 ? 7 : 0,
  });
  const r = sim.random;
  let proposals = 0;
  // ReadIndex linearizability: a confirmed read's index covers everything committed before it began.
  const readFloor = new Map<number, number>();
  let nextCtx = 1;
  const seen = new Map<string, number>(sim.ids.map((id) => [id, 0]));
  const checkReads = (): void => {
    for (const id of sim.ids) {
      const states = sim.node(id).readStates;
      for (const rs of states.slice(seen.get(id)!)) {
        const floor = readFloor.get(rs.ctx)!;
        expect(rs.index, `seed ${seed}: read ${rs.ctx} on ${id} at index ${rs.index}, committed before it began: ${floor}`).toBeGreaterThanOrEqual(floor);
      }
      seen.set(id, states.length);
    }
  };
  for (let t = 0; t < 1500; t++) {
    const roll = r.next();
    if (roll < 0.01) {
      const shuffled = [...sim.ids].sort(() => r.next() - 0.5);
      const cut = r.int(1, sim.ids.length - 1);
      sim.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
    } else if (roll < 0.02) {
      sim.heal();
    } else if (roll < 0.027) {
      const victim = sim.ids[r.int(0, sim.ids.length - 1)]!;
      if (sim.node(victim).core) sim.crash(victim);
    } else if (roll < 0.04) {
      for (const id of sim.ids) if (!sim.node(id).core) sim.restart(id);
    }
    if (r.next() < 0.3) {
      const candidates = sim.ids.filter((id) => sim.node(id).core?.role === 'leader');
      const target = candidates[r.int(0, Math.max(0, candidates.length - 1))];
      if (target && sim.propose(target, `s${seed}-${proposals}`)) proposals++;
    }
    if (r.next() < 0.1) {
      for (const id of sim.ids) {
        if (sim.node(id).core?.role !== 'leader') continue;
        const ctx = nextCtx++;
        readFloor.set(ctx, Math.max(0, ...sim.committed.keys()));
        sim.readIndex(id, ctx);
      }
    }
    sim.tick();
    checkReads();
  }
  // Faults stop: the cluster must elect a leader, commit a new value and converge.
  sim.heal();
  sim.dropRate = 0;
  sim.duplicateRate = 0;
  for (const id of sim.ids) if (!sim.node(id).core) sim.restart(id);
  const leader = sim.runUntilLeader(2000);
  const placed = sim.propose(leader, `s${seed}-final`);
  sim.run(200);
  expect(placed, `seed ${seed}`).not.toBeNull();
  expect(sim.committed.get(placed!.index)?.data, `seed ${seed}`).toBe(`s${seed}-final`);
  const applied = sim.ids.map((id) => sim.node(id).appliedIndex);
  expect(new Set(applied).size, `seed ${seed}: applied ${applied.join(',')}`).toBe(1);
  return [...sim.committed.values()].filter((e) => e.data !== null).length;
}

describe('raft core safety under random faults', () => {
  it('holds for 150 seeds', () => {
    let committed = 0;
    for (let seed = 1; seed <= 150; seed++) committed += runChaos(seed);
    expect(committed).toBeGreaterThan(1000);
  });
});
