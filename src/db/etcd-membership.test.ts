// etcd's membership changes without a cluster: which changes are legal (etcd's strict reconfig
// rules and the fault's floor of a majority of the nodes), and what a remove and an add send to the
// gateway, do to the node and its data dir, and how the node starts afterwards.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OpFailure, type DbContext } from './db.js';
import { EtcdMembership, initialClusterOf, legalEtcdChanges, membersByNode, type EtcdMember } from './etcd-membership.js';
import { etcdDb } from './etcd.js';
import { hasMembership } from '../db-contract.js';

const three = ['n1', 'n2', 'n3'];
const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
const url = (node: string) => `http://10.0.0.${node.slice(1)}:2380`;
const member = (node: string, extra: Partial<EtcdMember> = {}): [string, EtcdMember] => [node, { ID: `${node.slice(1)}00`, name: node, peerURLs: [url(node)], ...extra }];
const cluster = (...members: [string, EtcdMember][]) => new Map(members);
const running = (...nodes: string[]) => (n: string) => nodes.includes(n);

describe('legal etcd membership changes', () => {
  it('remove any member while a majority of the nodes would stay, and add back nodes that left', () => {
    expect(legalEtcdChanges(three, cluster(...three.map((n) => member(n))), running(...three))).toEqual(three.map((node) => ({ op: 'remove', node })));
    expect(legalEtcdChanges(three, cluster(member('n1'), member('n3')), running('n1', 'n3'))).toEqual([{ op: 'add', node: 'n2' }]);
    expect(legalEtcdChanges(five, cluster(member('n1'), member('n2'), member('n4'), member('n5')), running(...five))).toEqual([
      ...['n1', 'n2', 'n4', 'n5'].map((node) => ({ op: 'remove', node })),
      { op: 'add', node: 'n3' },
    ]);
    // 3 of 5: no remove, only adds.
    expect(legalEtcdChanges(five, cluster(member('n1'), member('n2'), member('n4')), running(...five))).toEqual([{ op: 'add', node: 'n3' }, { op: 'add', node: 'n5' }]);
  });

  it('follows etcd\'s strict reconfig check: a majority of what is left (or of the grown cluster) must run', () => {
    // n3 is dead: removing n1 or n2 leaves {dead n3, one runner}, no quorum; removing n3 is fine.
    expect(legalEtcdChanges(three, cluster(...three.map((n) => member(n))), running('n1', 'n2'))).toEqual([{ op: 'remove', node: 'n3' }]);
    // Two members, one dead: adding a third would leave 1 of 3 running.
    expect(legalEtcdChanges(three, cluster(member('n1'), member('n3')), running('n1'))).toEqual([]);
  });

  it('allows nothing while a member is a learner or still joining, but completes an add whose node is not running', () => {
    expect(legalEtcdChanges(three, cluster(member('n1'), member('n2'), member('n3', { isLearner: true })), running(...three))).toEqual([]);
    const joining = cluster(member('n1'), member('n2'), member('n3', { name: undefined }));
    expect(legalEtcdChanges(three, joining, running(...three))).toEqual([]);
    expect(legalEtcdChanges(three, joining, running('n1', 'n2'))).toEqual([{ op: 'add', node: 'n3' }]);
  });

  it('finds each member\'s node by its peer URL, and names the initial cluster of a joining node by node', () => {
    const byNode = membersByNode([{ ID: '7', peerURLs: [url('n3')] }, { ID: '1', name: 'n1', peerURLs: [url('n1')] }, { ID: '9', peerURLs: ['http://10.9.9.9:2380'] }], (u) => three.find((n) => url(n) === u));
    expect([...byNode.keys()]).toEqual(['n3', 'n1']);
    expect(initialClusterOf(byNode)).toBe(`n1=${url('n1')},n3=${url('n3')}`);
  });
});

