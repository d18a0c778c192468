// Each consistency model the cycle checker accepts, checked by its own definition: one hand-made
// history it allows and one, changed a little, that it forbids (named by verdict in one table).
// Every history is also compared with the brute-force search.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/op.js';
import { historyBuilder, type HistoryBuilder } from '../../test-support/history-builder.js';
import { bruteForceCycleClasses, bruteForceGraph } from '../../test-support/brute-force-cycles.js';
import { compareWithBruteForce } from '../../test-support/compare-with-brute-force.js';
import { CYCLE_ANOMALIES } from './cycle-class.js';
import { anomaliesProhibitedBy, canonicalModel, violatedModels } from './consistency-models.js';
import { checkListAppend, consistencyModels } from './index.js';
import { append, begin, end, read, txn } from '../../test-support/list-append-builder.js';

const build = (steps: (h: HistoryBuilder) => void): Op[] => {
  const h = historyBuilder();
  steps(h);
  return h.history;
};

/** Small histories, each with the anomaly its name says (or none), built to differ from a neighbour by one change. */
const histories: Record<string, Op[]> = {
  serial: build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [read('x', [1]), append('x', 2)]);
  }),
  // Two concurrent transactions append to x and y; a later read shows them in opposite orders (G0),
  // or T1 reads T2's append of y instead of appending to y itself (G1c).
  G0: build((h) => {
    begin(h, 0, [append('x', 1), append('y', 2)]);
    begin(h, 1, [append('x', 2), append('y', 1)]);
    end(h, 0, [append('x', 1), append('y', 2)]);
    end(h, 1, [append('x', 2), append('y', 1)]);
    txn(h, 2, [read('x', [1, 2]), read('y', [1, 2])]);
  }),
  G1c: build((h) => {
    begin(h, 0, [append('x', 1), read('y', [1])]);
    begin(h, 1, [append('x', 2), append('y', 1)]);
    end(h, 1, [append('x', 2), append('y', 1)]);
    end(h, 0, [append('x', 1), read('y', [1])]);
    txn(h, 2, [read('x', [1, 2])]);
  }),
  // A committed append read whole (ok) or halfway (G1b, intermediate read); read from a failed transaction (G1a).
  'whole-read': build((h) => {
    txn(h, 0, [append('x', 1), append('x', 2)]);
    txn(h, 1, [read('x', [1, 2])]);
  }),
  G1b: build((h) => {
    txn(h, 0, [append('x', 1), append('x', 2)]);
    txn(h, 1, [read('x', [1])]);
  }),
  G1a: build((h) => {
    txn(h, 0, [append('x', 1)], 'fail');
    txn(h, 1, [read('x', [1])]);
    txn(h, 2, [append('x', 2)]);
  }),
  // Read skew: T1 misses T2's append of y, yet T2's append of x came before T1's.
  'G-single-item': build((h) => {
    begin(h, 1, [append('x', 2), read('y', [])]);
    txn(h, 0, [append('x', 1), append('y', 1)]);
    end(h, 1, [append('x', 2), read('y', [])]);
    txn(h, 2, [read('x', [1, 2])]);
  }),
  // Four concurrent transactions, each reading a key another appends to: all four miss the append
  // (four-way write skew, rw edges adjacent: G2-item), or two of them instead see the append of the
  // transaction before (rw and wr alternate: G-nonadjacent-item).
  'G2-item': build((h) => {
    const t = [
      [read('x', []), append('w', 1)],
      [read('y', []), append('x', 1)],
      [read('z', []), append('y', 1)],
      [read('w', []), append('z', 1)],
    ];
    t.forEach((mops, p) => begin(h, p, mops));
    t.forEach((mops, p) => end(h, p, mops));
  }),
  'G-nonadjacent-item': build((h) => {
    const t = [
      [read('x', []), read('w', [1])],
      [append('y', 1), append('x', 1)],
      [read('z', []), read('y', [1])],
      [append('w', 1), append('z', 1)],
    ];
    t.forEach((mops, p) => begin(h, p, mops));
    t.forEach((mops, p) => end(h, p, mops));
  }),
  // Lost update: two transactions read x as [0] and both append; or the second reads the first's append.
  'lost-update': build((h) => {
    txn(h, 0, [append('x', 0)]);
    begin(h, 1, [read('x', [0]), append('x', 1)]);
    begin(h, 2, [read('x', [0]), append('x', 2)]);
    end(h, 1, [read('x', [0]), append('x', 1)]);
    end(h, 2, [read('x', [0]), append('x', 2)]);
  }),
  'successive-updates': build((h) => {
    txn(h, 0, [append('x', 0)]);
    txn(h, 1, [read('x', [0]), append('x', 1)]);
    txn(h, 2, [read('x', [0, 1]), append('x', 2)]);
  }),
  // A transaction's read agrees with its own append, or not (internal).
  'own-append-read': build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2), read('x', [1, 2])]);
  }),
  internal: build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2), read('x', [1])]);
  }),
  // Appends of 1 then 2 to x, read in the opposite order: concurrent appends (allowed by all), one
  // completing before the other began on other processes (G0-realtime), or on one process (G0-process).
  'concurrent-appends-read-reversed': build((h) => {
    begin(h, 0, [append('x', 1)]);
    begin(h, 1, [append('x', 2)]);
    end(h, 0, [append('x', 1)]);
    end(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [2, 1])]);
  }),
  'G0-realtime': build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [2, 1])]);
  }),
  'G0-process': build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 0, [append('x', 2)]);
    txn(h, 2, [read('x', [2, 1])]);
  }),
  // T1 reads y as [1], T2's append: T2 concurrent (allowed), begun after T1 completed on another process
  // (G1c-realtime), or on T1's process (G1c-process).
  'concurrent-read-of-append': build((h) => {
    begin(h, 0, [read('y', [1])]);
    txn(h, 1, [append('y', 1)]);
    end(h, 0, [read('y', [1])]);
  }),
  'G1c-realtime': build((h) => {
    txn(h, 0, [read('y', [1])]);
    txn(h, 1, [append('y', 1)]);
  }),
  'G1c-process': build((h) => {
    txn(h, 0, [read('y', [1])]);
    txn(h, 0, [append('y', 1)]);
  }),
  // T2 reads x as [] although T1 appended 1: T1 still running (allowed), T1 completed before T2 began
  // on another process (G-single-item-realtime), or on the same process (G-single-item-process).
  'concurrent-stale-read': build((h) => {
    begin(h, 0, [append('x', 1)]);
    txn(h, 1, [read('x', [])]);
    end(h, 0, [append('x', 1)]);
  }),
  'G-single-item-realtime': build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [read('x', [])]);
  }),
  'G-single-item-process': build((h) => {
    txn(h, 0, [append('x', 1)]);
    txn(h, 0, [read('x', [])]);
  }),
  // T1 misses T2's append of a, T2 misses T3's append of b, and T3 completed before T1 began while T2
  // overlaps both: two adjacent rw edges closed by real time (G2-item-realtime, allowed by strong
  // snapshot isolation); or T3 completes before T2 begins too, so T2's miss alone closes a cycle.
  'G2-item-realtime': build((h) => writeSkewRealtime(h, false)),
  'G-single-item-realtime-beside-write-skew': build((h) => writeSkewRealtime(h, true)),
  // Rw, wr, rw and a real-time edge: T1 misses T2's append of x, T3 reads T2's append of y but misses
  // T4's append of z, and T4 completed before T1 began (G-nonadjacent-item-realtime); or T1 began
  // before T4 completed, leaving no cycle.
  'G-nonadjacent-item-realtime': build((h) => nonadjacentRealtime(h, true)),
  'nonadjacent-rw-overlapping': build((h) => nonadjacentRealtime(h, false)),
  // The reported bug's shape: T1 appends x 1; T2 reads it and appends x 2 (wr, ww); T3 begins after
  // T2 completed and reads x empty (rw); T1 completes last. A cycle of ww, wr, real-time and one rw
  // edge (G-single-item-realtime); or T3 begins before T2 completes and there is no cycle.
  'stale-read-after-reader-completed': build((h) => readerThenStale(h, true)),
  'stale-read-while-reader-runs': build((h) => readerThenStale(h, false)),
};

