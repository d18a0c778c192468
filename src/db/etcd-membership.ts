// etcd's membership changes, for the membership fault, through the cluster API of the JSON gateway
// (what `etcdctl member list | remove | add` call). A removed node is killed and its data dir
// wiped: a removed etcd member can never rejoin with its old identity. A node added back starts
// with a fresh data dir, `--initial-cluster-state existing` and an --initial-cluster naming the
// members the add returned, so the adapter keeps, per node, whether it joins an existing cluster.
//
// Legal changes follow etcd's own rules (--strict-reconfig-check, on by default): no change while a
// member is a learner or added but not started yet; a remove only while more than a majority of
// the original nodes stay members and a majority of those left run; an add only while a majority
// of the grown cluster runs. etcd refuses the rest itself, and the op fails with its reason.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tailLines } from '../log-tail.js';
import { OpFailure, type DbContext, type MembershipChange } from './db.js';
import { hostOf, nodeLog } from './readiness.js';

export const PEER_PORT = 2380;

/** How long a node added back has to serve a linearizable read, and how long a change refused as "unhealthy cluster" is asked again. */
export interface EtcdMembershipPacing {
  joinMs: number;
  unhealthyMs: number;
  pollMs: number;
}

/** etcd calls a cluster unhealthy until every member has been connected for its health interval (5 s). */
const PACING: EtcdMembershipPacing = { joinMs: 15_000, unhealthyMs: 8_000, pollMs: 250 };

/** How long after a joining node exited it is started again (a peer that had not applied the add yet refuses it). */
const RESTART_AFTER_MS = 1000;

/** A member as the cluster API lists it; a member added but not started yet has no name. */
export interface EtcdMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  isLearner?: boolean;
}

/** POSTs to one node's gateway with a timeout (etcd.ts's call, failures as OpFailure). */
export type NodeCall = (ctx: DbContext, node: string, path: string, body: unknown, timeoutMs: number) => Promise<unknown>;

/** A node's peer URL, as members are listed and added by it. */
export function peerUrlOf(ctx: DbContext, node: string): string {
  return `http://${hostOf(ctx, node, 'etcd')}:${PEER_PORT}`;
}

/** The members with the node each one is (by its peer URL); members of no known node are left out. */
export function membersByNode(members: readonly EtcdMember[], nodeOfPeerUrl: (url: string) => string | undefined): Map<string, EtcdMember> {
  const byNode = new Map<string, EtcdMember>();
  for (const member of members) {
    const node = member.peerURLs?.map(nodeOfPeerUrl).find((n) => n !== undefined);
    if (node !== undefined) byNode.set(node, member);
  }
  return byNode;
}

const majorityOf = (n: number): number => Math.floor(n / 2) + 1;

/**
 * The changes etcd can make now, for a cluster of `nodes` whose members are `members` (node →
 * member), `running` telling which nodes' processes run. A member added whose process does not
 * run may only be started (an add that completes it); one whose process runs is still joining.
 */
export function legalEtcdChanges(nodes: readonly string[], members: ReadonlyMap<string, EtcdMember>, running: (node: string) => boolean): MembershipChange[] {
  const all = [...members];
  if (all.some(([, m]) => m.isLearner === true)) return [];
  const unstarted = all.filter(([, m]) => !m.name);
  if (unstarted.length > 0) return unstarted.filter(([node]) => !running(node)).map(([node]) => ({ op: 'add', node }));
  const names = all.map(([node]) => node).sort();
  const removes = names.length - 1 >= majorityOf(nodes.length)
    ? names.filter((m) => names.filter((n) => n !== m && running(n)).length >= majorityOf(names.length - 1))
    : [];
  const adds = names.filter(running).length >= majorityOf(names.length + 1) ? nodes.filter((n) => !members.has(n)) : [];
  return [...removes.map((node) => ({ op: 'remove' as const, node })), ...[...adds].sort().map((node) => ({ op: 'add' as const, node }))];
}

/** The --initial-cluster of a node joining: every member as `node=peerURL`, by node name. */
export function initialClusterOf(members: ReadonlyMap<string, EtcdMember>): string {
  return [...members].sort(([a], [b]) => a.localeCompare(b)).map(([node, m]) => `${node}=${m.peerURLs?.[0] ?? ''}`).join(',');
}

