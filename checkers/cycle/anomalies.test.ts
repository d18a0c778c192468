// One small hand-made history per anomaly the cycle checker finds, plus valid ones.
import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test-support/history-builder.js';
import { checkListAppend, type CycleAnomaly } from './index.js';
import { append, begin, end, read, txn } from '../../test-support/list-append-builder.js';

const cycleOf = (r: ReturnType<typeof checkListAppend>, type: string): CycleAnomaly => r.anomalies[type]![0] as CycleAnomaly;

describe('cycle checker: one history per anomaly', () => {
  it('G0: two transactions append to x and y in opposite orders', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1), append('y', 1)]);
    txn(h, 1, [append('x', 2), append('y', 2)]);
    txn(h, 2, [read('x', [1, 2]), read('y', [2, 1])]);
    const r = checkListAppend(h.history);
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toContain('G0');
    expect(r.not).toEqual(['read-uncommitted']);
    const g0 = cycleOf(r, 'G0');
    expect(g0.steps.map((s) => s.type)).toEqual(['ww', 'ww']);
    expect(g0.cycle.map((op) => op.index)).toEqual([0, 2]);
    expect(g0.explanation).toBe(
      [
        'G0 (dirty write: a cycle of write-write dependencies):',
        'T1 is op 0 (process 0): append x 1, append y 1.',
        'T2 is op 2 (process 1): append x 2, append y 2.',
        "T1 < T2 because T2 appended 2 to key x after T1's append of 1.",
        "T2 < T1 because T1 appended 1 to key y after T2's append of 2.",
        'So T1 < T2 < T1: a cycle, and no order of these transactions explains what they observed.',
      ].join('\n'),
    );
  });

  it('G1a: a read of a failed append', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)], 'fail');
    txn(h, 1, [read('x', [1])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toContain('G1a');
    expect(r.not).toEqual(['read-committed']);
    expect((r.anomalies.G1a![0] as { explanation: string }).explanation).toBe('op 2 read 1 in key x, appended by op 0, which failed (aborted read)');
  });

  it('G1b: a read of another transaction\'s intermediate state', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1), append('x', 2)]);
    txn(h, 1, [read('x', [1])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toContain('G1b');
    expect(r.not).toContain('read-committed');
  });

  it('G1c: circular information flow', () => {
    const h = historyBuilder();
    begin(h, 0, [append('x', 1), read('y', [1])]);
    txn(h, 1, [append('x', 2), append('y', 1)]);
    end(h, 0, [append('x', 1), read('y', [1])]);
    txn(h, 2, [read('x', [1, 2])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G1c']);
    expect(r.not).toEqual(['read-committed']);
    expect(cycleOf(r, 'G1c').explanation).toMatch(/T\d < T\d because T\d read T\d's append of 1 to key y \(it read \[1\]\)\./);
  });

  it('G-single-item: read skew, one anti-dependency', () => {
    const h = historyBuilder();
    begin(h, 1, [append('x', 2), read('y', [])]);
    txn(h, 0, [append('x', 1), append('y', 1)]);
    end(h, 1, [append('x', 2), read('y', [])]);
    txn(h, 2, [read('x', [1, 2])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G-single-item']);
    expect(r.not).toEqual(['consistent-view', 'repeatable-read']);
    expect(cycleOf(r, 'G-single-item').steps.map((s) => s.type).sort()).toEqual(['rw', 'ww']);
    expect(cycleOf(r, 'G-single-item').explanation).toMatch(/because T\d read key y empty and did not see T\d's append of 1, which came after every value read|which no read saw/);
  });

  it('G2-item: write skew, two concurrent transactions each miss the other\'s append', () => {
    const h = historyBuilder();
    begin(h, 0, [append('x', 1), read('y', [])]);
    begin(h, 1, [append('y', 1), read('x', [])]);
    end(h, 0, [append('x', 1), read('y', [])]);
    end(h, 1, [append('y', 1), read('x', [])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G2-item']);
    expect(r.not).toEqual(['repeatable-read']);
    expect(checkListAppend(h.history, { consistencyModels: ['snapshot-isolation'] })).toMatchObject({ valid: true, anomalyTypes: ['G2-item'] });
    expect(checkListAppend(h.history, { consistencyModels: ['serializable'] }).valid).toBe(false);
  });

  it('G-single-item-process: a process does not see its own earlier append', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 0, [read('x', [])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G-single-item-process']);
    expect(r.not).toEqual(['strong-session-snapshot-isolation']);
    expect(cycleOf(r, 'G-single-item-process').explanation).toMatch(/process 0 ran T\d before T\d/);
    expect(checkListAppend(h.history, { consistencyModels: ['serializable'] }).valid).toBe(true);
  });

  it('G-single-item-realtime: a read misses an append that completed before it began', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [1])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G-single-item-realtime']);
    expect(r.not).toEqual(['strong-snapshot-isolation']);
    expect(cycleOf(r, 'G-single-item-realtime').explanation).toMatch(/T\d completed \(op 3, at 0\.004 s\) before T\d began \(op 4, at 0\.005 s\)/);
  });

  it('G0-realtime: a read sees appends in an order that contradicts real time', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [2, 1])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G0-realtime']);
    expect(r.not).toEqual(['strong-read-uncommitted']);
  });

  it('internal: a read disagrees with the transaction\'s own append', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 2), read('x', [1])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toContain('internal');
    expect(r.anomalies.internal![0]).toMatchObject({ expected: ['...', 2], explanation: 'op 2 read key x as [1], but its own earlier reads and appends imply [\u2026 2]' });
    expect(r.not).toEqual(['read-atomic']);
  });

  it('future-read: a read sees a value its own transaction appends later', () => {
    const h = historyBuilder();
    txn(h, 0, [read('x', [1]), append('x', 1)]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['future-read', 'empty-transaction-graph']);
    expect(r.valid).toBe(false);
    expect(r.not).toEqual(['read-committed']);
  });

  it('incompatible-order: two reads no single order of appends explains', () => {
    const h = historyBuilder();
    begin(h, 0, [append('x', 1)]);
    begin(h, 1, [append('x', 2)]);
    end(h, 0, [append('x', 1)]);
    end(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [1, 2])]);
    txn(h, 3, [read('x', [2, 1, 3])]);
    const r = checkListAppend(h.history, { consistencyModels: ['serializable'] });
    expect(r.anomalyTypes).toContain('incompatible-order');
    expect(r.anomalies['incompatible-order']![0]!.explanation).toBe('key x was read as [1 2] (op 4) and as [2 1 3]: neither is a prefix of the other, so no single order of appends explains both');
    expect(r.not).toContain('read-committed');
  });

  it('lost-update: two transactions read the same version and both append', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 0)]);
    begin(h, 1, [read('x', [0]), append('x', 1)]);
    begin(h, 2, [read('x', [0]), append('x', 2)]);
    end(h, 1, [read('x', [0]), append('x', 1)]);
    end(h, 2, [read('x', [0]), append('x', 2)]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G2-item', 'lost-update']);
    expect(r.not).toEqual(['cursor-stability', 'update-atomic']);
    expect(r.anomalies['lost-update']![0]!.explanation).toMatch(/^op 2 and op 3 both read key x as \[0\] and then appended to it/);
  });

  it('duplicate-elements, garbage-read and dirty-update', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)], 'fail');
    txn(h, 1, [append('x', 2)]);
    txn(h, 2, [read('x', [1, 2])]);
    txn(h, 3, [read('y', [5, 5])]);
    const r = checkListAppend(h.history);
    expect(r.anomalyTypes).toEqual(['G1a', 'garbage-read', 'dirty-update', 'duplicate-elements']);
    // G1a rules out read committed, duplicates the weaker read uncommitted.
    expect(r.not).toEqual(['read-uncommitted']);
    expect(r.alsoNot).toContain('read-committed');
  });

  it('is valid for a strictly serial history, and unknown with a single transaction', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [read('x', [1]), append('x', 2), read('x', [1, 2])]);
    txn(h, 2, [read('x', [1, 2]), read('y', [])]);
    const r = checkListAppend(h.history);
    expect(r).toMatchObject({ valid: true, anomalyTypes: [], not: [] });
    expect(r.summary).toBe('3 transactions (3 ok or info): no anomaly; consistent with strict-serializable');
    const single = historyBuilder();
    txn(single, 0, [read('x', [])]);
    expect(checkListAppend(single.history)).toMatchObject({ valid: 'unknown', anomalyTypes: ['empty-transaction-graph'] });
  });

  it('lets an info transaction take effect or not', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)], 'info');
    txn(h, 1, [append('x', 2)], 'info');
    txn(h, 2, [read('x', [2])]);
    expect(checkListAppend(h.history).valid).toBe(true);
  });

  it('is unknown when a value is appended twice to a key', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1)]);
    txn(h, 1, [append('x', 1)]);
    const r = checkListAppend(h.history);
    expect(r).toMatchObject({ valid: 'unknown', anomalyTypes: ['duplicate-appends'] });
  });

  it('names malformed transactions and unknown models', () => {
    expect(() => checkListAppend(historyBuilder().run(0, 'txn', [['w', 'x', 1]]).history)).toThrow(/op 1: micro-op \["w","x",1\]; expected \["append", k, v\] or \["r", k, v\]/);
    expect(() => checkListAppend([], { consistencyModels: ['linearizable-ish'] })).toThrow(/unknown consistency model "linearizable-ish"; expected one of .*read-committed/);
  });
});