function writeSkewRealtime(h: HistoryBuilder, t3BeforeT2: boolean): void {
  const t1 = [read('a', [])];
  const t2 = [append('a', 1), read('b', [])];
  const t3 = [append('b', 1)];
  if (!t3BeforeT2) begin(h, 2, t2);
  txn(h, 3, t3);
  if (t3BeforeT2) begin(h, 2, t2);
  txn(h, 1, t1);
  end(h, 2, t2);
}

function nonadjacentRealtime(h: HistoryBuilder, t4BeforeT1: boolean): void {
  const t1 = [read('x', [])];
  const t2 = [append('y', 1), append('x', 1)];
  const t3 = [read('z', []), read('y', [1])];
  const t4 = [append('z', 1)];
  begin(h, 2, t2);
  begin(h, 3, t3);
  begin(h, 4, t4);
  if (!t4BeforeT1) begin(h, 1, t1);
  end(h, 4, t4);
  if (t4BeforeT1) begin(h, 1, t1);
  end(h, 3, t3);
  end(h, 1, t1);
  end(h, 2, t2);
}

function readerThenStale(h: HistoryBuilder, staleAfter: boolean): void {
  const t1 = [append('x', 1)];
  const t2 = [read('x', [1]), append('x', 2)];
  const t3 = [read('x', [])];
  begin(h, 1, t1);
  begin(h, 2, t2);
  if (!staleAfter) begin(h, 3, t3);
  end(h, 2, t2);
  if (staleAfter) begin(h, 3, t3);
  end(h, 3, t3);
  end(h, 1, t1);
}

