// One seeded chaos run of the Raft core on SimCluster: drops, duplicates, reorders, partitions,
// crashes and restarts, with ReadIndex reads checked for linearizability. Throws on any violation;
// the error names the seed, and `runSimChaos(seed)` replays it exactly.
import { SimCluster } from './sim-cluster.js';

/** What one run did, for sanity checks that the schedule exercised something. */
export interface ChaosStats {
  seed: number;
  committed: number;
  reads: number;
  terms: number;
}

/** Runs `ticks` ticks of faults, then heals and requires a new commit and full convergence. */
export function runSimChaos(seed: number, ticks = 1500): ChaosStats {
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
  let reads = 0;
  const seen = new Map<string, number>(sim.ids.map((id) => [id, 0]));
  const checkReads = (): void => {
    for (const id of sim.ids) {
      const states = sim.node(id).readStates;
      for (const rs of states.slice(seen.get(id)!)) {
        const floor = readFloor.get(rs.ctx)!;
        if (rs.index < floor) {
          throw new Error(`sim seed ${seed}: stale read ${rs.ctx} on ${id} at index ${rs.index}; index ${floor} committed before it began`);
        }
        reads++;
      }
      seen.set(id, states.length);
    }
  };
  for (let t = 0; t < ticks; t++) {
    injectFault(sim);
    if (r.next() < 0.3) {
      const leaders = sim.ids.filter((id) => sim.node(id).core?.role === 'leader');
      const target = leaders[r.int(0, Math.max(0, leaders.length - 1))];
      if (target && sim.propose(target, `s${seed}-${proposals}`)) proposals++;
    }
    if (r.next() < 0.1) {
      for (const id of sim.ids) {
        if (sim.node(id).core?.role !== 'leader') continue;
        const ctx = readFloor.size + 1;
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
  // Right after healing a leader may still be deposed (its entry is then dropped): retry like a client.
  let committedFinal = false;
  for (let attempt = 0; attempt < 5 && !committedFinal; attempt++) {
    const leader = sim.runUntilLeader(2000);
    const placed = sim.propose(leader, `s${seed}-final-${attempt}`);
    sim.run(200);
    committedFinal = placed !== null && sim.committed.get(placed.index)?.data === `s${seed}-final-${attempt}`;
  }
  if (!committedFinal) throw new Error(`sim seed ${seed}: after healing, no leader could commit a new value in 5 attempts`);
  const applied = sim.ids.map((id) => sim.node(id).appliedIndex);
  if (new Set(applied).size !== 1) throw new Error(`sim seed ${seed}: nodes did not converge; applied ${applied.join(', ')}`);
  return {
    seed,
    committed: [...sim.committed.values()].filter((e) => e.data !== null).length,
    reads,
    terms: sim.leaders.size,
  };
}

/**
 * One tick's fault, drawn from the cluster's random stream: now and then a random split, a heal,
 * a crash of one node, or every crashed node restarted; most ticks nothing.
 */
export function injectFault(sim: SimCluster): void {
  const r = sim.random;
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
}