/** What the etcd adapter knows of the membership changes it made; one per adapter (one run). */
export class EtcdMembership {
  /** Nodes removed and not added back: they must not start. */
  private readonly removed = new Set<string>();
  /** The --initial-cluster of each node added back, which joins an existing cluster. */
  private readonly joining = new Map<string, string>();

  constructor(
    private readonly call: NodeCall,
    private readonly startNode: (node: string, ctx: DbContext) => Promise<void>,
    private readonly ready: (node: string, ctx: DbContext) => Promise<void>,
    private readonly pacing: EtcdMembershipPacing = PACING,
  ) {}

  /** How the node starts: as a founder of a new cluster, or joining the existing one. Throws for a removed node. */
  startState(node: string): { state: 'new' } | { state: 'existing'; initialCluster: string } {
    if (this.removed.has(node)) throw new Error(`etcd node ${node} was removed from the cluster by the membership fault; it starts again only when added back`);
    const initialCluster = this.joining.get(node);
    return initialCluster === undefined ? { state: 'new' } : { state: 'existing', initialCluster };
  }

  /** The voting members (added but not started ones included: they count toward the quorum). */
  async members(ctx: DbContext): Promise<string[]> {
    const { byNode } = await this.list(ctx);
    return [...byNode].filter(([, m]) => m.isLearner !== true).map(([node]) => node).sort();
  }

  async legalChanges(ctx: DbContext): Promise<MembershipChange[]> {
    const { byNode } = await this.list(ctx);
    return legalEtcdChanges(ctx.runtime.nodes, byNode, (n) => ctx.runtime.isRunning(n));
  }

  async change(change: MembershipChange, ctx: DbContext): Promise<void> {
    if (!ctx.runtime.nodes.includes(change.node)) throw new Error(`cannot ${change.op} "${change.node}": not a node of this run; expected one of ${ctx.runtime.nodes.join(', ')}`);
    if (change.op === 'remove') await this.remove(change.node, ctx);
    else await this.add(change.node, ctx);
  }

  private async remove(node: string, ctx: DbContext): Promise<void> {
    const { byNode, via } = await this.list(ctx, node);
    const member = byNode.get(node);
    if (!member?.ID) throw new Error(`cannot remove ${node}: it is not a member (members ${[...byNode.keys()].sort().join(' ')})`);
    await this.reconfigure(ctx, via, '/v3/cluster/member/remove', { ID: member.ID });
    // Committed: the node is no member now, whether or not it has heard. It must not start again as itself.
    this.removed.add(node);
    this.joining.delete(node);
    await ctx.runtime.kill(node);
    wipeDataDir(ctx, node);
  }

  private async add(node: string, ctx: DbContext): Promise<void> {
    const listed = await this.list(ctx, node);
    let members = listed.byNode;
    const existing = members.get(node);
    if (existing?.name) throw new Error(`cannot add ${node}: it is a member already (as ${existing.name}, id ${existing.ID ?? '?'})`);
    // A member added before but never started (its add answered late, or it did not catch up) is started, not added twice.
    if (!existing) {
      const added = (await this.reconfigure(ctx, listed.via, '/v3/cluster/member/add', { peerURLs: [peerUrlOf(ctx, node)] })) as { members?: EtcdMember[] };
      members = membersByNode(added.members ?? [], nodeOfPeerUrl(ctx));
      if (!members.has(node)) throw new Error(`added ${node}, but etcd's answer does not list it among the members (${[...members.keys()].join(' ')})`);
    }
    this.removed.delete(node);
    this.joining.set(node, initialClusterOf(members));
    if (ctx.runtime.isRunning(node)) await ctx.runtime.kill(node);
    await this.join(node, ctx);
  }

