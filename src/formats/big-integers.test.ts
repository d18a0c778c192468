// Integers beyond 2^53 in EDN histories stay exact (as "<digits>N" in plain data), so checkers that
// compare values tell 9007199254740993 from 9007199254740992, and checkers that add refuse them.
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../checkers/linearizable/index.js';
import { readJepsenEdn } from './jepsen-edn.js';
import { readJepsenWorkloadEdn } from './jepsen-edn-workloads.js';

const registerHistory = (read: string): string =>
  [
    '{:process 0, :type :invoke, :f :write, :value 9007199254740993}',
    '{:process 0, :type :ok, :f :write, :value 9007199254740993}',
    '{:process 1, :type :invoke, :f :read, :value nil}',
    `{:process 1, :type :ok, :f :read, :value ${read}}`,
  ].join('\n');

describe('big integers in EDN histories', () => {
  it('are compared exactly by the linearizability checker', async () => {
    expect((await checkHistory(readJepsenEdn(registerHistory('9007199254740993')), { model: 'register' })).outcome).toBe('ok');
    // As doubles both would be 9007199254740992, and this read would pass.
    expect((await checkHistory(readJepsenEdn(registerHistory('9007199254740992')), { model: 'register' })).outcome).toBe('illegal');
    expect((await checkHistory(readJepsenEdn(registerHistory('9007199254740993N')), { model: 'register' })).outcome).toBe('ok');
  });

  it('are refused, naming the line, by the workloads that add them', () => {
    expect(() => readJepsenWorkloadEdn('{:process 0, :type :invoke, :f :add, :value 9007199254740993}', 'counter', 'c.edn')).toThrow(
      'c.edn line 1: expected :add of a number, got "9007199254740993N"',
    );
    expect(() => readJepsenWorkloadEdn('{:process 0, :type :ok, :f :read, :value {0 9007199254740993, 1 5}}', 'bank', 'b.edn')).toThrow(
      'b.edn line 1: expected a read of a map {account balance} with balances numbers below 2^53, got {"0":"9007199254740993N","1":5}',
    );
  });
});
