import { describe, expect, it } from 'vitest';
import { hasIndependentKeys, readJepsenWorkloadEdn } from './jepsen-edn-workloads.js';

describe('Jepsen EDN workload histories', () => {
  it('reads Elle list-append ops without :f as txn, with keyword micro-ops as strings', () => {
    const history = readJepsenWorkloadEdn(
      `{:index 0 :process 1 :type :invoke :value [[:append 253 1] [:r 253 nil]]}
       {:index 1 :process 1 :type :ok, :value [[ :append 253 1] [:r 253 [1]]]}`,
      'list-append',
      'paper.edn',
    );
    expect(history).toEqual([
      { index: 0, time: 0, process: 1, type: 'invoke', f: 'txn', value: [['append', 253, 1], ['r', 253, null]] },
      { index: 1, time: 1, process: 1, type: 'ok', f: 'txn', value: [['append', 253, 1], ['r', 253, [1]]] },
    ]);
  });

  it('reads bank, set and counter ops in the checkers\' shapes', () => {
    const bank = readJepsenWorkloadEdn('[{:type :ok, :f :read, :process 0, :value {0 100, 1 0}} {:type :invoke, :f :transfer, :process 1, :value {:from 0, :to 1, :amount 5}}]', 'bank');
    expect(bank.map((o) => o.value)).toEqual([{ 0: 100, 1: 0 }, { from: 0, to: 1, amount: 5 }]);
    const set = readJepsenWorkloadEdn('{:type :ok, :f :read, :process 0, :value #{1 2}}', 'set');
    expect(set[0]!.value).toEqual([1, 2]);
    const nemesis = readJepsenWorkloadEdn('{:type :info, :f :start, :process :nemesis, :value nil}', 'counter');
    expect(nemesis[0]!.process).toBe('nemesis');
  });

  it('names the line, the bad value and what was expected', () => {
    expect(() => readJepsenWorkloadEdn('{:type :ok :f :cas :process 0 :value [1 2]}', 'counter', 'c.edn')).toThrow('c.edn line 1: expected :f :add | :read for the counter workload, got :cas');
    expect(() => readJepsenWorkloadEdn('\n{:type :ok :f :read :process 0 :value "x"}', 'set', 's.edn')).toThrow('s.edn line 2: expected a read of a collection of elements, got "x"');
    expect(() => readJepsenWorkloadEdn('{:type :ok :process 0 :value [[:w 1 2]]}', 'list-append')).toThrow(/expected micro-ops \[:append k v\] or \[:r k v\], got \[\["w",1,2\]\]/);
    expect(() => readJepsenWorkloadEdn('', 'queue' as never)).toThrow(/unknown Jepsen workload "queue"; expected one of list-append, rw-register, set, counter, bank/);
  });

  it('reads set and counter ops on independent keys [k x], checking the inner values', () => {
    const counter = readJepsenWorkloadEdn('{:type :invoke, :f :add, :process 0, :value [3 2]}\n{:type :ok, :f :read, :process 1, :value [3 7]}', 'counter');
    expect(counter.map((o) => o.value)).toEqual([[3, 2], [3, 7]]);
    expect(hasIndependentKeys(counter, 'counter')).toBe(true);
    expect(() => readJepsenWorkloadEdn('{:type :invoke, :f :add, :process 0, :value [3 :x]}\n{:type :ok, :f :read, :process 1, :value [3 7]}', 'counter', 'k.edn')).toThrow(
      'k.edn line 1: expected :add of a number, got "x"',
    );
    // A plain set's read of two elements is not key 0 holding 1.
    const set = readJepsenWorkloadEdn('{:type :invoke, :f :add, :process 0, :value [0 1]}\n{:type :ok, :f :read, :process 1, :value [0 1]}', 'set');
    expect(hasIndependentKeys(set, 'set')).toBe(false);
    expect(hasIndependentKeys(readJepsenWorkloadEdn('{:type :ok, :f :read, :process 1, :value [0 [1]]}', 'set'), 'set')).toBe(true);
    expect(hasIndependentKeys(readJepsenWorkloadEdn('{:type :ok, :f :read, :process 1, :value {0 1, 1 2}}', 'bank'), 'bank')).toBe(false);
  });

  it("accepts faultline's bank create op", () => {
    expect(readJepsenWorkloadEdn('{:type :invoke, :f :create, :process 0, :value {0 20, 1 20}}', 'bank')[0]!.f).toBe('create');
  });
});
