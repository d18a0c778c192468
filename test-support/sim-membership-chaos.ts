// One seeded chaos run of the Raft core with membership changes: random single-server adds and
// removes interleaved with writes, drops, duplicates, reorders, partitions, crashes and restarts.
// SimCluster checks Election Safety, State Machine Safety and Leader Completeness on every step;
// at the end every removed node is added back and every node's applied log must equal the others'.
// Throws on any violation, naming the seed; `runSimMembershipChaos(seed)` replays it exactly.
import type { NodeId } from '../src/kv/raft/raft-types.js';
import { injectFault } from './sim-chaos.js';
import { SimCluster } from './sim-cluster.js';

/** What one run did, for sanity checks that the schedule exercised something. */
export interface MembershipChaosStats {
  seed: number;
  committed: number;
  /** Configuration entries that committed. */
  changes: number;
  /** Changes the leader refused (one in flight, or no entry of its term committed yet). */
  refused: number;
  /** The fewest voters any committed configuration had. */
  fewestVoters: number;
  terms: number;
}

export function runSimMembershipChaos(seed: number, ticks = 1500): MembershipChaosStats {
  const nodes = seed % 2 === 0 ? 5 : 3;
  const sim = new SimCluster({
    nodes,
    seed,
    dropRate: 0.1,
    duplicateRate: 0.05,
    maxDelayTicks: 6,
    snapshotEvery: seed % 3 === 0 ? 7 : 0,
  });
  const r = sim.random;
  // Some seeds shrink the cluster to one voter; the others keep a majority of the nodes, as the adapter does.
  const minVoters = seed % 4 === 1 ? 1 : Math.floor(nodes / 2) + 1;
  let proposals = 0;
  let refused = 0;
  const leaders = (): NodeId[] => sim.ids.filter((id) => sim.node(id).core?.role === 'leader');
  for (let t = 0; t < ticks; t++) {
    injectFault(sim);
    if (r.next() < 0.3) {
      const all = leaders();
      const target = all[r.int(0, Math.max(0, all.length - 1))];
      if (target && sim.propose(target, `s${seed}-${proposals}`)) proposals++;
    }
    if (r.next() < 0.03) {
      // Any leader (a stale one too) may be asked: the core must refuse what is not safe.
      const all = leaders();
      const target = all[r.int(0, Math.max(0, all.length - 1))];
      if (target) {
        const voters = sim.core(target).configAt(sim.core(target).log.lastIndex());
        const outside = sim.ids.filter((id) => !voters.includes(id));
        const remove = outside.length === 0 || (voters.length > minVoters && r.next() < 0.5);
        const pool = remove ? voters : outside;
        const node = pool[r.int(0, pool.length - 1)]!;
        const placed = sim.changeMembership(target, { action: remove ? 'remove' : 'add', node });
        if (placed && 'refused' in placed) refused++;
      }
    }
    sim.tick();
  }
  // Faults stop; every removed node is added back, one change at a time, retried like a client.
  sim.heal();
  sim.dropRate = 0;
  sim.duplicateRate = 0;
  for (const id of sim.ids) if (!sim.node(id).core) sim.restart(id);
  for (let attempt = 0; attempt < 50; attempt++) {
    const leader = sim.runUntilLeader(2000);
    const core = sim.core(leader);
    const voters = core.configAt(core.log.lastIndex());
    const outside = sim.ids.filter((id) => !voters.includes(id));
    if (outside.length === 0 && core.status().membersPending === null) break;
    if (outside.length > 0) sim.changeMembership(leader, { action: 'add', node: outside[0]! });
    sim.run(100);
  }
  let committedFinal = false;
  for (let attempt = 0; attempt < 5 && !committedFinal; attempt++) {
    const leader = sim.runUntilLeader(2000);
    const placed = sim.propose(leader, `s${seed}-final-${attempt}`);
    sim.run(300);
    committedFinal = placed !== null && sim.committed.get(placed.index)?.data === `s${seed}-final-${attempt}`;
  }
  if (!committedFinal) throw new Error(`sim seed ${seed}: after healing, no leader could commit a new value in 5 attempts`);
  const leader = sim.core(sim.runUntilLeader(2000));
  const members = leader.status().members;
  if (members.length !== sim.ids.length) throw new Error(`sim seed ${seed}: after adding every node back the members are ${members.join(', ')}`);
  const applied = sim.ids.map((id) => sim.node(id).appliedIndex);
  if (new Set(applied).size !== 1) throw new Error(`sim seed ${seed}: nodes did not converge; applied ${applied.join(', ')}`);
  // Every committed entry is still there: nothing was lost across the changes (SimCluster checked each one as applied).
  const last = Math.max(...sim.committed.keys());
  for (let i = 1; i <= last; i++) if (!sim.committed.has(i) && i > 0) throw new Error(`sim seed ${seed}: index ${i} was never applied by any node`);
  let changes = 0;
  let fewestVoters = nodes;
  for (const entry of sim.committed.values()) {
    const config = (entry.data as { config?: NodeId[] } | null)?.config;
    if (!Array.isArray(config)) continue;
    changes++;
    fewestVoters = Math.min(fewestVoters, config.length);
  }
  return { seed, committed: [...sim.committed.values()].filter((e) => e.data !== null).length, changes, refused, fewestVoters, terms: sim.leaders.size };
}
