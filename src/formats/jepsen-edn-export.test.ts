import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../op.js';
import { opToEdn, toEdn, writeJepsenEdn } from './jepsen-edn-export.js';
import { readJepsenEdn } from './jepsen-edn.js';
import { readJepsenWorkloadEdn } from './jepsen-edn-workloads.js';

const op = (fields: Partial<Op>): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null, ...fields });

describe('Jepsen EDN export', () => {
  it('writes list-append transactions with keyword micro-ops, as Elle reads them', () => {
    const line = opToEdn(op({ index: 3, time: 1500, process: 2, type: 'ok', f: 'txn', value: [['append', 'x', 1], ['r', 5, [1, 2]]] }));
    expect(line).toBe('{:index 3, :time 1500, :type :ok, :process 2, :f :txn, :value [[:append "x" 1] [:r 5 [1 2]]]}');
  });

  it('writes bank reads with integer accounts and transfers with keyword keys', () => {
    expect(toEdn({ 0: 10, 1: 0 })).toBe('{0 10, 1 0}');
    expect(toEdn({ from: 1, to: 'a b', amount: 2.5 })).toBe('{:from 1, :to "a b", :amount 2.5}');
    expect(opToEdn(op({ process: 'nemesis', type: 'info', f: 'start-partition', value: 'n1 | n2', node: 'n1', error: 'said "no"\n' }))).toBe(
      '{:index 0, :time 0, :type :info, :process :nemesis, :f :start-partition, :value "n1 | n2", :node "n1", :error "said \\"no\\"\\n"}',
    );
  });

  it('writes rw-register micro-ops as keywords and only EDN-readable names as keywords', () => {
    expect(opToEdn(op({ f: 'txn', value: [['w', 'x', 1], ['r', 'x', null]] }))).toMatch(/:value \[\[:w "x" 1\] \[:r "x" nil\]\]\}$/);
    expect(toEdn({ 'a/b': 1, 'a/b/c': 2, 'a/': 3, '-x': 4, 'x-1?': 5 })).toBe('{:a/b 1, "a/b/c" 2, "a/" 3, "-x" 4, :x-1? 5}');
  });

  it('names values it cannot write and times that are not integers', () => {
    expect(() => toEdn(() => 1)).toThrow(/cannot write function .*; expected JSON-like data/);
    expect(() => opToEdn(op({ index: 4, time: 1.5 }))).toThrow(/op 4: time 1.5 is not an integer/);
  });

  it('round-trips any history through the Jepsen EDN reader', () => {
    const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v).replace(/"__proto__":/g, '"proto":')) as unknown);
    const arbitraryOp = fc.record({
      index: fc.nat(),
      time: fc.nat(),
      process: fc.oneof(fc.nat(50), fc.constant('nemesis' as const)),
      type: fc.constantFrom('invoke', 'ok', 'fail', 'info') as fc.Arbitrary<Op['type']>,
      f: fc.constantFrom('read', 'write', 'add', 'transfer', 'txn', 'start-partition', 'odd f'),
      value: fc.oneof(json, fc.constant([['append', 1, 2], ['r', 'k', null]])),
      node: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
      error: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryOp, { maxLength: 8 }), (ops) => {
        const history = ops.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as Op);
        expect(readJepsenEdn(writeJepsenEdn(history))).toEqual(history.map((o) => ({ ...o, value: JSON.parse(JSON.stringify(o.value ?? null)) })));
      }),
    );
  });

  it('round-trips a list-append history through the workload reader', () => {
    const history: Op[] = [
      op({ index: 0, f: 'txn', value: [['append', 1, 1], ['r', 2, null]] }),
      op({ index: 1, type: 'ok', f: 'txn', value: [['append', 1, 1], ['r', 2, []]] }),
    ];
    expect(readJepsenWorkloadEdn(writeJepsenEdn(history), 'list-append')).toEqual(history);
  });
});
