import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEdn } from './formats/edn.js';
import { writeJepsenEdn } from './formats/jepsen-edn-export.js';
import { ednOpForms } from './formats/jepsen-edn.js';
import { inferJepsenWorkload, JEPSEN_REGISTER_MODEL, resultsHints, type Inference } from './infer-jepsen-workload.js';
import type { Op } from './op.js';

const ops = (edn: string) => ednOpForms(readEdn(edn)).map((f) => f.value);
const results = (edn: string) => readEdn(edn)[0]!.value;
const told = (i: Inference): string => (i.kind === 'workload' ? i.workload : i.kind === 'model' ? `model ${i.model}` : `unknown: ${i.reason}`);

const nemesis = '{:process :nemesis, :type :info, :f :start-partition, :value :majority}';
const histories: [string, string, string][] = [
  [
    'list-append without :f, as Elle writes it',
    '[{:process 0, :type :invoke, :value [[:append 1 2] [:r 1 nil]]}\n{:process 0, :type :ok, :value [[:append 1 2] [:r 1 [2]]]}]',
    'list-append',
  ],
  ['list-append with :f :txn', `{:process 0, :type :invoke, :f :txn, :value [[:r 1 nil]]}\n${nemesis}\n{:process 0, :type :ok, :f :txn, :value [[:r 1 [1 2]]]}`, 'list-append'],
  ['bank', '{:process 0, :type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}}\n{:process 1, :type :ok, :f :read, :value {0 10, 1 90}}', 'bank'],
  ['set (reads of collections)', '{:process 0, :type :invoke, :f :add, :value 3}\n{:process 1, :type :ok, :f :read, :value #{1 3}}', 'set-full'],
  ['set on independent keys', '{:process 0, :type :invoke, :f :add, :value [7 3]}\n{:process 0, :type :ok, :f :add, :value [7 3]}\n{:process 1, :type :invoke, :f :read, :value [7 nil]}\n{:process 1, :type :ok, :f :read, :value [7 [3]]}', 'set-full'],
  ['counter', '{:process 0, :type :invoke, :f :add, :value 1}\n{:process 1, :type :ok, :f :read, :value 4}', 'counter'],
  ['counter with only adds that repeat', '{:process 0, :type :invoke, :f :add, :value 1}\n{:process 0, :type :ok, :f :add, :value 1}\n{:process 0, :type :invoke, :f :add, :value 1}', 'counter'],
  ['register', '{:process 0, :type :invoke, :f :write, :value 3}\n{:process 1, :type :invoke, :f :cas, :value [3 4]}\n{:process 2, :type :ok, :f :read, :value nil}', `model ${JEPSEN_REGISTER_MODEL}`],
  ['register on independent keys', '{:process 0, :type :invoke, :f :write, :value [0 3]}\n{:process 1, :type :invoke, :f :read, :value [0 nil]}', `model ${JEPSEN_REGISTER_MODEL}`],
  ['rw-register', '{:process 0, :type :invoke, :f :txn, :value [[:w 1 2] [:r 2 nil]]}\n{:process 0, :type :ok, :f :txn, :value [[:w 1 2] [:r 2 3]]}', 'rw-register'],
  ['mutex', '{:process 0, :type :invoke, :f :acquire, :value nil}\n{:process 0, :type :ok, :f :release, :value nil}', 'model mutex'],
];

