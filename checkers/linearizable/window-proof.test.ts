import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyOperations } from './history-operations.js';
import { UNKNOWN, type Operation } from './model.js';
import { casRegisterModel, type RegisterInput, type RegisterOutput } from './models/register.js';
import { windowIsIllegal } from './window-proof.js';
import { isLinearizableReference } from '../../test-support/reference-search.js';
import { simulateRegisterHistory } from '../../test-support/simulate-register-history.js';

const model = casRegisterModel();
const op = (call: number, ret: number, input: RegisterInput, output: RegisterOutput | typeof UNKNOWN, id: number): Operation<RegisterInput, RegisterOutput> => ({ input, output, call, return: ret, id });

describe('windowIsIllegal', () => {
  it('proves a read of an overwritten value illegal from a window of two ops', () => {
    const ops = [
      op(0, 1, { f: 'write', value: 1 }, null, 0),
      op(2, 3, { f: 'write', value: 2 }, null, 1),
      op(4, 5, { f: 'read' }, 1, 2),
    ];
    expect(windowIsIllegal(model, ops, 2, 2, Infinity, 1 << 26)).toBe(true);
  });

  it('leaves a read that a crashed write can explain', () => {
    const ops = [
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 0),
      op(2, 3, { f: 'write', value: 2 }, null, 1),
      op(4, 5, { f: 'read' }, 1, 2),
    ];
    expect(windowIsIllegal(model, ops, 2, 2, Infinity, 1 << 26)).toBe(false);
  });

  it('never calls a linearizable history illegal, whatever op and width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(2, 4, 16), (seed, processes, width) => {
        const history = simulateRegisterHistory({ seed, ops: 40, processes, crashRate: 0.1, valueRange: 3 });
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        for (let i = 0; i < ops.length; i++) expect(windowIsIllegal(model, ops, i, width, Infinity, 1 << 26)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with the reference search whenever it says illegal (random histories)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const history = simulateRegisterHistory({ seed, ops: 14, processes: 3, crashRate: 0.1, valueRange: 3 });
        // Corrupt a read to a value in range: sometimes still linearizable, sometimes not.
        const reads = history.filter((o) => o.type === 'ok' && o.f === 'read');
        if (reads.length === 0) return;
        const victim = reads[seed % reads.length]!;
        victim.value = [(victim.value as unknown[])[0], (((victim.value as unknown[])[1] as number | null) ?? 0) + 1];
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        for (let i = 0; i < ops.length; i++) {
          if (windowIsIllegal(model, ops, i, 4, Infinity, 1 << 26)) expect(isLinearizableReference(model, ops)).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});
