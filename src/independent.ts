// Independent keys: threads split into groups, each group works through its own keys one at a
// time, and every op's value becomes [key, value]. Linearizability is then checked per key, which
// keeps each search small however long the run is.
import { narrowed, op, reacts, update, withFields, type Gen, type GenContext, type GenNode, type GenResult, type PlannedOp, type Thread } from './generator.js';
import type { Op } from './op.js';

interface Group {
  threads: readonly Thread[];
  key: number;
  gen: Gen;
}

/** The groups as first made: which group each thread is in, made once per generator. */
interface Layout {
  groupOf: ReadonlyMap<Thread, number>;
}

/**
 * Runs `makeGen(key)` for keys 0, 1, 2, ... with client threads split into groups of `groupSize`;
 * each group moves to the next unused key when its generator is exhausted.
 */
export function independentKeys(groupSize: number, makeGen: (key: number) => Gen): Gen {
  return new Keys(groupSize, makeGen, undefined, undefined, 0, 0);
}

/**
 * The node, one object per op issued (a class, as generator.ts's combinators are). `groups` and
 * `layout` are undefined until the first op; `reacting` counts the groups whose generators react
 * to events, so a new node knows whether it takes events without looking at every group.
 */
class Keys implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(
    readonly groupSize: number,
    readonly makeGen: (key: number) => Gen,
    readonly groups: readonly Group[] | undefined,
    readonly layout: Layout | undefined,
    readonly nextKey: number,
    readonly reacting: number,
  ) {
    // Events matter only to groups whose generators react to them (none, before the groups exist).
    if (reacting > 0) this.update = updateKeys;
  }

  op(ctx: GenContext): GenResult {
    const { makeGen } = this;
    let current = this.groups;
    let layout = this.layout;
    let next = this.nextKey;
    let reacting = this.reacting;
    if (current === undefined || layout === undefined) {
      ({ groups: current, layout } = firstGroups(ctx, this.groupSize, makeGen));
      next = current.length;
      reacting = current.filter((g) => reacts(g.gen)).length;
    }
    // Only groups with an idle thread can issue anything now, so only they are asked (asking
    // all 40 groups at concurrency 200 would cost more than everything else an op does), in the
    // order their first idle thread comes. Idle threads come in thread order, so the groups do
    // too: ties go to the lowest group.
    const idle = idleByGroup(ctx.free, layout);
    let pending = idle.groups.length < current.length;
    let best: readonly [PlannedOp, Gen] | undefined;
    let bestGroup = -1;
    for (let i = 0; i < idle.groups.length; i++) {
      const g = idle.groups[i] as number;
      let group = current[g] as Group;
      const sub = narrowed(ctx, idle.threads[i] as Thread[], group.threads);
      let result = op(group.gen, sub);
      if (result === null) {
        // This key is done: the group takes the next unused key.
        reacting -= reacts(group.gen) ? 1 : 0;
        group = { threads: group.threads, key: next, gen: makeGen(next) };
        reacting += reacts(group.gen) ? 1 : 0;
        next++;
        current = current.slice();
        (current as Group[])[g] = group;
        result = op(group.gen, sub);
      }
      if (result === 'pending' || result === null) {
        pending ||= result === 'pending';
        continue;
      }
      if (best === undefined || result[0].time < best[0].time) {
        best = result;
        bestGroup = g;
      }
    }
    if (best === undefined) return pending ? 'pending' : null;
    const [planned, nextGen] = best;
    const group = current[bestGroup] as Group;
    const wrapped = planned.type === 'invoke' ? withFields(planned, { value: [group.key, planned.value] }) : planned;
    const groupsAfter = current.slice();
    groupsAfter[bestGroup] = { threads: group.threads, key: group.key, gen: nextGen };
    reacting += (reacts(nextGen) ? 1 : 0) - (reacts(group.gen) ? 1 : 0);
    return [wrapped, new Keys(this.groupSize, makeGen, groupsAfter, layout, next, reacting)];
  }
}

function updateKeys(this: Keys, ctx: GenContext, event: Op): Gen {
  const { groups, layout } = this as { groups: readonly Group[]; layout: Layout };
  const thread = ctx.threadOf(event.process);
  const g = thread === undefined ? undefined : layout.groupOf.get(thread);
  if (g === undefined) return this;
  const group = groups[g] as Group;
  if (!reacts(group.gen)) return this;
  const unwrapped = withFields(event, { value: Array.isArray(event.value) ? event.value[1] : event.value });
  const sub = narrowed(ctx, ctx.free.filter((t) => layout.groupOf.get(t) === g), group.threads);
  const gen = update(group.gen, sub, unwrapped);
  if (gen === group.gen) return this;
  const after = groups.slice();
  after[g] = { threads: group.threads, key: group.key, gen };
  return new Keys(this.groupSize, this.makeGen, after, layout, this.nextKey, this.reacting - 1 + (reacts(gen) ? 1 : 0));
}

/** The groups at the first ask: client threads split in order, group i on key i. */
function firstGroups(ctx: GenContext, groupSize: number, makeGen: (key: number) => Gen): { groups: Group[]; layout: Layout } {
  const threads = ctx.all.filter((t) => t !== 'nemesis');
  if (threads.length % groupSize !== 0) {
    throw new Error(`concurrency ${threads.length} is not a multiple of the key group size ${groupSize}; expected e.g. ${groupSize * Math.max(1, Math.round(threads.length / groupSize))}`);
  }
  const groups: Group[] = [];
  const groupOf = new Map<Thread, number>();
  for (let i = 0; i * groupSize < threads.length; i++) {
    const mine = threads.slice(i * groupSize, (i + 1) * groupSize);
    for (const t of mine) groupOf.set(t, i);
    groups.push({ threads: mine, key: i, gen: makeGen(i) });
  }
  return { groups, layout: { groupOf } };
}

/** The groups with an idle thread, in the order their first idle thread comes, and each one's idle threads. */
function idleByGroup(free: readonly Thread[], layout: Layout): { groups: number[]; threads: Thread[][] } {
  const groups: number[] = [];
  const threads: Thread[][] = [];
  for (const t of free) {
    const g = layout.groupOf.get(t);
    if (g === undefined) continue;
    // Idle threads come in thread order, so a group's threads are usually together: the last group is checked first.
    let at = groups.length - 1;
    if (groups[at] !== g) at = groups.indexOf(g);
    if (at >= 0) (threads[at] as Thread[]).push(t);
    else {
      groups.push(g);
      threads.push([t]);
    }
  }
  return { groups, threads };
}
