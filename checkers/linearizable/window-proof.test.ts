import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyOperations } from './history-operations.js';
import { UNKNOWN, type Operation } from './model.js';
import { casRegisterModel, shadowedReads, type RegisterInput, type RegisterOutput } from './models/register.js';
import { checkHistory } from './index.js';
import { windowIsIllegal } from './window-proof.js';
import { isLinearizableReference } from '../../test-support/reference-search.js';
import { hardShapeHistory, simulateRegisterHistory } from '../../test-support/simulate-register-history.js';

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

describe('shadowedReads (where the window proofs look when the search is slow)', () => {
  it('names a read of a value that a later write of another value always comes after, and no other', () => {
    const ops = [
      op(0, 1, { f: 'write', value: 1 }, null, 0),
      op(2, 3, { f: 'write', value: 2 }, null, 1),
      op(4, 5, { f: 'read' }, 1, 2), // 1 was overwritten by 2 before the read began
      op(4, 6, { f: 'read' }, 2, 3),
      op(7, 8, { f: 'read' }, null, 4), // the initial value, overwritten too
    ];
    expect(shadowedReads(ops)).toEqual([2, 4]);
    // The write of 2 overlapping the write of 1: 1 may have come last.
    expect(shadowedReads([op(0, 3, { f: 'write', value: 1 }, null, 0), op(2, 4, { f: 'write', value: 2 }, null, 1), op(5, 6, { f: 'read' }, 1, 2)])).toEqual([]);
    // A crashed write or cas of 1, called before the read returned, may take effect just before it.
    expect(shadowedReads([op(0, 1, { f: 'write', value: 2 }, null, 0), op(0, Infinity, { f: 'cas', from: 2, to: 1 }, UNKNOWN, 1), op(5, 6, { f: 'read' }, 1, 2)])).toEqual([]);
  });

  it('never names a read of a linearizable history, and names reads only of histories that are not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.boolean(), (seed, corrupt) => {
        const history = simulateRegisterHistory({ seed, ops: 14, processes: 3, crashRate: 0.1, valueRange: 3 });
        const reads = history.filter((o) => o.type === 'ok' && o.f === 'read');
        if (corrupt && reads.length > 0) {
          const victim = reads[seed % reads.length]!;
          victim.value = [(victim.value as unknown[])[0], (((victim.value as unknown[])[1] as number | null) ?? 0) + 1];
        }
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        if (shadowedReads(ops).length > 0) expect(isLinearizableReference(model, ops)).toBe(false);
        if (!corrupt) expect(shadowedReads(ops)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('lets the checker decide a 20,000-op history whose search is lost far from the corrupted read (issue 18, shape B seed 8)', async () => {
    const { history, corrupted } = hardShapeHistory('B', 8);
    const result = await checkHistory(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 });
    expect(result.outcome).toBe('illegal');
    // The corrupted read's invocation is the op named (the history's index of its completion is corrupted.index).
    const invoke = history.findLast((o) => o.type === 'invoke' && o.index < corrupted.index && o.process === history.find((c) => c.index === corrupted.index)!.process)!;
    expect(result.failures[0]!.stuck[0]!.op.index).toBe(invoke.index);
  }, 120_000);
});

