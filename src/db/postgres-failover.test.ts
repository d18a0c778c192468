import { describe, expect, it } from 'vitest';
import { conninfoHost, decideFailover, INITIAL_FAILOVER_STATE, parseLsn, type FailoverSettings, type FailoverState, type NodeView } from './postgres-failover.js';

const settings: FailoverSettings = { enabled: true, failoverAfterMs: 5000, stuckAfterMs: 10_000, hostOf: (n) => `h-${n}` };
const primary = (node: string, timeline = 1): NodeView => ({ node, reachable: true, inRecovery: false, timeline });
const standby = (node: string, of: string, lsn: bigint, receiving = true, startedAtS = 100): NodeView => ({ node, reachable: true, inRecovery: true, timeline: 1, receiving, upstream: `h-${of}`, lsn, startedAtS });
const down = (node: string): NodeView => ({ node, reachable: false });

/** Runs rounds at the given times over the same views; the last round's decision. */
function rounds(views: readonly NodeView[], times: readonly number[], start: FailoverState = INITIAL_FAILOVER_STATE, s = settings) {
  let state = start;
  let last = { state, actions: [] as ReturnType<typeof decideFailover>['actions'] };
  for (const t of times) {
    last = decideFailover(state, views, t, s);
    state = last.state;
  }
  return last;
}

