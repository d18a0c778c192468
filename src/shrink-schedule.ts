// Schedule shrinking: a smaller schedule that still fails when replayed. The candidates are the
// run's schedule with its end cut off (a shorter run), with whole fault episodes left out (a start
// and the stop after it), and with whole client threads left idle; each is replayed a few times
// and kept when any replay fails the same way. The search is greedy, in that order, each dimension
// by halves then single items (ddmin's complement steps), within a time budget. What fails is
// decided by the caller (replaying is the slow part): this module only proposes and keeps.
import type { Thread } from './generator.js';
import type { Schedule, ScheduledOp } from './schedule.js';

/** A schedule with the run length it needs. */
export interface ShrinkCandidate {
  schedule: Schedule;
  timeLimitS: number;
}

/** How big a candidate is, in the words the shrinker reports. */
export interface ScheduleSize {
  faults: number;
  /** Client threads with at least one op. */
  threads: number;
  ops: number;
  timeLimitS: number;
  /** Nodes the fault ops acted on. */
  nodes: string[];
}

export function sizeOf(c: ShrinkCandidate): ScheduleSize {
  const clientThreads = new Set(c.schedule.ops.filter((op) => op.thread !== 'nemesis').map((op) => op.thread));
  const nodes = new Set<string>();
  for (const op of c.schedule.ops) if (op.thread === 'nemesis') for (const n of touchedNodes(op)) nodes.add(n);
  return { faults: episodes(c.schedule).length, threads: clientThreads.size, ops: c.schedule.ops.filter((op) => op.thread !== 'nemesis').length, timeLimitS: c.timeLimitS, nodes: [...nodes].sort() };
}

/** The nodes a fault op acted on, as its recorded value names them. */
function touchedNodes(op: ScheduledOp): string[] {
  const done = op.done as Record<string, unknown> | undefined;
  if (done === undefined || done === null || typeof done !== 'object') return [];
  const nodes = Array.isArray(done['nodes']) ? (done['nodes'] as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  const grudge = done['grudge'] !== null && typeof done['grudge'] === 'object' ? Object.entries(done['grudge'] as Record<string, unknown>).filter(([, v]) => Array.isArray(v) && v.length > 0).map(([k]) => k) : [];
  return [...nodes, ...grudge, ...(typeof done['node'] === 'string' ? [done['node']] : [])];
}

/**
 * The fault episodes of a schedule: for each start op, its index and the index of the next stop of
 * the same fault (if the main phase had one). Leaving an episode out leaves both out.
 */
export function episodes(schedule: Schedule): number[][] {
  const result: number[][] = [];
  const open = new Map<string, number[]>();
  schedule.ops.forEach((op, i) => {
    if (op.thread !== 'nemesis') return;
    const [verb, ...rest] = op.f.split('-');
    const fault = rest.join('-');
    if (verb === 'start') {
      const episode = [i];
      result.push(episode);
      open.set(fault, episode);
    } else if (verb === 'stop') {
      const episode = open.get(fault);
      if (episode) {
        episode.push(i);
        open.delete(fault);
      }
    }
  });
  return result;
}

function without(c: ShrinkCandidate, drop: ReadonlySet<number>): ShrinkCandidate {
  return { ...c, schedule: { ...c.schedule, ops: c.schedule.ops.filter((_, i) => !drop.has(i)) } };
}

/** The candidate cut at `seconds`: ops invoked later are left out, and the run is that long. */
export function cutAt(c: ShrinkCandidate, seconds: number): ShrinkCandidate {
  const ns = seconds * 1e9;
  return { timeLimitS: seconds, schedule: { mainPhaseNs: ns, ops: c.schedule.ops.filter((op) => op.offsetNs < ns) } };
}

/** The candidate without some fault episodes. */
export function withoutEpisodes(c: ShrinkCandidate, drop: readonly number[][]): ShrinkCandidate {
  return without(c, new Set(drop.flat()));
}

/** The candidate with some client threads idle. */
export function withoutThreads(c: ShrinkCandidate, threads: readonly Thread[]): ShrinkCandidate {
  const idle = new Set(threads);
  return { ...c, schedule: { ...c.schedule, ops: c.schedule.ops.filter((op) => !idle.has(op.thread)) } };
}

export interface ShrinkStep {
  tried: string;
  kept: boolean;
  size: ScheduleSize;
}

export interface ShrinkOutcome {
  best: ShrinkCandidate;
  steps: ShrinkStep[];
  /** True when the budget ran out before every candidate was tried: `best` may not be the smallest. */
  outOfBudget: boolean;
}

/**
 * Shrinks `start`: `fails(candidate, what)` replays it (a few times) and says whether it still
 * fails; `spent()` says whether the budget is gone. Greedy: a kept candidate is the new start.
 */
export async function shrinkSchedule(
  start: ShrinkCandidate,
  fails: (candidate: ShrinkCandidate, what: string) => Promise<boolean>,
  spent: () => boolean,
  minTimeLimitS = 1,
): Promise<ShrinkOutcome> {
  let best = start;
  const steps: ShrinkStep[] = [];
  let outOfBudget = false;
  const attempt = async (candidate: ShrinkCandidate, what: string): Promise<boolean> => {
    if (spent()) {
      outOfBudget = true;
      return false;
    }
    const kept = await fails(candidate, what);
    steps.push({ tried: what, kept, size: sizeOf(candidate) });
    if (kept) best = candidate;
    return kept;
  };

  // 1. A shorter run: the last op that matters is often early. Halve what is left after the cut while it still fails.
  for (let step = best.timeLimitS / 2; step >= Math.max(0.5, minTimeLimitS / 4) && !outOfBudget; step /= 2) {
    const seconds = Math.max(minTimeLimitS, Math.round((best.timeLimitS - step) * 10) / 10);
    if (seconds >= best.timeLimitS) continue;
    await attempt(cutAt(best, seconds), `a ${seconds} s run`);
  }
  // 2. Fewer faults, then 3. fewer client threads: ddmin's complements, by halves, then one at a time.
  await removeChunks(() => episodes(best.schedule), (drop) => withoutEpisodes(best, drop), (drop) => `without ${drop.length} of ${episodes(best.schedule).length} fault episodes`, attempt, () => outOfBudget);
  const threads = (): Thread[] => [...new Set(best.schedule.ops.filter((op) => op.thread !== 'nemesis').map((op) => op.thread))];
  await removeChunks(threads, (drop) => withoutThreads(best, drop), (drop) => `without client threads ${drop.join(', ')}`, attempt, () => outOfBudget);
  return { best, steps, outOfBudget };
}

/** Tries leaving out chunks of the current items, halving the chunk size down to one; the items are read again after each kept step. */
async function removeChunks<T>(
  items: () => T[],
  candidate: (drop: T[]) => ShrinkCandidate,
  describe: (drop: T[]) => string,
  attempt: (c: ShrinkCandidate, what: string) => Promise<boolean>,
  stopped: () => boolean,
): Promise<void> {
  for (let size = Math.max(1, Math.floor(items().length / 2)); size >= 1 && !stopped(); size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
    for (let i = 0; i < items().length && !stopped(); ) {
      const current = items();
      const drop = current.slice(i, i + size);
      if (drop.length === 0) break;
      // A kept removal shifts the rest into place: try the same position again.
      if (!(await attempt(candidate(drop), describe(drop)))) i += size;
    }
  }
}
