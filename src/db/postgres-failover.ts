// faultline's own failover for PostgreSQL (PostgreSQL has none built in): a monitor on the controller
// looks at every node about twice a second and decides, here and purely, what to do. The monitor is
// never partitioned from the nodes (nor are clients, as in Jepsen), so "the primary is lost" is what
// the standbys see, not what the monitor sees: the primary is lost when the monitor cannot reach it
// (killed, paused) or when none of its witnesses receives its WAL any more (partitioned away). A
// witness is a standby the monitor saw streaming from the primary and that has not restarted since
// (the same postmaster start time whenever it answers): a standby that restarted, or diverged,
// says nothing about the primary. A probe that times out (a busy machine, a paused node) does not
// end a witness: only what the node says when it answers again does.
// After `failoverAfterMs` of that, of the reachable standbys that were streaming from it until it was
// lost (a standby that had diverged or fallen off is never a candidate), the one that has received
// the most WAL is promoted. With no such standby nothing is promoted: the monitor waits.
//
// Fencing, after the fact: the old primary is asked to rejoin as a standby of the new one (the node
// stops its server, pg_rewind discards what it wrote past the fork, it starts as a standby) as soon
// as the monitor can reach it: at once when it was only partitioned away, on resume when it was
// paused, at restart when it was killed. Until then it still accepts the writes of clients that
// reach it; those writes are discarded by the rewind, acknowledged or not (under async replication
// acknowledged writes are lost; under sync, its commits wait for a standby that never answers).
// Any other primary the monitor finds (a split brain) is fenced the same way; the primary kept is
// the one the monitor chose, or, when that one is no primary, the one on the newest timeline.

/** What the monitor learned of one node this round. */
export interface NodeView {
  node: string;
  /** Answered the monitor's query in time. */
  reachable: boolean;
  /** pg_is_in_recovery(): a standby. */
  inRecovery?: boolean;
  /** The timeline the node writes (a primary) or receives (a standby). */
  timeline?: number;
  /** A standby's WAL receiver is streaming and heard from its upstream within the receive window. */
  receiving?: boolean;
  /** The host a standby's primary_conninfo names. */
  upstream?: string;
  /** How far a standby has received (or replayed) WAL, as a byte position. */
  lsn?: bigint;
  /** When its server started (pg_postmaster_start_time, epoch seconds): a new value is a restart. */
  startedAtS?: number;
}

export interface FailoverSettings {
  enabled: boolean;
  failoverAfterMs: number;
  /** How long a standby that names the right primary may go without receiving before it is rewound. */
  stuckAfterMs: number;
  /** The node's host, as primary_conninfo names it. */
  hostOf(node: string): string;
}

export interface FailoverState {
  /** The node the monitor takes for the primary. */
  primary: string | undefined;
  /** Since when the primary has seemed lost (monitor's clock, ms). */
  lostSinceMs?: number;
  /** Since when each standby that names the primary has not been receiving. */
  stuckSinceMs: Readonly<Record<string, number>>;
  /** When each witness (a standby that has not restarted since it was seen streaming from the primary) last streamed. */
  fedAtMs: Readonly<Record<string, number>>;
  /** Each witness's server start time when it last streamed (absent when its probe did not say). */
  fedStartedAtS?: Readonly<Record<string, number>>;
  /** The primary's timeline when last seen. */
  timeline?: number;
}

export type FailoverAction =
  | { kind: 'promote'; node: string; why: string }
  /** Stop the node's server, rewind it to the primary's history, start it as its standby. */
  | { kind: 'follow'; node: string; primary: string; why: string }
  /** Point a healthy standby at the primary (primary_conninfo, reloaded without a restart). */
  | { kind: 'repoint'; node: string; primary: string; why: string };

export const INITIAL_FAILOVER_STATE: FailoverState = { primary: undefined, stuckSinceMs: {}, fedAtMs: {}, fedStartedAtS: {} };

/** A standby is a candidate if it streamed from the primary this long before the primary was lost, or less. */
const CANDIDATE_SLACK_MS = 10_000;

