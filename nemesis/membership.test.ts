// The membership fault without a cluster: a fake db that keeps a member list and allows what a
// Raft cluster would (remove while a majority of the nodes stays, add a node that left, nothing
// while a change is in flight). Start ops make one legal change drawn from the seed; stop ops add
// every node back, one at a time, each committed before the next.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtins } from '../src/builtins.js';
import type { Db, DbContext, MembershipChange, MembershipDb } from '../src/db-contract.js';
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { NodeFaultOutcome, Runtime } from '../src/runtime/runtime.js';
import { membershipFault, membershipNemesis, nextRestoreStep, planMembershipChange } from './membership.js';
import type { NemesisContext } from './nemesis.js';
import { restartDeadNodes } from './node-faults.js';

const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });
const pacing = { waitMs: 200, retryMs: 50, pollMs: 5 };

/** A cluster of `nodes` as a db that can change its membership; `inFlight` asks counts down before changes are legal again. */
function fakeCluster(nodes: readonly string[], seed = 1) {
  const members = new Set(nodes);
  const log: string[] = [];
  const state = { inFlight: 0, changing: false, overlapped: false };
  const majority = Math.floor(nodes.length / 2) + 1;
  const legal = (): MembershipChange[] => {
    if (state.inFlight > 0) return [];
    const removes = members.size - 1 >= majority ? [...members].map((node) => ({ op: 'remove' as const, node })) : [];
    const adds = nodes.filter((n) => !members.has(n)).map((node) => ({ op: 'add' as const, node }));
    return [...removes, ...adds];
  };
  const db: MembershipDb = {
    name: 'fake',
    start: async () => undefined,
    awaitReady: async () => undefined,
    members: async () => [...members].sort(),
    legalMembershipChanges: async () => {
      const now = legal();
      if (state.inFlight > 0) state.inFlight--;
      return now;
    },
    changeMembership: async (change) => {
      if (!legal().some((c) => c.op === change.op && c.node === change.node)) throw new Error(`illegal change ${change.op} ${change.node}`);
      if (state.changing) state.overlapped = true;
      state.changing = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (change.op === 'remove') members.delete(change.node);
      else members.add(change.node);
      log.push(`${change.op} ${change.node}`);
      state.changing = false;
    },
  };
  const runtime = { name: 'fake', nodes, isRunning: () => true } as unknown as Runtime;
  const ctx: NemesisContext = { runtime, db, dbCtx: {} as DbContext, nodes, random: createRandom(seed) };
  return { ctx, db, members, log, state, nemesis: membershipNemesis(ctx, pacing) };
}

describe('planning a membership change', () => {
  it('draws one of the legal changes from the seed, whatever order the db lists them in', () => {
    const legal: MembershipChange[] = [{ op: 'remove', node: 'n1' }, { op: 'remove', node: 'n2' }, { op: 'add', node: 'n3' }];
    for (let seed = 1; seed <= 20; seed++) {
      const a = planMembershipChange(legal, createRandom(seed));
      expect(legal).toContainEqual(a);
      expect(planMembershipChange([...legal].reverse(), createRandom(seed))).toEqual(a);
    }
    expect(new Set(Array.from({ length: 40 }, (_, s) => JSON.stringify(planMembershipChange(legal, createRandom(s)))))).toHaveProperty('size', 3);
    expect(planMembershipChange([], createRandom(1))).toBeUndefined();
  });

  it('restores by adding the lowest node the db allows, waits while nodes are missing but none may be added, and is done when all are members', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    expect(nextRestoreStep(nodes, ['n1', 'n2', 'n3'], [{ op: 'add', node: 'n5' }, { op: 'add', node: 'n4' }, { op: 'remove', node: 'n1' }])).toEqual({ add: 'n4' });
    expect(nextRestoreStep(nodes, ['n1', 'n2', 'n3'], [])).toEqual({ wait: ['n4', 'n5'] });
    expect(nextRestoreStep(nodes, nodes, [{ op: 'remove', node: 'n1' }])).toBe('done');
    // A member added but not started yet: the db offers the add that completes it.
    expect(nextRestoreStep(nodes, nodes, [{ op: 'add', node: 'n2' }])).toEqual({ add: 'n2' });
    expect(nextRestoreStep(nodes, nodes, [{ op: 'add', node: 'n9' }])).toBe('done');
  });
});

