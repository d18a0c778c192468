// The membership fault: the cluster changes who belongs to it while the workload runs. A start op
// asks the database which changes are legal now (remove a voter, add a node back) and makes one,
// drawn at random; a stop op adds back every node that left, one at a time, each committed before
// the next. Each op records the change and the members after it, so the report draws them over time.
import { replayedValue } from '../src/schedule.js';
import { hasMembership, type MembershipChange, type MembershipDb } from '../src/db-contract.js';
import type { Random } from '../src/random.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { defineFault, HEAL_RANK } from '../src/define/fault.js';

/**
 * How long a stop op waits for the db to allow the next add (a change still in flight), how long
 * into the op a failed add is tried again (the final heal is the last chance to restore the
 * cluster, and a nemesis op has 60 s), and how often it asks.
 */
export interface RestorePacing {
  waitMs: number;
  retryMs: number;
  pollMs: number;
}

const PACING: RestorePacing = { waitMs: 15_000, retryMs: 20_000, pollMs: 500 };
/** How long a start op asks again while no change is legal (no leader now, a change in flight). */
const START_WAIT_MS = 5_000;

/** "remove n3" / "add n3". */
export function describeChange(change: MembershipChange): string {
  return `${change.op} ${change.node}`;
}

/** One of the legal changes, drawn with the nemesis's random stream; undefined when there is none. */
export function planMembershipChange(legal: readonly MembershipChange[], random: Random): MembershipChange | undefined {
  if (legal.length === 0) return undefined;
  // Sorted first, so the draw depends on the seed and not on the order the db listed them in.
  const sorted = [...legal].sort((a, b) => describeChange(a).localeCompare(describeChange(b)));
  return random.pick(sorted);
}

/**
 * The next step of restoring full membership: add a node the db allows to be added now (lowest
 * name first), wait while nodes are missing but no add is allowed yet, or done.
 */
export function nextRestoreStep(nodes: readonly string[], members: readonly string[], legal: readonly MembershipChange[]): { add: string } | { wait: string[] } | 'done' {
  const adds = legal.filter((c) => c.op === 'add' && nodes.includes(c.node)).map((c) => c.node).sort();
  if (adds[0] !== undefined) return { add: adds[0] };
  const missing = nodes.filter((n) => !members.includes(n));
  return missing.length > 0 ? { wait: missing } : 'done';
}

export function membershipNemesis(ctx: NemesisContext, pacing: RestorePacing = PACING): Nemesis {
  const { db, dbCtx } = ctx;
  if (!hasMembership(db)) throw new Error(`the membership nemesis needs a db that can change its membership; db "${db.name}" cannot`);
  return {
    fault: 'membership',
    async invoke(op) {
      if (op.f === 'stop-membership') return restoreMembership(ctx, db, pacing);
      // A cluster between leaders, or with a change in flight, allows none now: ask again for a while.
      const waitUntil = Date.now() + Math.min(pacing.waitMs, START_WAIT_MS);
      let legal = await db.legalMembershipChanges(dbCtx);
      while (legal.length === 0 && Date.now() < waitUntil) {
        await sleep(pacing.pollMs);
        legal = await db.legalMembershipChanges(dbCtx);
      }
      const recorded = replayedValue(op)?.['change'] as MembershipChange | undefined;
      // A replay makes the change its original made, once the db allows it; never another one.
      while (recorded && !legal.some((c) => c.op === recorded.op && c.node === recorded.node) && Date.now() < waitUntil) {
        await sleep(pacing.pollMs);
        legal = await db.legalMembershipChanges(dbCtx);
      }
      if (recorded && !legal.some((c) => c.op === recorded.op && c.node === recorded.node)) {
        throw new Error(`the recorded change (${describeChange(recorded)}) is not legal now (legal: ${legal.map(describeChange).join(', ') || 'none'}); nothing was changed`);
      }
      const change = recorded ?? planMembershipChange(legal, ctx.random);
      if (!change) {
        const members = await db.members(dbCtx).catch(() => undefined);
        throw new Error(`no membership change is legal now${members ? ` (members ${members.join(' ') || 'none'})` : ''}; nothing was changed`);
      }
      try {
        await db.changeMembership(change, dbCtx);
      } catch (err) {
        throw new Error(`${describeChange(change)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const members = await db.members(dbCtx);
      return { change, members, description: `${describeChange(change)}; members ${members.join(' ')}` };
    },
  };
}

/** Adds back every node that left, one at a time; throws one line naming what was added and what was not. */
async function restoreMembership(ctx: NemesisContext, db: MembershipDb, pacing: RestorePacing): Promise<{ added: string[]; members: string[]; description: string }> {
  const added: string[] = [];
  const began = Date.now();
  let waitingSince: number | undefined;
  // A few tries per node at most; the bound keeps a db that never settles from looping.
  for (let steps = 0; steps <= 3 * ctx.nodes.length; ) {
    const [members, legal] = await Promise.all([db.members(ctx.dbCtx), db.legalMembershipChanges(ctx.dbCtx)]);
    const step = nextRestoreStep(ctx.nodes, members, legal);
    if (step === 'done') {
      return { added, members, description: `${added.length > 0 ? `added ${added.join(' ')}` : 'nothing to restore'}; members ${members.join(' ')}` };
    }
    if ('add' in step) {
      waitingSince = undefined;
      steps++;
      try {
        await db.changeMembership({ op: 'add', node: step.add }, ctx.dbCtx);
      } catch (err) {
        // Tried again from a fresh look: the add may have been made after all, and only the node's start is left.
        if (Date.now() - began < pacing.retryMs) {
          await new Promise((resolve) => setTimeout(resolve, pacing.pollMs));
          continue;
        }
        throw new Error(`could not add ${step.add} back (${err instanceof Error ? err.message : String(err)})${added.length > 0 ? `; added ${added.join(' ')}` : ''}`);
      }
      added.push(step.add);
      continue;
    }
    waitingSince ??= Date.now();
    if (Date.now() - waitingSince >= pacing.waitMs) {
      throw new Error(`could not add ${step.wait.join(' ')} back: the db allowed no add within ${pacing.waitMs / 1000} s (members ${members.join(' ')})${added.length > 0 ? `; added ${added.join(' ')}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pacing.pollMs));
  }
  throw new Error(`membership did not settle after ${added.length} adds (${added.join(' ')}); expected every node of ${ctx.nodes.join(' ')} to be a member`);
}

/** The membership fault, as --nemesis membership names it. */
export const membershipFault = defineFault({
  name: 'membership',
  description: 'removes a member from the cluster or adds one back, as the db allows now; heals by adding every node back',
  healRank: HEAL_RANK.membership,
  canTest: (db) => (hasMembership(db) ? true : 'it cannot change its cluster membership (no members, legalMembershipChanges, changeMembership)'),
  create: (ctx) => membershipNemesis(ctx),
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
