// The bundled store's membership capability (raft mode only): the members the leader reports, the
// single-server changes that keep at least a majority of the cluster's nodes voting, and a change
// made through the leader with the store's `member` op (src/kv/README.md, "Membership").
import { KvClient, KvClientError, type KvOp, type KvResponse, type KvStatusResponse } from '../kv/client.js';
import type { DbContext, MembershipChange, MembershipDb } from './db.js';

/** How long changeMembership keeps retrying definite refusals (no leader yet, the no-op not committed). */
const CHANGE_DEADLINE_MS = 15_000;
const RETRY_MS = 100;

/** The membership methods for a raft cluster whose nodes are `ctx.runtime.nodes`. */
export function raftMembership(): Pick<MembershipDb, 'members' | 'legalMembershipChanges' | 'changeMembership'> {
  return {
    async members(ctx) {
      const leader = await leaderStatus(ctx);
      if (leader?.members) return [...leader.members].sort();
      // No leader now: the most advanced node's committed configuration.
      const statuses = await allStatuses(ctx);
      const best = statuses.filter((s) => s.members).sort((a, b) => b.commitIndex - a.commitIndex)[0];
      if (!best?.members) throw new Error(`no node of ${ctx.runtime.nodes.join(', ')} reported its members (none answered status)`);
      return [...best.members].sort();
    },

    async legalMembershipChanges(ctx) {
      const leader = await leaderStatus(ctx);
      if (!leader?.members || leader.membersPending) return [];
      return legalChanges(ctx.runtime.nodes, leader.members);
    },

    async changeMembership(change, ctx) {
      const budgetMs = Math.max(CHANGE_DEADLINE_MS, 2 * ctx.test.opTimeoutMs);
      const deadline = Date.now() + budgetMs;
      let last = 'no leader answered';
      let uncertain = false;
      while (Date.now() < deadline) {
        const leader = await leaderStatus(ctx);
        if (leader?.members && uncertain && !leader.membersPending && isDone(change, leader.members)) return;
        if (!leader) {
          await sleep(RETRY_MS);
          continue;
        }
        const op: KvOp = { op: 'member', action: change.op, node: change.node };
        const response = await request(leader.node, op, ctx.test.opTimeoutMs + 1000, ctx).catch((err: unknown) => err as Error);
        if (!(response instanceof Error) && response.ok) return;
        if (response instanceof Error || !response.definite) {
          // It may still commit: look at the members before trying again (a repeat is refused, not doubled).
          uncertain = true;
          last = response instanceof Error ? response.message : `${response.error}: ${response.message ?? ''}`;
        } else {
          last = `${response.error}: ${response.message ?? ''}`;
          const retryable = response.error !== 'member-refused' || /not yet committed an entry|is not committed yet/.test(response.message ?? '');
          if (!retryable) {
            if (uncertain && (/already a member/.test(last) ? change.op === 'add' : /is not a member/.test(last) && change.op === 'remove')) return;
            throw new Error(`membership change ${change.op} ${change.node} refused by leader ${leader.node}: ${last}`);
          }
        }
        await sleep(RETRY_MS);
      }
      throw new Error(`membership change ${change.op} ${change.node} was not committed within ${budgetMs / 1000} s; last answer: ${last}`);
    },
  };
}

/**
 * The changes that keep a majority of the cluster's nodes voting: removing any member while more
 * than that many remain, and adding back any node that is not a member. Removes first, by name.
 */
export function legalChanges(nodes: readonly string[], members: readonly string[]): MembershipChange[] {
  const floor = Math.floor(nodes.length / 2) + 1;
  const removes = members.length > floor ? [...members].sort().map((node): MembershipChange => ({ op: 'remove', node })) : [];
  const adds = nodes.filter((node) => !members.includes(node)).sort().map((node): MembershipChange => ({ op: 'add', node }));
  return [...removes, ...adds];
}

/** True when the leader's members leave `node` out: a removed node knows no leader and is still ready. */
export async function removedByLeader(node: string, ctx: DbContext): Promise<boolean> {
  const leader = await leaderStatus(ctx);
  return leader?.members !== undefined && !leader.members.includes(node);
}

function isDone(change: MembershipChange, members: readonly string[]): boolean {
  return members.includes(change.node) === (change.op === 'add');
}

/** The status of the leader with the highest term among the nodes that answer, if any. */
async function leaderStatus(ctx: DbContext): Promise<KvStatusResponse | undefined> {
  const leaders = (await allStatuses(ctx)).filter((s) => s.role === 'leader');
  return leaders.sort((a, b) => b.term - a.term)[0];
}

async function allStatuses(ctx: DbContext): Promise<KvStatusResponse[]> {
  const answers = await Promise.all(ctx.runtime.nodes.map((node) => request(node, { op: 'status' }, 1000, ctx).catch(() => undefined)));
  return answers.filter((s): s is KvStatusResponse => s?.ok === true && 'role' in s);
}

async function request(node: string, op: KvOp, timeoutMs: number, ctx: DbContext): Promise<KvResponse> {
  const { host, port } = ctx.runtime.clientAddress(node);
  const client = await KvClient.connect({ host, port, connectTimeoutMs: 500 });
  try {
    return await client.request(op, timeoutMs);
  } catch (err) {
    throw err instanceof KvClientError ? new Error(`${node}: ${err.message}`) : err;
  } finally {
    client.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
