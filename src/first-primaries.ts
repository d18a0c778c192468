// The primaries a cluster starts its workload with. Whether a replay of an invalid run fails again
// depends most on which node its first election chose: measured on the bundled store's primary
// mode under partitions, replays whose first primary was the original's failed again 46 of 46
// times, the others 0 of 34. The schedule replays ops and faults, not elections, so:
// - every run of a db that knows its primaries waits (bounded) for one before its workload, and
//   records who they were in run.json (`primaries`);
// - a replay restarts its fresh cluster until it has the same primaries (bounded), and records
//   whether it got them (`replay.primaries`), so a replay that could not match says so.

/** How long a run waits, after the cluster is ready, for it to name a primary before its workload. */
export const PRIMARY_WAIT_MS = 5_000;
/**
 * How many times a replay restarts its cluster to get the original's primaries. Elections after a
 * restart are not fair draws (a node's seeded timeout favours it: one node won 20 of 34), yet 78
 * of 80 measured replays matched within it (mean 1.2 restarts, each about 1.6 s).
 */
export const PRIMARY_RESTARTS = 10;

/** What a replay did to start with the original's primaries. */
export interface PrimaryMatch {
  /** The original's primaries when its workload started. */
  recorded: string[];
  /** The replay's, after its last restart. */
  got: string[];
  /** How many times the cluster was restarted to get them. */
  restarts: number;
}

/**
 * The primaries `current()` names, sorted, polled every `pollMs` until it names one or `waitMs`
 * passes (then the empty list: a cluster may run its workload with no primary). A poll that throws
 * counts as none. Stops early when `signal` aborts.
 */
export async function awaitPrimaries(current: () => Promise<string[]>, waitMs: number, signal?: AbortSignal, pollMs = 100): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = await current().catch(() => [] as string[]);
    if (now.length > 0) return [...now].sort();
    if (Date.now() >= deadline || signal?.aborted) return [];
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** True when both lists name the same nodes. */
export function samePrimaries(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((n, i) => n === y[i]);
}

/**
 * Restarts the cluster (`restart`, then `current` polled as by awaitPrimaries) until its primaries
 * are `recorded`, at most `tries` times, starting from `got`. An original that recorded none has
 * nothing to match: no restart.
 */
export async function matchPrimaries(
  recorded: readonly string[],
  got: readonly string[],
  restart: () => Promise<void>,
  current: () => Promise<string[]>,
  options: { tries: number; signal?: AbortSignal },
): Promise<PrimaryMatch> {
  let now = [...got].sort();
  let restarts = 0;
  while (recorded.length > 0 && !samePrimaries(recorded, now) && restarts < options.tries && !options.signal?.aborted) {
    await restart();
    restarts++;
    now = await current();
  }
  return { recorded: [...recorded].sort(), got: now, restarts };
}

/** One line about a replay's primaries, for its status output and report. */
export function describePrimaryMatch(match: PrimaryMatch): string {
  const was = match.recorded.join(' ');
  if (samePrimaries(match.recorded, match.got)) {
    return `first primary ${was} as in the original${match.restarts > 0 ? ` (after ${match.restarts} cluster restart${match.restarts === 1 ? '' : 's'})` : ''}`;
  }
  return `first primary ${match.got.join(' ') || 'none'}, not the original's ${was}, after ${match.restarts} cluster restarts: the replay may not fail again for that reason`;
}