describe('postgres failover decisions', () => {
  const healthy = [primary('n1'), standby('n2', 'n1', 100n), standby('n3', 'n1', 90n)];
  const fed = rounds(healthy, [0]).state;

  it('does nothing while the primary feeds its standbys', () => {
    expect(rounds(healthy, [0, 500, 10_000])).toEqual({ state: { primary: 'n1', stuckSinceMs: {}, fedAtMs: { n2: 10_000, n3: 10_000 }, fedStartedAtS: { n2: 100, n3: 100 }, timeline: 1 }, actions: [] });
  });

  it('promotes the standby that received the most once the primary was unreachable for failoverAfterMs, and repoints the rest', () => {
    const lost = [down('n1'), standby('n2', 'n1', 100n, false), standby('n3', 'n1', 120n, false)];
    expect(rounds(lost, [1000, 5999], fed).actions).toEqual([]);
    const { state, actions } = rounds(lost, [1000, 6000], fed);
    expect(actions.map((a) => [a.kind, a.node])).toEqual([['promote', 'n3'], ['repoint', 'n2']]);
    expect(actions[0]!.why).toBe('the monitor cannot reach n1 for 5.0 s');
    expect(state.primary).toBe('n3');
  });

  it('promotes when a primary is cut off from every standby (reachable only by the monitor), and fences it once the promotion took', () => {
    const cut = [primary('n1'), standby('n2', 'n1', 100n, false), standby('n3', 'n1', 90n, false)];
    const promoted = rounds(cut, [1000, 6000], fed);
    expect(promoted.actions.map((a) => [a.kind, a.node])).toEqual([['promote', 'n2'], ['repoint', 'n3']]);
    const after = [primary('n1', 1), primary('n2', 2), standby('n3', 'n2', 90n)];
    expect(rounds(after, [6500], promoted.state).actions).toEqual([{ kind: 'follow', node: 'n1', primary: 'n2', why: 'n1 is a second primary (timeline 1) beside n2' }]);
  });

  it('takes a standby that restarted (a new server start time) for no witness: a reachable primary stays, whatever it says', () => {
    const restarted = [primary('n1'), standby('n2', 'n1', 100n, false, 200), standby('n3', 'n1', 90n, false, 200)];
    const afterKill = rounds([primary('n1'), down('n2'), down('n3')], [1000], fed).state;
    expect(afterKill.fedAtMs).toEqual({ n2: 0, n3: 0 }); // not answering says nothing yet
    const after = rounds(restarted, [2000, 9000], afterKill);
    expect(after.state.fedAtMs).toEqual({});
    expect(after.actions.some((a) => a.kind === 'promote')).toBe(false);
  });

  it('keeps a witness whose probes timed out (a busy machine) and that answers again unrestarted: the lost primary is replaced', () => {
    // Every probe of a round times out, then the primary is killed; the standbys answer as before, no longer receiving.
    const slow = rounds([primary('n1'), down('n2'), down('n3')], [500], fed).state;
    const lost = [down('n1'), standby('n2', 'n1', 100n, false), standby('n3', 'n1', 120n, false)];
    expect(rounds(lost, [1000, 6000], slow).actions.map((a) => [a.kind, a.node])).toEqual([['promote', 'n3'], ['repoint', 'n2']]);
  });

  it('takes the node every streaming standby names for the primary when it never answered the monitor, and replaces it once lost', () => {
    const unseen = [down('n1'), standby('n2', 'n1', 100n), standby('n3', 'n1', 90n)];
    const first = rounds(unseen, [0]);
    expect(first.state.primary).toBe('n1');
    expect(first.state.fedAtMs).toEqual({ n2: 0, n3: 0 });
    const lost = [down('n1'), standby('n2', 'n1', 100n, false), standby('n3', 'n1', 90n, false)];
    expect(rounds(lost, [1000, 6000], first.state).actions.map((a) => [a.kind, a.node])).toEqual([['promote', 'n2'], ['repoint', 'n3']]);
    // Standbys that name different nodes say nothing: no primary is guessed.
    expect(rounds([down('n1'), standby('n2', 'n1', 100n), standby('n3', 'n2', 90n)], [0]).state.primary).toBeUndefined();
  });

  it('keeps the primary while one standby still receives from it', () => {
    const minority = [primary('n1'), standby('n2', 'n1', 100n), standby('n3', 'n1', 90n, false)];
    expect(rounds(minority, [1000, 9000], fed).actions).toEqual([]);
  });

  it('never promotes a standby that was not streaming from the lost primary (diverged, or following someone else)', () => {
    const start = rounds([primary('n1'), standby('n2', 'n1', 100n), standby('n3', 'n1', 90n, false)], [0]).state;
    const lost = [down('n1'), standby('n3', 'n1', 500n, false), down('n2')];
    expect(rounds(lost, [1000, 30_000], start).actions).toEqual([]);
  });

  it('fences a second primary (an old one back from a pause) and keeps its own choice', () => {
    const state: FailoverState = { primary: 'n2', stuckSinceMs: {}, fedAtMs: {} };
    const { actions } = rounds([primary('n1', 1), primary('n2', 2), standby('n3', 'n2', 10n)], [0], state);
    expect(actions).toEqual([{ kind: 'follow', node: 'n1', primary: 'n2', why: 'n1 is a second primary (timeline 1) beside n2' }]);
  });

  it('rewinds a standby that names the primary but receives nothing for stuckAfterMs, and repoints one that names another', () => {
    const views = [primary('n2', 2), standby('n1', 'n2', 10n, false), standby('n3', 'n1', 10n, false)];
    const state: FailoverState = { primary: 'n2', stuckSinceMs: {}, fedAtMs: {} };
    expect(rounds(views, [0], state).actions.map((a) => [a.kind, a.node])).toEqual([['repoint', 'n3']]);
    expect(rounds(views, [0, 10_000], state).actions.map((a) => [a.kind, a.node])).toEqual([['follow', 'n1'], ['repoint', 'n3']]);
  });

  it('takes a standby streaming on an older timeline than the primary for diverged: no witness, and rewound in time', () => {
    const state: FailoverState = { primary: 'n2', stuckSinceMs: {}, fedAtMs: {} };
    const views = [primary('n2', 2), standby('n3', 'n2', 500n), down('n1')];
    expect(rounds(views, [0, 9000], state).actions).toEqual([]);
    expect(rounds(views, [0, 10_000], state).actions).toEqual([{ kind: 'follow', node: 'n3', primary: 'n2', why: 'n3 has received nothing from n2 for 10.0 s' }]);
  });

  it('acts on nothing with failover off, but still names the primary', () => {
    const lost = [down('n1'), standby('n2', 'n1', 100n, false), standby('n3', 'n1', 90n, false)];
    expect(rounds(lost, [0, 60_000], fed, { ...settings, enabled: false })).toMatchObject({ actions: [], state: { primary: 'n1' } });
  });

  it('reads WAL positions and conninfo hosts as PostgreSQL prints them', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn(null)).toBeUndefined();
    expect(conninfoHost('host=10.0.0.2 port=5432 user=postgres')).toBe('10.0.0.2');
    expect(conninfoHost('')).toBeUndefined();
  });
});