/** A gateway for three nodes that keeps a member list and answers the cluster API as etcd 3.4 does; a fake runtime beside it. */
function fakeEtcd() {
  const root = mkdtempSync(join(tmpdir(), 'faultline-etcd-membership-'));
  let members: EtcdMember[] = three.map((n) => member(n)[1]);
  let nextId = 1000;
  const sent: string[] = [];
  const unhealthy = { count: 0, failStarts: 0 };
  const alive = new Set(three);
  const started: string[] = [];
  const runtime = {
    name: 'fake',
    nodes: three,
    nodeHost: (n: string) => `10.0.0.${n.slice(1)}`,
    isRunning: (n: string) => alive.has(n),
    kill: async (n: string) => (alive.delete(n) ? 'done' : 'not running'),
  };
  const ctx = { runtime, nodeDir: (n: string) => join(root, n), test: { seed: 1, opTimeoutMs: 1000 } } as unknown as DbContext;
  const call = async (_ctx: DbContext, node: string, path: string, body: unknown): Promise<unknown> => {
    if (!alive.has(node)) throw new Error(`${path} on ${node}: ECONNREFUSED`);
    if (path === '/v3/maintenance/status') return { raftIndex: node === 'n2' ? '90' : '10' };
    if (path === '/v3/cluster/member/list') return { members };
    sent.push(`${node} ${path} ${JSON.stringify(body)}`);
    if (unhealthy.count > 0) {
      unhealthy.count--;
      throw new Error(`${path} on ${node}: etcdserver: unhealthy cluster`);
    }
    if (path === '/v3/cluster/member/remove') {
      members = members.filter((m) => m.ID !== (body as { ID: string }).ID);
      return { members };
    }
    if (path === '/v3/cluster/member/add') {
      const added = { ID: String(nextId++), peerURLs: (body as { peerURLs: string[] }).peerURLs };
      members = [...members, added];
      return { member: added, members };
    }
    throw new Error(`unexpected ${path}`);
  };
  const membership = new EtcdMembership(
    call,
    async (node) => {
      membership.startState(node);
      started.push(node);
      if (unhealthy.failStarts > 0) {
        unhealthy.failStarts--;
        throw new Error(`node ${node}'s process (etcd) exited with status 1 right after it started; last log lines:\n...`);
      }
      alive.add(node);
      members = members.map((m) => (m.peerURLs?.[0] === url(node) ? { ...m, name: node } : m));
    },
    async () => undefined,
    { joinMs: 1500, unhealthyMs: 100, pollMs: 5 },
  );
  return { membership, ctx, sent, alive, started, root, unhealthy, members: () => members };
}