describe('the membership fault', () => {
  it('makes one legal change and records it with the members after it', async () => {
    const { nemesis, members, log } = fakeCluster(['n1', 'n2', 'n3']);
    const value = (await nemesis.invoke(op('start-membership'))) as { change: MembershipChange; members: string[]; description: string };
    expect(value.change.op).toBe('remove');
    expect(log).toEqual([`remove ${value.change.node}`]);
    expect(value.members).toEqual([...members].sort());
    expect(value.members).toHaveLength(2);
    expect(value.description).toBe(`remove ${value.change.node}; members ${value.members.join(' ')}`);
  });

  it('asks again while no change is legal for a moment (a change in flight), then makes one', async () => {
    const { nemesis, state, log } = fakeCluster(['n1', 'n2', 'n3']);
    state.inFlight = 2; // the first two asks find a change in flight
    const value = (await nemesis.invoke(op('start-membership'))) as { change: MembershipChange };
    expect(log).toEqual([`remove ${value.change.node}`]);
  });

  it('says so when no change is legal, changing nothing', async () => {
    const { nemesis, state, log } = fakeCluster(['n1', 'n2', 'n3']);
    state.inFlight = Number.POSITIVE_INFINITY; // never settles
    await expect(nemesis.invoke(op('start-membership'))).rejects.toThrow('no membership change is legal now (members n1 n2 n3); nothing was changed');
    expect(log).toEqual([]);
  });

  it('names the change it tried when the db fails it', async () => {
    const { nemesis, db } = fakeCluster(['n1', 'n2', 'n3']);
    db.changeMembership = async () => Promise.reject(new Error('TimeoutError; the change may still take effect'));
    await expect(nemesis.invoke(op('start-membership'))).rejects.toThrow(/^remove n\d: TimeoutError; the change may still take effect$/);
  });

  it('heals by adding every node back, one at a time, each committed before the next', async () => {
    const { nemesis, members, log, state } = fakeCluster(['n1', 'n2', 'n3', 'n4', 'n5']);
    members.delete('n4');
    members.delete('n2');
    const value = (await nemesis.invoke(op('stop-membership'))) as { added: string[]; members: string[]; description: string };
    expect(log).toEqual(['add n2', 'add n4']);
    expect(state.overlapped).toBe(false);
    expect(value).toEqual({ added: ['n2', 'n4'], members: ['n1', 'n2', 'n3', 'n4', 'n5'], description: 'added n2 n4; members n1 n2 n3 n4 n5' });
    expect(((await nemesis.invoke(op('stop-membership'))) as { description: string }).description).toBe('nothing to restore; members n1 n2 n3 n4 n5');
  });

  it('waits for a change in flight before adding back, and names the nodes it could not add when it waits too long', async () => {
    const { nemesis, members, log, state } = fakeCluster(['n1', 'n2', 'n3']);
    members.delete('n3');
    state.inFlight = 3;
    await nemesis.invoke(op('stop-membership'));
    expect(log).toEqual(['add n3']);
    members.delete('n3');
    state.inFlight = 1e9;
    await expect(nemesis.invoke(op('stop-membership'))).rejects.toThrow(/^could not add n3 back: the db allowed no add within 0\.2 s \(members n1 n2\)$/);
  });

  it('tries a failed add again while the op is young', async () => {
    const { nemesis, members, db, log } = fakeCluster(['n1', 'n2', 'n3']);
    members.delete('n2');
    const change = db.changeMembership.bind(db);
    let failures = 2;
    db.changeMembership = async (c, ctx) => {
      if (failures-- > 0) throw new Error('TimeoutError');
      await change(c, ctx);
    };
    expect(((await nemesis.invoke(op('stop-membership'))) as { description: string }).description).toBe('added n2; members n1 n2 n3');
    expect(log).toEqual(['add n2']);
  });

  it('names what it added when a later add fails', async () => {
    const { nemesis, members, db } = fakeCluster(['n1', 'n2', 'n3', 'n4', 'n5']);
    members.delete('n1');
    members.delete('n2');
    const change = db.changeMembership.bind(db);
    db.changeMembership = async (c, ctx) => {
      if (c.node === 'n2') throw new Error('etcdserver: request timed out');
      await change(c, ctx);
    };
    await expect(nemesis.invoke(op('stop-membership'))).rejects.toThrow('could not add n2 back (etcdserver: request timed out); added n1');
  });

  it('any schedule of starts and stops makes only legal changes and ends with every node a member', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(3, 5), fc.array(fc.boolean(), { maxLength: 8 }), async (seed, count, starts) => {
      const nodes = Array.from({ length: count }, (_, i) => `n${i + 1}`);
      const { nemesis, members } = fakeCluster(nodes, seed);
      for (const start of starts) {
        const value = await nemesis.invoke(op(start ? 'start-membership' : 'stop-membership')).catch((err: Error) => err);
        if (value instanceof Error) expect(value.message).toMatch(/^no membership change is legal now/);
        expect(members.size).toBeGreaterThanOrEqual(Math.floor(count / 2) + 1);
      }
      await nemesis.invoke(op('stop-membership'));
      expect([...members].sort()).toEqual(nodes);
    }), { numRuns: 50 });
  });

  it('is refused, in one line, for a db that cannot change its membership, and heals last', () => {
    const plain: Db = { name: 'plain', start: async () => undefined, awaitReady: async () => undefined };
    expect(membershipFault.canTest(plain)).toBe('it cannot change its cluster membership (no members, legalMembershipChanges, changeMembership)');
    expect(membershipFault.canTest(fakeCluster(['n1']).db)).toBe(true);
    const fault = builtins.faults.get('membership');
    expect(fault?.healRank).toBe(Math.max(...[...builtins.faults.values()].map((f) => f.healRank)));
  });
});

