// One small hand-made rw-register history per anomaly the checker finds, plus valid ones.
import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test-support/history-builder.js';
import { begin, end, r, txn, w } from '../../test-support/rw-register-builder.js';
import type { CycleAnomaly, TxnAnomaly } from './index.js';
import { checkRwRegister } from './rw-register.js';

const first = (result: ReturnType<typeof checkRwRegister>, type: string): CycleAnomaly & TxnAnomaly => result.anomalies[type]![0] as CycleAnomaly & TxnAnomaly;

describe('rw-register checker: one history per anomaly', () => {
  it('a serial history of writes and reads is valid, with every model left standing', () => {
    const h = historyBuilder();
    txn(h, 0, [r('x', null), w('x', 1)]);
    txn(h, 1, [r('x', 1), w('x', 2), w('y', 1)]);
    txn(h, 0, [r('x', 2), r('y', 1)]);
    const result = checkRwRegister(h.history, { wfrKeys: true, sequentialKeys: true, linearizableKeys: true });
    expect(result.valid).toBe(true);
    expect(result.anomalyTypes).toEqual([]);
    expect(result.not).toEqual([]);
    expect(result.strongestNotRuledOut).toEqual(['strict-serializable']);
  });

  it('G0: two transactions write x and y, one process sees them in opposite orders (sequential keys)', () => {
    const h = historyBuilder();
    begin(h, 0, [w('x', 1), w('y', 1)]);
    begin(h, 1, [w('x', 2), w('y', 2)]);
    end(h, 0, [w('x', 1), w('y', 1)]);
    end(h, 1, [w('x', 2), w('y', 2)]);
    txn(h, 2, [r('x', 1), r('y', 2)]);
    txn(h, 2, [r('x', 2), r('y', 1)]);
    const result = checkRwRegister(h.history, { sequentialKeys: true });
    expect(result.anomalyTypes[0]).toBe('G0');
    expect(result.not).toEqual(['read-uncommitted']);
    const g0 = first(result, 'G0');
    expect(g0.steps.map((s) => s.type)).toEqual(['ww', 'ww']);
    expect(g0.steps[0]!.explanation).toMatch(/^T1 wrote key [xy] = [12] and T2 wrote [12], which came later in the version order \(process 2 saw key [xy] at [12] in op 4 and then at [12] in op 6, and keys are sequential \(sequential-keys\)\)$/);
    // Without the claim nothing orders the writes.
    expect(checkRwRegister(h.history).anomalyTypes).not.toContain('G0');
  });

  it('G1a: a read of a failed write', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)], 'fail');
    txn(h, 1, [r('x', 1)]);
    txn(h, 1, [r('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.valid).toBe(false);
    expect(result.anomalyTypes).toEqual(['G1a']);
    expect(result.not).toEqual(['read-committed']);
    expect(first(result, 'G1a').explanation).toBe('op 2 read key x = 1, written by op 0, which failed (aborted read)');
  });

  it('G1b: a read of a value its writer overwrote in the same transaction', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1), w('x', 2)]);
    txn(h, 1, [r('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toEqual(['G1b']);
    expect(result.not).toEqual(['read-committed']);
    expect(first(result, 'G1b').explanation).toMatch(/op 2 read key x = 1, an intermediate state of op 0/);
  });

  it('G1c: two transactions each read the other\u2019s write', () => {
    const h = historyBuilder();
    begin(h, 0, [w('x', 1), r('y', 1)]);
    begin(h, 1, [w('y', 1), r('x', 1)]);
    end(h, 0, [w('x', 1), r('y', 1)]);
    end(h, 1, [w('y', 1), r('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toEqual(['G1c']);
    expect(result.not).toEqual(['read-committed']);
    const g1c = first(result, 'G1c');
    expect(g1c.steps.map((s) => s.type)).toEqual(['wr', 'wr']);
    expect(g1c.explanation).toContain("T2 read key x = 1, which T1 wrote");
  });

  it('G-single-item: a read that sees y\u2019s new value but x\u2019s initial one', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 1, [r('x', 1), w('y', 1)]);
    txn(h, 2, [r('y', 1), r('x', null)]);
    const result = checkRwRegister(h.history, { consistencyModels: ['serializable'] });
    expect(result.anomalyTypes).toEqual(['G-single-item']);
    expect(result.not).toEqual(['consistent-view', 'repeatable-read']);
    const cycle = first(result, 'G-single-item');
    expect(cycle.steps.map((s) => s.type)).toEqual(['rw', 'wr', 'wr']);
    expect(cycle.explanation).toBe(
      [
        'G-single-item (read skew: a cycle with exactly one read-write anti-dependency):',
        'T1 is op 4 (process 2): r y 1, r x nil.',
        'T2 is op 0 (process 0): w x 1.',
        'T3 is op 2 (process 1): r x 1, w y 1.',
        'T1 < T2 because T1 read key x = nil and T2 wrote 1, which came later in the version order (every value of a key follows its initial nil).',
        'T2 < T3 because T3 read key x = 1, which T2 wrote.',
        'T3 < T1 because T1 read key y = 1, which T3 wrote.',
        'So T1 < T2 < T3 < T1: a cycle, and no order of these transactions explains what they observed.',
      ].join('\n'),
    );
  });

  it('G2-item: write skew over x and y', () => {
    const h = historyBuilder();
    begin(h, 0, [r('x', null), w('y', 1)]);
    begin(h, 1, [r('y', null), w('x', 1)]);
    end(h, 0, [r('x', null), w('y', 1)]);
    end(h, 1, [r('y', null), w('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toEqual(['G2-item']);
    expect(result.not).toEqual(['repeatable-read']);
    // Snapshot isolation allows write skew: it and strong snapshot isolation (the maximal one) stand.
    expect(result.strongestNotRuledOut).toEqual(['strong-snapshot-isolation', 'update-serializable']);
    expect([...result.not, ...result.alsoNot]).not.toContain('snapshot-isolation');
    expect(checkRwRegister(h.history, { consistencyModels: ['snapshot-isolation'] }).valid).toBe(true);
  });

  it('G-nonadjacent-item: two rw edges, not adjacent', () => {
    // T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1: T1 reads x=nil (T2 writes x), T3 reads x (T2's) and
    // y=nil (T4 writes y), T1 reads T4's z.
    const h = historyBuilder();
    begin(h, 0, [r('x', null), r('z', 1)]);
    begin(h, 1, [w('x', 1)]);
    begin(h, 2, [r('x', 1), r('y', null)]);
    begin(h, 3, [w('y', 1), w('z', 1)]);
    end(h, 1, [w('x', 1)]);
    end(h, 3, [w('y', 1), w('z', 1)]);
    end(h, 0, [r('x', null), r('z', 1)]);
    end(h, 2, [r('x', 1), r('y', null)]);
    const result = checkRwRegister(h.history, { consistencyModels: ['serializable'] });
    expect(result.anomalyTypes).toEqual(['G-nonadjacent-item']);
    expect(result.not).toEqual(['repeatable-read', 'snapshot-isolation']);
  });

  it('G-single-item-realtime: a stale read after the write completed', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 1, [r('x', null)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toEqual(['G-single-item-realtime']);
    expect(result.not).toEqual(['strong-snapshot-isolation']);
    expect(checkRwRegister(h.history, { consistencyModels: ['serializable'] }).valid).toBe(true);
  });

  it('G1c-process under sequential keys: a process reads a value, then writes it', () => {
    const h = historyBuilder();
    txn(h, 0, [r('x', 1)]);
    txn(h, 0, [w('x', 1)]);
    const result = checkRwRegister(h.history, { sequentialKeys: true, consistencyModels: ['strong-session-serializable'] });
    expect(result.anomalyTypes).toEqual(['G1c-process']);
    expect(result.not).toEqual(['strong-session-read-committed']);
  });

  it('internal: a read that disagrees with the transaction\u2019s own write', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1), r('x', 2)]);
    txn(h, 1, [w('x', 2)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toContain('internal');
    expect(result.not).toEqual(['read-atomic']);
    expect(first(result, 'internal').explanation).toBe('op 0 read key x = 2, but its own earlier read or write of the key left it 1');
  });

  it('future-read: a transaction reads the value it writes later', () => {
    const h = historyBuilder();
    txn(h, 0, [r('x', 1), w('x', 1)]);
    txn(h, 1, [r('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toContain('future-read');
    expect(result.valid).toBe(false);
  });

  it('lost-update: two transactions read x = 0 and both write x', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 0)]);
    begin(h, 1, [r('x', 0), w('x', 1)]);
    begin(h, 2, [r('x', 0), w('x', 2)]);
    end(h, 1, [r('x', 0), w('x', 1)]);
    end(h, 2, [r('x', 0), w('x', 2)]);
    const result = checkRwRegister(h.history);
    expect(result.anomalyTypes).toEqual(['lost-update']);
    expect(result.not).toEqual(['cursor-stability', 'update-atomic']);
    expect(first(result, 'lost-update').ops!.map((o) => o.index)).toEqual([2, 3]);
  });

  it('cyclic-versions under linearizable keys, and the source left out of the inference', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 1, [w('x', 2)]);
    txn(h, 2, [r('x', 1)]);
    const result = checkRwRegister(h.history, { linearizableKeys: true });
    expect(result.anomalyTypes).toEqual(['cyclic-versions']);
    expect(result.not).toEqual(['read-uncommitted']);
    const c = first(result, 'cyclic-versions');
    expect(c.values).toEqual([1, 2]);
    expect(c.sources).toEqual(['initial-state', 'linearizable-keys']);
    expect(c.explanation).toContain('2 < 1 because op 2 left key x at 2 and completed before op 4, which saw 1, began');
    // Without the claim, no version order is known but nil's: valid.
    expect(checkRwRegister(h.history).valid).toBe(true);
  });

  it('ww and rw edges from sequential keys make a G-single-item-process', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 0, [w('x', 2)]);
    txn(h, 1, [r('x', 2)]);
    txn(h, 1, [r('x', 1)]);
    const result = checkRwRegister(h.history, { sequentialKeys: true, consistencyModels: ['strong-session-serializable'] });
    expect(result.anomalyTypes).toContain('cyclic-versions');
  });

  it('garbage-read: reported; rules nothing out unless keys start empty', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 1, [r('x', 7)]);
    const unknown = checkRwRegister(h.history);
    expect(unknown.valid).toBe(true);
    expect(unknown.anomalyTypes).toEqual(['garbage-read']);
    expect(unknown.not).toEqual([]);
    const empty = checkRwRegister(h.history, { initialState: 'empty' });
    expect(empty.valid).toBe(false);
    expect(empty.not).toEqual(['read-committed']);
  });

  it('duplicate-writes: unknown, since a read cannot name its writer', () => {
    const h = historyBuilder();
    txn(h, 0, [w('x', 1)]);
    txn(h, 1, [w('x', 1)]);
    txn(h, 2, [r('x', 1)]);
    const result = checkRwRegister(h.history);
    expect(result.valid).toBe('unknown');
    expect(result.anomalyTypes).toEqual(['duplicate-writes']);
  });

  it('refuses a list-append micro-op, naming it', () => {
    const h = historyBuilder();
    h.run(0, 'txn', [['append', 'x', 1]], [['append', 'x', 1]]);
    expect(() => checkRwRegister(h.history)).toThrow(/micro-op \["append","x",1\]; expected \["w", k, v\] or \["r", k, v\]/);
  });
});