describe('etcd membership changes', () => {
  it('removes through the most up-to-date other member, kills the node and wipes its data dir; it may not start until added back', async () => {
    const etcd = fakeEtcd();
    mkdirSync(join(etcd.root, 'n2', 'data', 'member'), { recursive: true });
    writeFileSync(join(etcd.root, 'n2', 'data', 'member', 'wal'), 'x');
    await etcd.membership.change({ op: 'remove', node: 'n2' }, etcd.ctx);
    // n2 has the highest raft index but is the one leaving: the others are asked.
    expect(etcd.sent).toEqual(['n1 /v3/cluster/member/remove {"ID":"200"}']);
    expect(etcd.alive.has('n2')).toBe(false);
    expect(readdirSync(join(etcd.root, 'n2', 'data'))).toEqual([]);
    expect(await etcd.membership.members(etcd.ctx)).toEqual(['n1', 'n3']);
    expect(() => etcd.membership.startState('n2')).toThrow('etcd node n2 was removed from the cluster by the membership fault; it starts again only when added back');
    expect(await etcd.membership.legalChanges(etcd.ctx)).toEqual([{ op: 'add', node: 'n2' }]);
  });

  it('adds a node back as a new member: fresh data dir, state existing, the initial cluster the add returned', async () => {
    const etcd = fakeEtcd();
    await etcd.membership.change({ op: 'remove', node: 'n3' }, etcd.ctx);
    writeFileSync(join(etcd.root, 'n3', 'data', 'stale'), 'x');
    await etcd.membership.change({ op: 'add', node: 'n3' }, etcd.ctx);
    expect(etcd.sent.at(-1)).toBe(`n2 /v3/cluster/member/add {"peerURLs":["${url('n3')}"]}`);
    expect(etcd.started).toEqual(['n3']);
    expect(existsSync(join(etcd.root, 'n3', 'data', 'stale'))).toBe(false);
    expect(etcd.membership.startState('n3')).toEqual({ state: 'existing', initialCluster: three.map((n) => `${n}=${url(n)}`).join(',') });
    expect(etcd.membership.startState('n1')).toEqual({ state: 'new' });
    expect(await etcd.membership.members(etcd.ctx)).toEqual(three);
  });

  it('starts a joining node again when it exits (a peer that had not applied the add yet), and names the last reason at the deadline', async () => {
    const etcd = fakeEtcd();
    await etcd.membership.change({ op: 'remove', node: 'n3' }, etcd.ctx);
    etcd.unhealthy.failStarts = 1;
    await etcd.membership.change({ op: 'add', node: 'n3' }, etcd.ctx);
    expect(etcd.started).toEqual(['n3', 'n3']);
    await etcd.membership.change({ op: 'remove', node: 'n3' }, etcd.ctx);
    etcd.unhealthy.failStarts = 1e9;
    await expect(etcd.membership.change({ op: 'add', node: 'n3' }, etcd.ctx)).rejects.toThrow(
      /^added n3 to the cluster, but it did not join within 1\.5 s \(started \d+ times; last: node n3's process \(etcd\) exited with status 1 right after it started; last log lines:\); it stays a member that has not started$/,
    );
  });

  it('completes an add whose member exists but never started, without adding it twice', async () => {
    const etcd = fakeEtcd();
    await etcd.membership.change({ op: 'remove', node: 'n3' }, etcd.ctx);
    etcd.sent.length = 0;
    // An add etcd committed, whose answer never came back.
    etcd.members().push({ ID: '77', peerURLs: [url('n3')] });
    expect(await etcd.membership.legalChanges(etcd.ctx)).toEqual([{ op: 'add', node: 'n3' }]);
    await etcd.membership.change({ op: 'add', node: 'n3' }, etcd.ctx);
    expect(etcd.sent).toEqual([]);
    expect(etcd.started).toEqual(['n3']);
  });

  it('asks again while etcd calls the cluster unhealthy (a member connected less than 5 s ago), then gives its refusal', async () => {
    const etcd = fakeEtcd();
    etcd.unhealthy.count = 2;
    await etcd.membership.change({ op: 'remove', node: 'n3' }, etcd.ctx);
    expect(etcd.sent).toHaveLength(3);
    expect(await etcd.membership.members(etcd.ctx)).toEqual(['n1', 'n2']);
    etcd.unhealthy.count = 1e9;
    await expect(etcd.membership.change({ op: 'add', node: 'n3' }, etcd.ctx)).rejects.toThrow('/v3/cluster/member/add on n2: etcdserver: unhealthy cluster');
    expect(() => etcd.membership.startState('n3')).toThrow(/was removed/);
  });

  it('says when a change that got no answer may still take effect, and not when etcd refused it', async () => {
    const etcd = fakeEtcd();
    const failing = (message: string, definite: boolean) =>
      new EtcdMembership(async (_ctx, node, path) => {
        if (path === '/v3/maintenance/status') return { raftIndex: '1' };
        if (path === '/v3/cluster/member/list') return { members: three.map((n) => member(n)[1]) };
        throw new OpFailure(`${path} on ${node}: ${message}`, definite);
      }, async () => undefined, async () => undefined, { joinMs: 100, unhealthyMs: 0, pollMs: 5 });
    await expect(failing('TimeoutError', false).change({ op: 'remove', node: 'n3' }, etcd.ctx)).rejects.toThrow('/v3/cluster/member/remove on n1: TimeoutError; the change may still take effect');
    await expect(failing('etcdserver: request timed out', false).change({ op: 'remove', node: 'n3' }, etcd.ctx)).rejects.toThrow(/request timed out; the change may still take effect$/);
    await expect(failing('etcdserver: re-configuration failed due to not enough started members', false).change({ op: 'remove', node: 'n3' }, etcd.ctx)).rejects.toThrow(/not enough started members$/);
    await expect(failing('ECONNREFUSED', true).change({ op: 'remove', node: 'n3' }, etcd.ctx)).rejects.toThrow(/ECONNREFUSED$/);
  });

  it('refuses, in one line, a remove of a non-member, an add of a member and an unknown node', async () => {
    const etcd = fakeEtcd();
    await expect(etcd.membership.change({ op: 'add', node: 'n1' }, etcd.ctx)).rejects.toThrow('cannot add n1: it is a member already (as n1, id 100)');
    await etcd.membership.change({ op: 'remove', node: 'n1' }, etcd.ctx);
    await expect(etcd.membership.change({ op: 'remove', node: 'n1' }, etcd.ctx)).rejects.toThrow('cannot remove n1: it is not a member (members n2 n3)');
    await expect(etcd.membership.change({ op: 'remove', node: 'n9' }, etcd.ctx)).rejects.toThrow('cannot remove "n9": not a node of this run; expected one of n1, n2, n3');
  });

  it('is how the etcd adapter changes its membership', () => {
    expect(hasMembership(etcdDb())).toBe(true);
  });
});