describe('restarting dead nodes beside the membership fault', () => {
  it('skips a dead node that is no member (the membership fault adds it back), and starts the rest', async () => {
    const { ctx, db: cluster, members } = fakeCluster(['n1', 'n2', 'n3']);
    const dead = new Set(['n2', 'n3']);
    const started: string[] = [];
    members.delete('n3');
    const runtime = { ...ctx.runtime, isRunning: (n: string) => !dead.has(n), kill: async (): Promise<NodeFaultOutcome> => 'done' } as unknown as Runtime;
    const db: MembershipDb = { ...cluster, start: async (n: string) => void started.push(n) };
    const value = await restartDeadNodes({ ...ctx, runtime, db }, 100);
    expect(started).toEqual(['n2']);
    expect(value).toEqual({ nodes: ['n2'], skipped: { n3: 'not a member' }, description: 'restarted n2; skipped n3 (not a member)' });
  });

  it('asks again once a node started when every node was dead, so it does not start a node that left', async () => {
    const { ctx, db: cluster, members } = fakeCluster(['n1', 'n2', 'n3']);
    members.delete('n3');
    const alive = new Set<string>();
    const started: string[] = [];
    const runtime = { ...ctx.runtime, isRunning: (n: string) => alive.has(n) } as unknown as Runtime;
    // Only a running node answers who the members are.
    const db: MembershipDb = {
      ...cluster,
      start: async (n: string) => void (started.push(n), alive.add(n)),
      members: async () => (alive.size > 0 ? [...members].sort() : Promise.reject(new Error('no etcd member answered a member list'))),
    };
    const value = await restartDeadNodes({ ...ctx, runtime, db }, 100);
    // n1 is started blind (no node could say), then the members are known: n2 is one, n3 is not.
    expect(started).toEqual(['n1', 'n2']);
    expect(value).toEqual({ nodes: ['n1', 'n2'], skipped: { n3: 'not a member' }, description: 'restarted n1 n2; skipped n3 (not a member)' });
  });

  it('asks again once the others run, and starts a node a stale view left out that the cluster counts as a member', async () => {
    const { ctx, db: cluster } = fakeCluster(['n1', 'n2', 'n3']);
    const alive = new Set<string>();
    const started: string[] = [];
    const runtime = { ...ctx.runtime, isRunning: (n: string) => alive.has(n) } as unknown as Runtime;
    // While one node runs it answers with its own old configuration (n3 removed); with two, the leader's (all three).
    const db: MembershipDb = {
      ...cluster,
      start: async (n: string) => void (started.push(n), alive.add(n)),
      members: async () => (alive.size === 0 ? Promise.reject(new Error('none answered')) : alive.size === 1 ? ['n1', 'n2'] : ['n1', 'n2', 'n3']),
    };
    const value = await restartDeadNodes({ ...ctx, runtime, db }, 2000);
    expect(started).toEqual(['n1', 'n2', 'n3']);
    expect(value).toEqual({ nodes: ['n1', 'n2', 'n3'], description: 'restarted n1 n2 n3' });
  });

  it('starts every dead node when the db cannot say who its members are now', async () => {
    const { ctx, db: cluster } = fakeCluster(['n1', 'n2', 'n3']);
    const started: string[] = [];
    const runtime = { ...ctx.runtime, isRunning: (n: string) => n === 'n1' } as unknown as Runtime;
    const db: MembershipDb = { ...cluster, start: async (n: string) => void started.push(n), members: async () => Promise.reject(new Error('no leader')) };
    await restartDeadNodes({ ...ctx, runtime, db });
    expect(started).toEqual(['n2', 'n3']);
  });
});