/** One round of the monitor: the next state and what to do now. */
export function decideFailover(state: FailoverState, views: readonly NodeView[], nowMs: number, settings: FailoverSettings): { state: FailoverState; actions: FailoverAction[] } {
  const actions: FailoverAction[] = [];
  const reachable = views.filter((v) => v.reachable);
  const primaries = reachable.filter((v) => v.inRecovery === false);
  const standbys = reachable.filter((v) => v.inRecovery === true);

  // The primary: the monitor's own choice while it says so, else the one on the newest timeline.
  let primary = state.primary;
  if (primaries.length > 0 && !primaries.some((v) => v.node === state.primary)) {
    const newest = Math.max(...primaries.map((v) => v.timeline ?? 0));
    primary = primaries.find((v) => (v.timeline ?? 0) === newest)!.node;
  }
  // Never seen yet (its probes timed out from the first round, or it died first): the primary is
  // the node every streaming standby names, so that its loss is noticed like any other.
  if (primary === undefined && primaries.length === 0) {
    const named = new Set(standbys.filter((v) => v.receiving === true && v.upstream !== undefined).map((v) => v.upstream));
    if (named.size === 1) primary = views.find((v) => settings.hostOf(v.node) === [...named][0])?.node;
  }
  if (!settings.enabled) return { state: { ...state, primary }, actions };


  // Fence every other primary: it rejoins as a standby of the one kept.
  for (const other of primaries) {
    if (primary !== undefined && other.node !== primary) actions.push({ kind: 'follow', node: other.node, primary, why: `${other.node} is a second primary (timeline ${other.timeline ?? '?'}) beside ${primary}` });
  }

  const primaryView = views.find((v) => v.node === primary);
  const primaryUp = primaryView?.reachable === true && primaryView.inRecovery === false;
  const primaryHost = primary === undefined ? undefined : settings.hostOf(primary);
  const timeline = primaryUp ? primaryView.timeline : primary === state.primary ? state.timeline : undefined;
  // Streaming counts on the primary's own timeline only: a standby that diverged reconnects again
  // and again on its old timeline, each time briefly "streaming".
  const fed = standbys.filter((v) => v.receiving === true && v.upstream === primaryHost && (timeline === undefined || v.timeline === timeline));
  // A witness stays one while it does not answer (a timed-out probe says nothing), and while it
  // answers as a standby that has not restarted since it last streamed.
  const kept = primary === state.primary ? state.fedAtMs : {};
  const keptStarts = primary === state.primary ? state.fedStartedAtS ?? {} : {};
  const fedAtMs: Record<string, number> = {};
  const fedStartedAtS: Record<string, number> = {};
  for (const [node, at] of Object.entries(kept)) {
    const view = views.find((v) => v.node === node);
    const started = keptStarts[node];
    const same = view === undefined || !view.reachable
      || (view.inRecovery === true && (started === undefined || view.startedAtS === undefined || view.startedAtS === started));
    if (!same) continue;
    fedAtMs[node] = at;
    if (started !== undefined) fedStartedAtS[node] = started;
  }
  for (const v of fed) {
    fedAtMs[v.node] = nowMs;
    if (v.startedAtS !== undefined) fedStartedAtS[v.node] = v.startedAtS;
    else delete fedStartedAtS[v.node];
  }
  const witnesses = standbys.filter((v) => fedAtMs[v.node] !== undefined);
  const lostWhy = !primaryUp ? `the monitor cannot reach ${primary ?? 'any primary'}` : witnesses.length > 0 && fed.length === 0 ? `no standby receives ${primary}'s WAL` : undefined;

  let lostSinceMs: number | undefined;
  if (lostWhy !== undefined && witnesses.length > 0) {
    lostSinceMs = state.lostSinceMs ?? nowMs;
    const since = lostSinceMs;
    const candidates = witnesses.filter((v) => since - fedAtMs[v.node]! <= CANDIDATE_SLACK_MS);
    if (nowMs - since >= settings.failoverAfterMs && candidates.length > 0) {
      const candidate = [...candidates].sort((a, b) => (b.lsn ?? 0n) > (a.lsn ?? 0n) ? 1 : (b.lsn ?? 0n) < (a.lsn ?? 0n) ? -1 : a.node < b.node ? -1 : 1)[0]!;
      const why = `${lostWhy} for ${((nowMs - since) / 1000).toFixed(1)} s`;
      // The old primary is fenced once the promotion took (the next round sees two primaries): a
      // promotion that fails must not leave the cluster without either.
      actions.push({ kind: 'promote', node: candidate.node, why });
      for (const s of standbys) {
        if (s.node !== candidate.node) actions.push({ kind: 'repoint', node: s.node, primary: candidate.node, why: `${candidate.node} was promoted` });
      }
      return { state: { primary: candidate.node, stuckSinceMs: {}, fedAtMs: {}, fedStartedAtS: {} }, actions };
    }
  }

  // The primary is up: every standby should stream from it; one that names it but receives nothing
  // for long (it diverged: it had WAL the primary never had) is rewound.
  const stuckSinceMs: Record<string, number> = {};
  if (primary !== undefined && primaryUp) {
    for (const s of standbys) {
      if (s.upstream !== primaryHost) {
        actions.push({ kind: 'repoint', node: s.node, primary, why: `${s.node} follows ${s.upstream ?? 'nobody'}, not ${primary}` });
      } else if (!fed.includes(s)) {
        const since = state.stuckSinceMs[s.node] ?? nowMs;
        if (nowMs - since >= settings.stuckAfterMs) actions.push({ kind: 'follow', node: s.node, primary, why: `${s.node} has received nothing from ${primary} for ${((nowMs - since) / 1000).toFixed(1)} s` });
        else stuckSinceMs[s.node] = since;
      }
    }
  }
  return { state: { primary, stuckSinceMs, fedAtMs, fedStartedAtS, ...(lostSinceMs !== undefined && { lostSinceMs }), ...(timeline !== undefined && { timeline }) }, actions };
}

/** A WAL position as PostgreSQL prints it (16/B374D848) as a number of bytes. */
export function parseLsn(text: string | null | undefined): bigint | undefined {
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(text ?? '');
  return m ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : undefined;
}

/** The host a primary_conninfo names. */
export function conninfoHost(conninfo: string | null | undefined): string | undefined {
  return /(?:^|\s)host=([^\s']+)/.exec(conninfo ?? '')?.[1];
}