/** Per model: a history it allows (ok), one a small change away that it forbids (bad), and the anomaly that names the difference. */
const GOLDEN: [model: string, ok: string, bad: string, anomaly: string][] = [
  ['read-uncommitted', 'G1c', 'G0', 'G0'],
  ['read-committed', 'G-single-item', 'G1c', 'G1c'],
  ['read-committed', 'whole-read', 'G1b', 'G1b'],
  ['monotonic-atomic-view', 'G-single-item', 'G1a', 'G1a'],
  ['monotonic-view', 'G-single-item', 'G1c', 'G1c'],
  ['monotonic-snapshot-read', 'G-single-item', 'G1b', 'G1b'],
  ['cursor-stability', 'successive-updates', 'lost-update', 'lost-update'],
  ['consistent-view', 'G-nonadjacent-item', 'G-single-item', 'G-single-item'],
  ['forward-consistent-view', 'G-nonadjacent-item', 'G-single-item', 'G-single-item'],
  ['update-serializable', 'G-nonadjacent-item', 'G-single-item', 'G-single-item'],
  ['repeatable-read', 'G-single-item-realtime', 'G-single-item', 'G-single-item'],
  ['read-atomic', 'own-append-read', 'internal', 'internal'],
  ['causal-cerone', 'G-single-item', 'internal', 'internal'],
  ['prefix', 'G-single-item', 'G1a', 'G1a'],
  ['update-atomic', 'successive-updates', 'lost-update', 'lost-update'],
  ['parallel-snapshot-isolation', 'G2-item', 'lost-update', 'lost-update'],
  ['snapshot-isolation', 'G2-item', 'G-nonadjacent-item', 'G-nonadjacent-item'],
  ['snapshot-isolation', 'G-nonadjacent-item-realtime', 'G-nonadjacent-item', 'G-nonadjacent-item'],
  ['serializable', 'G-single-item-realtime', 'G2-item', 'G2-item'],
  ['conflict-serializable', 'G-nonadjacent-item-realtime', 'G-nonadjacent-item', 'G-nonadjacent-item'],
  ['strong-session-read-uncommitted', 'G0-realtime', 'G0-process', 'G0-process'],
  ['strong-session-read-committed', 'G1c-realtime', 'G1c-process', 'G1c-process'],
  ['strong-read-uncommitted', 'concurrent-appends-read-reversed', 'G0-realtime', 'G0-realtime'],
  ['strong-read-committed', 'concurrent-read-of-append', 'G1c-realtime', 'G1c-realtime'],
  ['strong-session-snapshot-isolation', 'G-single-item-realtime', 'G-single-item-process', 'G-single-item-process'],
  ['strong-snapshot-isolation', 'concurrent-stale-read', 'G-single-item-realtime', 'G-single-item-realtime'],
  ['strong-snapshot-isolation', 'stale-read-while-reader-runs', 'stale-read-after-reader-completed', 'G-single-item-realtime'],
  ['strong-snapshot-isolation', 'nonadjacent-rw-overlapping', 'G-nonadjacent-item-realtime', 'G-nonadjacent-item-realtime'],
  ['strong-snapshot-isolation', 'G2-item-realtime', 'G-single-item-realtime-beside-write-skew', 'G-single-item-realtime'],
  ['strong-session-serializable', 'G-single-item-realtime', 'G-single-item-process', 'G-single-item-process'],
  ['strict-serializable', 'concurrent-stale-read', 'G-single-item-realtime', 'G-single-item-realtime'],
  ['strong-serializable', 'nonadjacent-rw-overlapping', 'G-nonadjacent-item-realtime', 'G-nonadjacent-item-realtime'],
];

