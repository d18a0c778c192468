// Independent keys: threads split into groups, each group works through its own keys one at a
// time, and every op's value becomes [key, value]. Linearizability is then checked per key, which
// keeps each search small however long the run is.
import { op, update, type Gen, type GenContext, type Thread } from './generator.js';

interface Group {
  threads: readonly Thread[];
  key: number;
  gen: Gen;
}

/**
 * Runs `makeGen(key)` for keys 0, 1, 2, ... with client threads split into groups of `groupSize`;
 * each group moves to the next unused key when its generator is exhausted.
 */
export function independentKeys(groupSize: number, makeGen: (key: number) => Gen): Gen {
  return keysNode(groupSize, makeGen, undefined, 0);
}

function keysNode(groupSize: number, makeGen: (key: number) => Gen, groups: readonly Group[] | undefined, nextKey: number): Gen {
  const init = (ctx: GenContext): { groups: readonly Group[]; nextKey: number } => {
    if (groups) return { groups, nextKey };
    const threads = ctx.all.filter((t) => t !== 'nemesis');
    if (threads.length % groupSize !== 0) {
      throw new Error(`concurrency ${threads.length} is not a multiple of the key group size ${groupSize}; expected e.g. ${groupSize * Math.max(1, Math.round(threads.length / groupSize))}`);
    }
    const made: Group[] = [];
    for (let i = 0; i * groupSize < threads.length; i++) {
      made.push({ threads: threads.slice(i * groupSize, (i + 1) * groupSize), key: i, gen: makeGen(i) });
    }
    return { groups: made, nextKey: made.length };
  };
  return {
    op(ctx) {
      let { groups: current, nextKey: next } = init(ctx);
      let best: { group: number; result: NonNullable<Exclude<ReturnType<typeof op>, 'pending'>> } | undefined;
      let pending = false;
      for (let g = 0; g < current.length; g++) {
        let group = current[g] as Group;
        const free = ctx.free.filter((t) => group.threads.includes(t));
        if (free.length === 0) {
          // A group without an idle thread can issue nothing now: it is not asked (at concurrency
          // 200 asking every group would cost more than everything else an op does).
          pending = true;
          continue;
        }
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
      const wrapped = planned.type === 'invoke' ? { ...planned, value: [group.key, planned.value] } : planned;
      const groupsAfter = current.map((x, i) => (i === chosen.group ? { ...x, gen: nextGen } : x));
      return [wrapped, keysNode(groupSize, makeGen, groupsAfter, next)];
    },
    update(ctx, event) {
      if (!groups) return this;
      const thread = ctx.threadOf(event.process);
      const g = groups.findIndex((x) => thread !== undefined && x.threads.includes(thread));
      if (g < 0) return this;
      const group = groups[g] as Group;
      const unwrapped = { ...event, value: Array.isArray(event.value) ? event.value[1] : event.value };
      const sub = { ...ctx, free: ctx.free.filter((t) => group.threads.includes(t)), all: group.threads };
      const gen = update(group.gen, sub, unwrapped);
      return keysNode(groupSize, makeGen, groups.map((x, i) => (i === g ? { ...x, gen } : x)), nextKey);
    },
  };
}
