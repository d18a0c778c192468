// A run waits (bounded) for the cluster to name a primary and records it; a replay restarts its
// cluster until it names the original's, at most a few times, and says what it got.
import { describe, expect, it } from 'vitest';
import { awaitPrimaries, describePrimaryMatch, matchPrimaries, samePrimaries } from './first-primaries.js';

/** A cluster whose answers to "who is primary?" come from a list, one per call (the last repeats). */
const answers = (...lists: (string[] | Error)[]) => {
  let i = 0;
  return async (): Promise<string[]> => {
    const a = lists[Math.min(i++, lists.length - 1)]!;
    if (a instanceof Error) throw a;
    return a;
  };
};

describe('awaitPrimaries', () => {
  it('polls until the cluster names a primary (a failed poll counts as none), sorted', async () => {
    expect(await awaitPrimaries(answers([], new Error('refused'), ['n3', 'n1']), 1000, undefined, 1)).toEqual(['n1', 'n3']);
  });

  it('gives up after the wait with no primary', async () => {
    const began = Date.now();
    expect(await awaitPrimaries(answers([]), 50, undefined, 5)).toEqual([]);
    expect(Date.now() - began).toBeGreaterThanOrEqual(50);
  });
});

describe('matchPrimaries', () => {
  it('restarts until the primaries are the recorded ones', async () => {
    let restarts = 0;
    const match = await matchPrimaries(['n2'], ['n1'], async () => void restarts++, answers(['n4'], ['n2']), { tries: 5 });
    expect(match).toEqual({ recorded: ['n2'], got: ['n2'], restarts: 2 });
    expect(restarts).toBe(2);
    expect(describePrimaryMatch(match)).toBe('first primary n2 as in the original (after 2 cluster restarts)');
  });

  it('does not restart when they already match, or when the original recorded none', async () => {
    const restart = async () => {
      throw new Error('no restart expected');
    };
    expect(await matchPrimaries(['n1'], ['n1'], restart, answers([]), { tries: 5 })).toEqual({ recorded: ['n1'], got: ['n1'], restarts: 0 });
    expect(await matchPrimaries([], ['n3'], restart, answers([]), { tries: 5 })).toEqual({ recorded: [], got: ['n3'], restarts: 0 });
  });

  it('stops after the tries and says the replay did not get them', async () => {
    const match = await matchPrimaries(['n2'], ['n1'], async () => undefined, answers(['n1']), { tries: 3 });
    expect(match).toEqual({ recorded: ['n2'], got: ['n1'], restarts: 3 });
    expect(describePrimaryMatch(match)).toBe("first primary n1, not the original's n2, after 3 cluster restarts: the replay may not fail again for that reason");
  });

  it('compares as sets', () => {
    expect(samePrimaries(['n1', 'n2'], ['n2', 'n1'])).toBe(true);
    expect(samePrimaries(['n1'], ['n1', 'n2'])).toBe(false);
  });
});