describe('each consistency model on a history it allows and one it forbids', () => {
  it('covers every model the checker accepts', () => {
    expect(new Set(GOLDEN.map(([model]) => model))).toEqual(new Set(consistencyModels));
  });

  it.each(GOLDEN.flatMap(([model, ok, bad, anomaly]) => [[`${model} ok: ${ok}`, model, ok, true, undefined] as const, [`${model} bad: ${bad}`, model, bad, false, anomaly] as const]))(
    '%s',
    (_, model, name, valid, anomaly) => {
      const history = histories[name]!;
      const r = checkListAppend(history, { consistencyModels: [model] });
      expect(r.valid, r.summary).toBe(valid);
      if (anomaly) expect(r.anomalyTypes).toContain(anomaly);
      else expect(r.anomalyTypes.filter((t) => anomaliesProhibitedBy([model]).has(t))).toEqual([]);
    },
  );

  it.each(Object.keys(histories))('%s: the brute force agrees on every model', (name) => {
    expect(compareWithBruteForce(histories[name]!).mismatches).toEqual([]);
  });

  it.each(Object.keys(histories).filter((name) => CYCLE_ANOMALIES.includes(name) || ['G1a', 'G1b', 'internal', 'lost-update'].includes(name)))('%s is found, named, under the default model', (name) => {
    expect(checkListAppend(histories[name]!).anomalyTypes).toContain(name);
    if (CYCLE_ANOMALIES.includes(name)) expect(bruteForceCycleClasses(bruteForceGraph(histories[name]!)).classes).toContain(name);
  });
});

