// Independent keys: threads split into groups, each group works through its own keys one at a
// time, and every op's value becomes [key, value]. Linearizability is then checked per key, which
// keeps each search small however long the run is.
import { op, reacts, update, withFields, type Gen, type GenNode, type GenContext, type Thread } from './generator.js';

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
  return keysNode(groupSize, makeGen, undefined, 0);
}

function keysNode(groupSize: number, makeGen: (key: number) => Gen, state: { groups: readonly Group[]; layout: Layout } | undefined, nextKey: number): Gen {
  const init = (ctx: GenContext): { groups: readonly Group[]; layout: Layout; nextKey: number } => {
    if (state) return { groups: state.groups, layout: state.layout, nextKey };
    const threads = ctx.all.filter((t) => t !== 'nemesis');
    if (threads.length % groupSize !== 0) {
      throw new Error(`concurrency ${threads.length} is not a multiple of the key group size ${groupSize}; expected e.g. ${groupSize * Math.max(1, Math.round(threads.length / groupSize))}`);
    }
    const made: Group[] = [];
    const groupOf = new Map<Thread, number>();
    for (let i = 0; i * groupSize < threads.length; i++) {
      const mine = threads.slice(i * groupSize, (i + 1) * groupSize);
      for (const t of mine) groupOf.set(t, i);
      made.push({ threads: mine, key: i, gen: makeGen(i) });
    }
    return { groups: made, layout: { groupOf }, nextKey: made.length };
  };
  const node: GenNode = {
    op(ctx) {
      const start = init(ctx);
      const { layout } = start;
      let { groups: current, nextKey: next } = start;
      let best: { group: number; result: NonNullable<Exclude<ReturnType<typeof op>, 'pending'>> } | undefined;
      // Only groups with an idle thread can issue anything now, so only they are asked (asking
      // all 40 groups at concurrency 200 would cost more than everything else an op does).
      // Idle threads come in thread order, so the groups do too: ties go to the lowest group.
      const idleOf = new Map<number, Thread[]>();
      for (const t of ctx.free) {
        const g = layout.groupOf.get(t);
        if (g === undefined) continue;
        const idle = idleOf.get(g);
        if (idle) idle.push(t);
        else idleOf.set(g, [t]);
      }
      let pending = idleOf.size < current.length;
      for (const [g, free] of idleOf) {
        let group = current[g] as Group;
        const sub = { ...ctx, free, all: group.threads };
        let result = op(group.gen, sub);
        if (result === null) {
          // This key is done: the group takes the next unused key.
          group = { ...group, key: next, gen: makeGen(next) };
          next++;
          current = current.map((x, i) => (i === g ? group : x));
          result = op(group.gen, sub);
        }
        if (result === 'pending' || result === null) {
          pending ||= result === 'pending';
          continue;
        }
        if (!best || result[0].time < best.result[0].time) best = { group: g, result };
      }
      if (!best) return pending ? 'pending' : null;
      const chosen = best;
      const [planned, nextGen] = chosen.result;
      const group = current[chosen.group] as Group;
      const wrapped = planned.type === 'invoke' ? withFields(planned, { value: [group.key, planned.value] }) : planned;
      const groupsAfter = current.slice();
      groupsAfter[chosen.group] = { ...group, gen: nextGen };
      return [wrapped, keysNode(groupSize, makeGen, { groups: groupsAfter, layout }, next)];
    },
  };
  // Events matter only to groups whose generators react to them (none, before the groups exist).
  if (state?.groups.some((group) => reacts(group.gen))) {
    node.update = (ctx, event) => {
      const thread = ctx.threadOf(event.process);
      const g = thread === undefined ? undefined : state.layout.groupOf.get(thread);
      if (g === undefined) return node;
      const group = state.groups[g] as Group;
      if (!reacts(group.gen)) return node;
      const unwrapped = withFields(event, { value: Array.isArray(event.value) ? event.value[1] : event.value });
      const sub = { ...ctx, free: ctx.free.filter((t) => state.layout.groupOf.get(t) === g), all: group.threads };
      const gen = update(group.gen, sub, unwrapped);
      if (gen === group.gen) return node;
      const groups = state.groups.slice();
      groups[g] = { ...group, gen };
      return keysNode(groupSize, makeGen, { groups, layout: state.layout }, nextKey);
    };
  }
  return node;
}
