// Judging runs against their expectation, and combining exit codes in Jepsen's order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeRun, worstExitCode } from './night.js';

describe('judgeRun', () => {
  it.each([
    ['valid', 'valid', 'pass', 0],
    ['invalid', 'valid', 'failure', 1],
    ['invalid', 'invalid', 'pass', 0],
    ['valid', 'invalid', 'failure', 1],
    ['unknown', 'valid', 'error', 2],
    ['unknown', 'invalid', 'error', 2],
    ['crashed', 'invalid', 'error', 255],
    ['skipped', 'valid', 'skipped', 0],
  ] as const)('%s when %s was expected: %s, exit %i', (status, expectation, outcome, exitCode) => {
    expect(judgeRun(status, expectation)).toMatchObject({ outcome, exitCode });
  });

  const line = (name: string, verdict: 'valid' | 'invalid' | 'unknown') => ({ name, verdict, summary: '' });

  it('judges per-checker expectations checker by checker, the others having to be valid', () => {
    const crdt = { counter: 'any', convergence: 'valid' } as const;
    expect(judgeRun('invalid', crdt, [line('counter', 'invalid'), line('convergence', 'valid')])).toEqual({ outcome: 'pass', exitCode: 0 });
    expect(judgeRun('valid', crdt, [line('counter', 'valid'), line('convergence', 'valid')])).toEqual({ outcome: 'pass', exitCode: 0 });
    expect(judgeRun('invalid', crdt, [line('counter', 'valid'), line('convergence', 'invalid')])).toEqual({ outcome: 'failure', exitCode: 1, message: 'convergence was invalid, expected valid' });
    expect(judgeRun('invalid', { counter: 'any' }, [line('counter', 'valid'), line('stats', 'invalid')])).toMatchObject({ outcome: 'failure', message: 'stats was invalid, expected valid' });
    expect(judgeRun('valid', { linearizable: 'invalid' }, [line('stats', 'valid')])).toMatchObject({ outcome: 'failure', message: 'checker linearizable did not run' });
    expect(judgeRun('unknown', { counter: 'any' }, [line('counter', 'unknown')])).toMatchObject({ outcome: 'error', exitCode: 2 });
  });

  it('says why a test expected invalid failed', () => {
    expect(judgeRun('valid', 'invalid').message).toBe('expected the checkers to find an anomaly; they found none');
  });
});

describe('worstExitCode', () => {
  it.each([
    [[], 0],
    [[0, 0], 0],
    [[0, 1, 0], 1],
    [[1, 2], 2],
    [[2, 1, 0], 2],
    [[0, 255, 2, 1], 255],
    [[1, 254], 255],
    [[130, 0], 255],
  ])('%j -> %i', (codes, worst) => {
    expect(worstExitCode(codes)).toBe(worst);
  });

  it('does not depend on order, and is one of the codes or 255', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom<number>(0, 1, 2, 255, 254)), (codes) => {
      const worst = worstExitCode(codes);
      expect(worstExitCode([...codes].reverse())).toBe(worst);
      expect(worst === 0 ? codes.every((c) => c === 0) : codes.includes(worst) || worst === 255).toBe(true);
    }));
  });
});