describe('the reported bug: strong snapshot isolation with real-time edges and one anti-dependency', () => {
  const bad = histories['stale-read-after-reader-completed']!;
  const ok = histories['stale-read-while-reader-runs']!;

  it('is a cycle of ww, wr, realtime and exactly one rw edge', () => {
    const r = checkListAppend(bad, { consistencyModels: ['strong-snapshot-isolation'] });
    expect(r).toMatchObject({ valid: false, anomalyTypes: ['G-single-item-realtime'], not: ['strong-snapshot-isolation'] });
    const steps = (r.anomalies['G-single-item-realtime']![0] as { steps: { type: string }[] }).steps.map((s) => s.type);
    expect(steps.filter((t) => t === 'rw')).toHaveLength(1);
    expect(steps).toContain('realtime');
    expect(checkListAppend(bad, { consistencyModels: ['snapshot-isolation'] }).valid).toBe(true);
  });

  it('is allowed once the stale reader overlaps the transaction whose read it missed', () => {
    expect(checkListAppend(ok, { consistencyModels: ['strong-snapshot-isolation'] })).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it('is found even when the search runs out of budget next to a write skew in the same component', () => {
    // A write skew (G2-item-realtime, which strong SI allows) sharing a component with the stale read.
    const h = historyBuilder();
    begin(h, 1, [append('x', 1)]);
    begin(h, 2, [read('x', [1]), append('x', 2), read('b', []), append('a', 1)]);
    begin(h, 4, [read('a', []), append('b', 1)]);
    end(h, 2, [read('x', [1]), append('x', 2), read('b', []), append('a', 1)]);
    end(h, 4, [read('a', []), append('b', 1)]);
    txn(h, 3, [read('x', [])]);
    end(h, 1, [append('x', 1)]);
    const generous = checkListAppend(h.history, { consistencyModels: ['strong-snapshot-isolation'] });
    expect(generous.anomalyTypes).toEqual(expect.arrayContaining(['G-single-item-realtime', 'G2-item']));
    for (const budgetPerClass of [0, 1, 10]) {
      const r = checkListAppend(h.history, { consistencyModels: ['strong-snapshot-isolation'], budgetPerClass, maxStarts: 1 });
      expect(r.valid).toBe(false);
      expect(r.not).toContain('strong-snapshot-isolation');
    }
  });
});

describe('model tables', () => {
  const anomalies = [...CYCLE_ANOMALIES, 'G1a', 'G1b', 'internal', 'future-read', 'lost-update', 'incompatible-order', 'duplicate-elements', 'dirty-update', 'garbage-read'];

  it('rule a model out exactly when it prohibits one of the anomalies', () => {
    for (const model of consistencyModels) {
      const prohibited = anomaliesProhibitedBy([model]);
      for (const anomaly of anomalies) {
        const { not, alsoNot } = violatedModels([anomaly]);
        expect([...not, ...alsoNot].includes(canonicalModel(model)), `${model} / ${anomaly}`).toBe(prohibited.has(anomaly));
      }
    }
  });

  it('match the definitions: snapshot isolation forbids nonadjacent rw edges only, its strong form with real time', () => {
    const si = anomaliesProhibitedBy(['snapshot-isolation']);
    expect(['G0', 'G1c', 'G-single-item', 'G-nonadjacent-item'].every((a) => si.has(a))).toBe(true);
    expect(['G2-item', 'G-single-item-process', 'G-single-item-realtime'].some((a) => si.has(a))).toBe(false);
    const strong = anomaliesProhibitedBy(['strong-snapshot-isolation']);
    expect(['G-single-item-realtime', 'G-nonadjacent-item-realtime', 'G-single-item-process', 'G1c-realtime'].every((a) => strong.has(a))).toBe(true);
    expect(strong.has('G2-item-realtime')).toBe(false);
    const session = anomaliesProhibitedBy(['strong-session-snapshot-isolation']);
    expect(session.has('G-nonadjacent-item-process') && !session.has('G-single-item-realtime')).toBe(true);
    const serializable = anomaliesProhibitedBy(['serializable']);
    expect(serializable.has('G2-item') && !serializable.has('G-single-item-realtime')).toBe(true);
    expect(anomaliesProhibitedBy(['strict-serializable']).has('G2-item-realtime')).toBe(true);
    expect(anomaliesProhibitedBy(['read-uncommitted']).has('G1c')).toBe(false);
  });
});
