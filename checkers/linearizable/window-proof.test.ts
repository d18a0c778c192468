import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyOperations } from './history-operations.js';
import { UNKNOWN, type Operation } from './model.js';
import { casRegisterModel, crashedWritersNeeded, shadowedReads, type RegisterInput, type RegisterOutput } from './models/register.js';
import { checkHistory } from './index.js';
import { windowProof } from './window-proof.js';
import { replay } from '../../tools/replay-linearization.mjs';
import { isLinearizableReference } from '../../test-support/reference-search.js';
import { hardShapeHistory, simulateRegisterHistory } from '../../test-support/simulate-register-history.js';

const model = casRegisterModel();
type Ops = readonly Operation<RegisterInput, RegisterOutput>[];
/** True when the window of about `width` ops ending at op `stuck` proves the history illegal. */
const windowIsIllegal = (ops: Ops, stuck: number, width: number, taken?: ReadonlyMap<number, number>) => windowProof(model, ops, stuck, width, Infinity, 1 << 26, taken)?.illegal === true;
const op = (call: number, ret: number, input: RegisterInput, output: RegisterOutput | typeof UNKNOWN, id: number): Operation<RegisterInput, RegisterOutput> => ({ input, output, call, return: ret, id });

describe('windowProof', () => {
  it('proves a read of an overwritten value illegal from a window of two ops', () => {
    const ops = [
      op(0, 1, { f: 'write', value: 1 }, null, 0),
      op(2, 3, { f: 'write', value: 2 }, null, 1),
      op(4, 5, { f: 'read' }, 1, 2),
    ];
    expect(windowIsIllegal(ops, 2, 2)).toBe(true);
  });

  it('leaves a read that a crashed write can explain', () => {
    const ops = [
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 0),
      op(2, 3, { f: 'write', value: 2 }, null, 1),
      op(4, 5, { f: 'read' }, 1, 2),
    ];
    expect(windowIsIllegal(ops, 2, 2)).toBe(false);
  });

  it('never calls a linearizable history illegal, whatever op and width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(2, 4, 16), (seed, processes, width) => {
        const history = simulateRegisterHistory({ seed, ops: 40, processes, crashRate: 0.1, valueRange: 3 });
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        for (let i = 0; i < ops.length; i++) expect(windowIsIllegal(ops, i, width)).toBe(false);
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
          if (windowIsIllegal(ops, i, 4)) expect(isLinearizableReference(model, ops)).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('crashedWritersNeeded (crashed ops that took effect before a window)', () => {
  it("names a crashed write that is a read's only possible writer, and what it forces next", () => {
    const ops = [
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 0),
      op(1, 2, { f: 'read' }, 1, 1), // only the crashed write of 1 can explain it: by 2
      op(3, 4, { f: 'write', value: 2 }, null, 2),
      op(0, Infinity, { f: 'write', value: 2 }, UNKNOWN, 3), // a second writer of 2, crashed
      op(5, Infinity, { f: 'write', value: 3 }, UNKNOWN, 4),
      op(6, 7, { f: 'write', value: 3 }, null, 5),
      op(8, 9, { f: 'read' }, 3, 6), // two possible writers of 3: nothing forced
    ];
    expect([...crashedWritersNeeded(ops, null)]).toEqual([[0, 2]]);
    // Two crashed writers of 1: neither is forced. Then one is forced early and shadowed later: the other is forced by the later read.
    const twins = [
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 0),
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 1),
      op(1, 2, { f: 'read' }, 1, 2),
    ];
    expect([...crashedWritersNeeded(twins, null)]).toEqual([]);
    const later = [
      op(0, Infinity, { f: 'write', value: 1 }, UNKNOWN, 0),
      op(1, 2, { f: 'read' }, 1, 1), // forces op 0 by 2
      op(3, 4, { f: 'write', value: 2 }, null, 2), // shadows op 0 for what follows
      op(5, Infinity, { f: 'write', value: 1 }, UNKNOWN, 3),
      op(6, 7, { f: 'read' }, 1, 4), // op 0 took effect before 2, so only op 3 can explain it
    ];
    expect(new Map(crashedWritersNeeded(later, null))).toEqual(new Map([[0, 2], [3, 7]]));
  });

  it('only names what every linearization does: moved after its time, the crashed op leaves no linearization (random histories)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
        const history = simulateRegisterHistory({ seed, ops: 14, processes: 3, crashRate: 0.25, valueRange: 3 });
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        if (!isLinearizableReference(model, ops)) return;
        for (const [c, by] of crashedWritersNeeded(ops, null)) {
          const late = ops.map((o, i) => (i === c ? { ...o, call: by + 0.5 } : o));
          expect(isLinearizableReference(model, late)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('windows that leave those ops out still never call a linearizable history illegal, and agree with the reference when they do', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.boolean(), (seed, corrupt) => {
        const history = simulateRegisterHistory({ seed, ops: 16, processes: 3, crashRate: 0.25, valueRange: 3 });
        const reads = history.filter((o) => o.type === 'ok' && o.f === 'read');
        if (corrupt && reads.length > 0) {
          const victim = reads[seed % reads.length]!;
          victim.value = [(victim.value as unknown[])[0], (((victim.value as unknown[])[1] as number | null) ?? 0) + 1];
        }
        const ops = historyOperations(history, model, true).groups[0]!.operations as Operation<RegisterInput, RegisterOutput>[];
        const taken = crashedWritersNeeded(ops, null);
        for (let i = 0; i < ops.length; i++) {
          if (windowIsIllegal(ops, i, 4, taken)) {
            expect(corrupt).toBe(true);
            expect(isLinearizableReference(model, ops)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a legal window names the crashed ops that made its op legal, in order', () => {
    const ops = [
      op(0, Infinity, { f: 'write', value: 4 }, UNKNOWN, 0),
      op(0, Infinity, { f: 'cas', from: 4, to: 5 }, UNKNOWN, 1),
      op(1, 2, { f: 'write', value: 1 }, null, 2),
      op(3, 4, { f: 'read' }, 5, 3),
    ];
    expect(windowProof(model, ops, 3, 8, Infinity, 1 << 26)).toEqual({ illegal: false, chain: [0, 1] });
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

  it('finds the linearization of a 20,000-op history whose search spent early the crashed ops its corrupted read needs (shape B seed 1), and it replays', async () => {
    const { history } = hardShapeHistory('B', 1);
    const result = await checkHistory(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0, linearization: true });
    expect(result.outcome).toBe('ok');
    const orders = result.keys.flatMap((k) => k.linearization ?? []);
    const witness = { format: 'faultline-linearization', model: 'cas-register', keyed: result.keyed, history: history.map((op) => ({ type: op.type, process: op.process, f: op.f, value: op.value })), orders };
    const replayed = replay(witness);
    expect(replayed.problems).toEqual([]);
    expect(replayed.placed).toBeGreaterThan(10_000);
  }, 180_000);
});