describe('inferJepsenWorkload', () => {
  it.each(histories)('%s', (_, edn, expected) => {
    expect(told(inferJepsenWorkload(ops(edn)))).toBe(expected);
  });

  it('cannot tell mixed micro-ops, long-fork, unknown fs, adds without reads, or an empty history, and says why', () => {
    expect(told(inferJepsenWorkload(ops('{:process 0, :type :invoke, :f :txn, :value [[:w 1 2] [:append 1 3]]}')))).toMatch(/unknown: .*or \[:w k v\] and \[:r k v\]/);
    expect(told(inferJepsenWorkload(ops('{:process 0, :type :invoke, :f :enqueue, :value 1}')))).toBe('unknown: its ops :enqueue match no workload faultline checks');
    expect(told(inferJepsenWorkload(ops('{:process 0, :type :invoke, :f :add, :value 1}\n{:process 0, :type :invoke, :f :add, :value 2}')))).toMatch(/could be a set or a counter/);
    expect(told(inferJepsenWorkload(ops(nemesis)))).toBe('unknown: history.edn has no client ops');
    expect(told(inferJepsenWorkload(ops('{:process 0, :type :ok, :f :read, :value [[:r 0 1] [:r 1 nil]]}')))).toMatch(/^unknown: its reads return transactions .*long-fork/);
  });

  it('takes set or set-full from results.edn, and says it did', () => {
    const setOps = ops('{:process 0, :type :invoke, :f :add, :value 3}\n{:process 1, :type :ok, :f :read, :value [3]}');
    const plain = inferJepsenWorkload(setOps, results('{:valid? true, :workload {:valid? true, :attempt-count 1, :acknowledged-count 1, :lost-count 0}}'));
    expect(told(plain)).toBe('set');
    expect(plain.evidence).toEqual(['the ops (:add :read, reads of collections, adds of numbers)', 'results.edn (:acknowledged-count)']);
    expect(told(inferJepsenWorkload(setOps, results('{:valid? false, :set {:valid? false, :stable-count 0, :lost-count 1}}')))).toBe('set-full');
  });

  it('lets results.edn name the family when the ops say too little', () => {
    const adds = ops('{:process 0, :type :invoke, :f :add, :value 1}\n{:process 0, :type :invoke, :f :add, :value 2}');
    expect(told(inferJepsenWorkload(adds, results('{:counter {:valid? true}}')))).toBe('counter');
    const reads = ops('{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}');
    expect(told(inferJepsenWorkload(reads))).toMatch(/^unknown: it has only reads/);
    expect(told(inferJepsenWorkload(reads, results('{:workload {:results {0 {:linear {:valid? true, :analyzer :wgl}}}}}')))).toBe(`model ${JEPSEN_REGISTER_MODEL}`);
  });

  it('finds checker keys in nested results, and names what it found when it still cannot tell', () => {
    const hints = resultsHints(results('{:valid? false, :workload {:valid? false, :anomaly-types [:G1c], :also-not #{:read-committed}}, :perf {:valid? true}}'));
    expect([...hints]).toEqual([['elle', ':anomaly-types']]);
    const mixed = inferJepsenWorkload(ops('{:process 0, :type :invoke, :f :txn, :value [[:w 1 2] [:append 1 3]]}'), results('{:workload {:anomaly-types [:G1c]}}'));
    expect(told(mixed)).toMatch(/results.edn has :anomaly-types \(elle\)$/);
    const rw = inferJepsenWorkload(ops('{:process 0, :type :invoke, :f :txn, :value [[:w 1 2]]}'), results('{:workload {:anomaly-types [:G1c]}}'));
    expect(rw).toEqual({ kind: 'workload', workload: 'rw-register', evidence: ['the ops (transactions of :w)', 'results.edn (:anomaly-types)'] });
  });

  it('tells the workload of any history faultline would write, exported to EDN', () => {
    const key = fc.nat(3);
    const element = fc.nat(20);
    const arbitraryOps: Record<string, fc.Arbitrary<Pick<Op, 'f' | 'type' | 'value'>[]>> = {
      'list-append': fc.array(
        fc.record({
          f: fc.constant('txn'),
          type: fc.constantFrom('invoke', 'ok', 'info') as fc.Arbitrary<Op['type']>,
          value: fc.array(fc.oneof(fc.tuple(fc.constant('append'), key, element), fc.tuple(fc.constant('r'), key, fc.array(element))), { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1 },
      ).filter((h) => h.some((o) => o.value.some((m: unknown[]) => m[0] === 'append'))),
      bank: fc.array(
        fc.oneof(
          fc.record({ f: fc.constant('transfer'), type: fc.constant('invoke' as const), value: fc.record({ from: key, to: key, amount: fc.nat(5) }) }),
          fc.record({ f: fc.constant('read'), type: fc.constant('ok' as const), value: fc.dictionary(key.map(String), fc.nat(50)) }),
        ),
        { minLength: 1 },
      ).filter((h) => h.some((o) => o.f === 'transfer')),
      'set-full': fc.array(
        fc.oneof(
          fc.record({ f: fc.constant('add'), type: fc.constant('invoke' as const), value: fc.tuple(key, element) }),
          fc.record({ f: fc.constant('read'), type: fc.constant('ok' as const), value: fc.tuple(key, fc.array(element)) }),
        ),
        { minLength: 1 },
      ).filter((h) => h.some((o) => o.f === 'read')),
      counter: fc.array(
        fc.oneof(
          fc.record({ f: fc.constant('add'), type: fc.constant('invoke' as const), value: fc.tuple(key, fc.integer({ min: 1, max: 5 })) }),
          fc.record({ f: fc.constant('read'), type: fc.constant('ok' as const), value: fc.tuple(key, fc.nat(100)) }),
        ),
        { minLength: 1 },
      ).filter((h) => h.some((o) => o.f === 'read') && h.some((o) => o.f === 'add')),
    };
    for (const [workload, arbitrary] of Object.entries(arbitraryOps)) {
      fc.assert(
        fc.property(arbitrary, (drafts) => {
          const history: Op[] = drafts.map((d, i) => ({ ...d, index: i, time: i, process: i }));
          expect(told(inferJepsenWorkload(ops(writeJepsenEdn(history))))).toBe(workload);
        }),
        { numRuns: 50 },
      );
    }
  });
});