  /**
   * Starts a node added to the cluster, from an empty data dir, until it serves a linearizable read.
   * A joining etcd exits when the peer it asks has not applied the add yet ("member count is
   * unequal") or when it reaches no peer (a partition), before it writes anything: it is started
   * again, until the deadline.
   */
  private async join(node: string, ctx: DbContext): Promise<void> {
    const deadline = Date.now() + this.pacing.joinMs;
    let starts = 0;
    let why = 'not started';
    wipeDataDir(ctx, node);
    for (;;) {
      if (!ctx.runtime.isRunning(node)) {
        if (starts > 0) why = lastEtcdError(nodeLog(ctx, node)) ?? why;
        if (starts > 0) await sleep(RESTART_AFTER_MS);
        // No wipe here: a node that got as far as writing its log restarts as the member it became.
        starts++;
        await this.startNode(node, ctx).catch((err: unknown) => {
          why = lastEtcdError(nodeLog(ctx, node)) ?? (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        });
      } else {
        const answer = await this.ready(node, ctx).then(() => true as const, (err: unknown) => (err instanceof Error ? err.message : String(err)));
        if (answer === true) return;
        why = answer;
      }
      if (Date.now() > deadline) {
        throw new Error(`added ${node} to the cluster, but it did not join within ${this.pacing.joinMs / 1000} s (started ${starts} time${starts === 1 ? '' : 's'}; last: ${why}); it stays a member that has not started`);
      }
      await sleep(this.pacing.pollMs);
    }
  }

  /**
   * A member add or remove. With --strict-reconfig-check (etcd's default) etcd refuses one, before
   * proposing it, while some member has not been connected for its health interval (5 s): right
   * after another change, say. That refusal ("unhealthy cluster") is asked again for a while.
   */
  private async reconfigure(ctx: DbContext, via: string, path: string, body: unknown): Promise<unknown> {
    const deadline = Date.now() + this.pacing.unhealthyMs;
    for (;;) {
      try {
        return await this.call(ctx, via, path, body, 8000);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (!message.includes('etcdserver: unhealthy cluster') || Date.now() > deadline) {
          throw mayHaveHappened(err) ? new Error(`${message}; the change may still take effect`) : err;
        }
      }
      await sleep(this.pacing.pollMs);
    }
  }

  /**
   * The member list of the most up-to-date running member (highest raft index), and which node
   * that is; etcd 3.4 serves member lists from the member's own state. `avoid` is asked last.
   */
  private async list(ctx: DbContext, avoid?: string): Promise<{ byNode: Map<string, EtcdMember>; via: string }> {
    const asked = ctx.runtime.nodes.filter((n) => !this.removed.has(n) && ctx.runtime.isRunning(n));
    const answers = await Promise.all(asked.map(async (node) => {
      const [status, list] = await Promise.all([
        this.call(ctx, node, '/v3/maintenance/status', {}, 2000).catch(() => undefined) as Promise<{ raftIndex?: string } | undefined>,
        this.call(ctx, node, '/v3/cluster/member/list', {}, 2000).catch(() => undefined) as Promise<{ members?: EtcdMember[] } | undefined>,
      ]);
      return { node, index: BigInt(status?.raftIndex ?? '0'), members: list?.members };
    }));
    const best = answers
      .filter((a): a is typeof a & { members: EtcdMember[] } => a.members !== undefined)
      .sort((a, b) => Number(a.node === avoid) - Number(b.node === avoid) || (b.index > a.index ? 1 : b.index < a.index ? -1 : 0))[0];
    if (!best) throw new Error(`no etcd member answered a member list (asked ${asked.join(' ') || 'none: no member runs'})`);
    return { byNode: membersByNode(best.members, nodeOfPeerUrl(ctx)), via: best.node };
  }
}

/** A request that timed out or broke off may have been proposed; etcd's own refusals ("etcdserver: unhealthy cluster") were not. */
function mayHaveHappened(err: unknown): boolean {
  if (!(err instanceof OpFailure) || err.definite) return false;
  return !/: etcdserver: /.test(err.message) || /timed out|leader changed|unknown reason/.test(err.message);
}

/** The last fatal or error line etcd logged (zap JSON), in one line: its msg and error. */
function lastEtcdError(path: string): string | undefined {
  for (const line of tailLines(path, 50).split('\n').reverse()) {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; error?: unknown };
      if (entry.level === 'fatal' || entry.level === 'panic' || entry.level === 'error') {
        return [entry.msg, entry.error].filter((p) => typeof p === 'string').join(': ').slice(0, 240);
      }
    } catch {
      // not a JSON line (etcd's own early output)
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function nodeOfPeerUrl(ctx: DbContext): (url: string) => string | undefined {
  const byUrl = new Map(ctx.runtime.nodes.map((n) => [peerUrlOf(ctx, n), n]));
  return (url) => byUrl.get(url);
}

/** A removed member's data names it: a node joins again with an empty data dir. */
function wipeDataDir(ctx: DbContext, node: string): void {
  const dataDir = join(ctx.nodeDir(node), 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
}
