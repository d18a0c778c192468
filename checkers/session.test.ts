import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../test-support/history-builder.js';
import { checkSessions } from './session.js';

const write = (h: ReturnType<typeof historyBuilder>, p: number, k: string, v: number, node?: string) => h.run(p, 'write', [k, v], undefined, 'ok', node);
const read = (h: ReturnType<typeof historyBuilder>, p: number, k: string, v: number | null, node?: string) => h.run(p, 'read', [k, null], [k, v], 'ok', node);

describe('session checker', () => {
  it('finds read-your-writes: a process does not see its own write', () => {
    const h = historyBuilder();
    write(h, 0, 'x', 1);
    read(h, 0, 'x', null);
    const r = checkSessions(h.history);
    expect(r.valid).toBe(false);
    expect(r.counts).toMatchObject({ 'read-your-writes': 1, 'monotonic-reads': 0 });
    const v = r.violations['read-your-writes'][0]!;
    expect(v).toMatchObject({ key: 'x', observed: null, expected: { index: 0 }, read: { index: 2 } });
    expect(v.explanation).toBe('process 0 read x = the initial value at op 2, older than 1 (op 0), its own earlier write');
  });

  it('finds monotonic-reads: a process reads an older version after a newer one', () => {
    const h = historyBuilder();
    write(h, 1, 'x', 1);
    write(h, 1, 'x', 2);
    read(h, 0, 'x', 2);
    read(h, 0, 'x', 1);
    const r = checkSessions(h.history);
    expect(r.violations['monotonic-reads'].map((v) => [v.read.index, v.because!.index])).toEqual([[6, 4]]);
    // Process 1 wrote 1 then 2; process 0 saw them in the opposite order.
    expect(r.violations['monotonic-writes']).toHaveLength(1);
    // Only session order: the two writes are still ordered (one process made both).
    expect(checkSessions(h.history, { order: 'session' }).counts['monotonic-reads']).toBe(1);
  });

  it('finds monotonic-writes on one node even across processes', () => {
    const h = historyBuilder();
    write(h, 1, 'x', 1);
    write(h, 1, 'x', 2);
    read(h, 0, 'x', 2, 'n1');
    read(h, 2, 'x', 1, 'n1');
    const r = checkSessions(h.history);
    expect(r.counts['monotonic-writes']).toBe(1);
    expect(r.violations['monotonic-writes'][0]!.explanation).toBe("node n1 saw process 1's write of 2 (op 4) and then its earlier write of 1 (op 6)");
    expect(r.counts['monotonic-reads']).toBe(0);
  });

  it('finds writes-follow-reads: a write is seen without what its writer had read', () => {
    const h = historyBuilder();
    write(h, 0, 'x', 1);
    read(h, 1, 'x', 1);
    write(h, 1, 'y', 1);
    read(h, 2, 'y', 1);
    read(h, 2, 'x', null);
    const r = checkSessions(h.history, { order: 'session' });
    expect(r.counts).toMatchObject({ 'writes-follow-reads': 1, 'read-your-writes': 0, 'monotonic-reads': 0 });
    expect(r.violations['writes-follow-reads'][0]).toMatchObject({ key: 'x', expected: { index: 0 }, because: { index: 6 } });
  });

  it('accepts concurrent writes seen in either order', () => {
    const h = historyBuilder().invoke(1, 'write', ['x', 1]).invoke(2, 'write', ['x', 2]).ok(1).ok(2);
    read(h, 0, 'x', 2);
    read(h, 0, 'x', 1);
    const r = checkSessions(h.history);
    expect(r.valid).toBe(true);
    expect(r.summary).toBe('2 reads uphold read-your-writes, monotonic reads, monotonic writes and writes-follow-reads (realtime order)');
  });

  it('reports reads of values nobody wrote, and names malformed ops', () => {
    const h = historyBuilder();
    read(h, 0, 'x', 9);
    expect(checkSessions(h.history)).toMatchObject({ valid: false, counts: { unwritten: 1 } });
    expect(() => checkSessions(historyBuilder().run(0, 'write', 3).history)).toThrow(/op 0: write of 3; expected \[key, value\]/);
    expect(checkSessions([]).valid).toBe('unknown');
  });

  it('finds no violation in a serial execution against one copy', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.constantFrom('x', 'y'), fc.boolean()), { maxLength: 40 }), (steps) => {
        const h = historyBuilder();
        const state: Record<string, number | null> = { x: null, y: null };
        steps.forEach(([p, k, isWrite], i) => {
          if (isWrite) {
            write(h, p, k, i);
            state[k] = i;
          } else read(h, p, k, state[k]!);
        });
        expect(checkSessions(h.history).valid).not.toBe(false);
      }),
    );
  });
});
