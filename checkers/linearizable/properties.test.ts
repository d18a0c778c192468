// Property tests: the fast search agrees with the plain reference search on random small
// histories of every model; sequential runs are linearizable; a read of a value never written is
// not; the order of independent keys' lines does not matter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/op.js';
import { checkOperations } from './check-operations.js';
import { checkHistory } from './index.js';
import { UNKNOWN, type AnyModel, type Operation } from './model.js';
import { models, resolveModel, type ModelName } from './models/registry.js';
import { isLinearizableReference } from '../../test-support/reference-search.js';
import { corruptRead, simulateRegisterHistory } from '../../test-support/simulate-register-history.js';

/** Random op shapes per model: f, invocation value, and a plausible result. */
const opShapes: Record<ModelName, fc.Arbitrary<{ f: string; value: unknown; result: unknown }>> = {
  // Writes of 3..5 are never read: exercises the unseen-write pruning.
  register: fc.oneof(
    fc.record({ f: fc.constant('read'), value: fc.constant(null), result: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }) }),
    fc.integer({ min: 0, max: 5 }).map((v) => ({ f: 'write', value: v, result: v })),
  ),
  'cas-register': fc.oneof(
    fc.record({ f: fc.constant('read'), value: fc.constant(null), result: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }) }),
    fc.integer({ min: 0, max: 2 }).map((v) => ({ f: 'write', value: v, result: v })),
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map((p) => ({ f: 'cas', value: p, result: p })),
  ),
  kv: fc.oneof(
    fc.record({ f: fc.constant('get'), value: fc.constant(null), result: fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'x') }),
    fc.constantFrom('a', 'b').map((v) => ({ f: 'append', value: v, result: v })),
    fc.constantFrom('', 'x').map((v) => ({ f: 'put', value: v, result: v })),
  ),
  mutex: fc.constantFrom('acquire', 'release').map((f) => ({ f, value: null, result: null })),
  set: fc.oneof(
    fc.integer({ min: 0, max: 2 }).map((v) => ({ f: 'add', value: v, result: v })),
    fc.subarray([0, 1, 2]).map((r) => ({ f: 'read', value: null, result: r })),
  ),
  'fifo-queue': fc.oneof(
    fc.integer({ min: 0, max: 2 }).map((v) => ({ f: 'enqueue', value: v, result: v })),
    fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }).map((r) => ({ f: 'dequeue', value: null, result: r })),
  ),
};

/** A random concurrent history of `model`'s ops: intervals overlap freely; some ops crash. */
function randomOperations(name: ModelName) {
  const model = resolveModel(name);
  return fc
    .array(
      fc.record({ shape: opShapes[name], start: fc.integer({ min: 0, max: 40 }), length: fc.integer({ min: 0, max: 12 }), crashed: fc.integer({ min: 0, max: 3 }).map((x) => x === 0) }),
      { minLength: 1, maxLength: Number(process.env.FAULTLINE_OPS ?? 9) },
    )
    .map((specs) => {
      const ops: Operation<unknown, unknown>[] = [];
      specs.forEach(({ shape, start, length, crashed }, i) => {
        const read = model.fromOp!({ f: shape.f, value: shape.value, result: shape.result, known: !crashed, key: 'k' });
        if (!read) return;
        // Distinct times: calls and returns never tie.
        ops.push({ input: read.input, output: read.output, call: start * 100 + i, return: crashed ? Infinity : (start + length) * 100 + 50 + i, id: i });
      });
      return { model, ops };
    });
}

describe('the fast search agrees with the reference search', () => {
  it.each(Object.keys(models) as ModelName[])('on random %s histories', (name) => {
    fc.assert(
      fc.property(randomOperations(name), ({ model, ops }) => {
        const fast = checkOperations(model, ops).outcome;
        expect(fast).toBe(isLinearizableReference(model, ops) ? 'ok' : 'illegal');
      }),
      { numRuns: Number(process.env.FAULTLINE_RUNS ?? 400) },
    );
  });
});

/** A sequential run: each op completes before the next starts, results from the model itself. */
function sequentialHistory(model: AnyModel, specs: { f: string; value: unknown }[], read: (state: unknown, f: string) => unknown): Op[] {
  const history: Op[] = [];
  let state = model.init();
  for (const { f, value } of specs) {
    const result = read(state, f);
    const view = model.fromOp!({ f, value, result, known: true });
    const next = view ? model.step(state, view.input, view.output) : state;
    if (typeof next === 'symbol') continue; // a cas that does not apply, a release of a free lock: would not be ok
    state = next;
    history.push({ index: history.length, time: history.length, process: 0, type: 'invoke', f, value });
    history.push({ index: history.length, time: history.length, process: 0, type: 'ok', f, value: result });
  }
  return history;
}

describe('sequential runs are linearizable', () => {
  const cases: { name: ModelName; ops: fc.Arbitrary<{ f: string; value: unknown }[]>; read: (state: unknown, f: string) => unknown }[] = [
    { name: 'register', ops: fc.array(fc.oneof(fc.constant({ f: 'read', value: null }), fc.nat(3).map((v) => ({ f: 'write', value: v })))), read: (s) => s },
    {
      name: 'cas-register',
      ops: fc.array(fc.oneof(fc.constant({ f: 'read', value: null }), fc.nat(3).map((v) => ({ f: 'write', value: v })), fc.tuple(fc.nat(3), fc.nat(3)).map((p) => ({ f: 'cas', value: p })))),
      read: (s) => s,
    },
    { name: 'kv', ops: fc.array(fc.oneof(fc.constant({ f: 'get', value: null }), fc.constantFrom('a', 'b').map((v) => ({ f: 'append', value: v })), fc.constantFrom('x').map((v) => ({ f: 'put', value: v })))), read: (s) => (s as { text: string }).text },
    { name: 'mutex', ops: fc.array(fc.constantFrom({ f: 'acquire', value: null }, { f: 'release', value: null })), read: () => null },
    { name: 'set', ops: fc.array(fc.oneof(fc.constant({ f: 'read', value: null }), fc.nat(3).map((v) => ({ f: 'add', value: v })))), read: (s) => s },
    { name: 'fifo-queue', ops: fc.array(fc.oneof(fc.constant({ f: 'dequeue', value: null }), fc.nat(3).map((v) => ({ f: 'enqueue', value: v })))), read: (s) => (Array.isArray(s) ? (s[0] ?? null) : s) },
  ];
  it.each(cases)('$name', async ({ name, ops, read }) => {
    const model = resolveModel(name);
    await fc.assert(
      fc.asyncProperty(ops, async (specs) => {
        const history = sequentialHistory(model, specs, read);
        const result = await checkHistory(history, { model, keyed: false });
        expect(result.valid).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('generated register histories', () => {
  const params = fc.record({ seed: fc.integer(), ops: fc.integer({ min: 20, max: 300 }), processes: fc.integer({ min: 1, max: 8 }), keys: fc.integer({ min: 1, max: 4 }), crashRate: fc.constantFrom(0, 0.05, 0.2) });

  it('are linearizable as simulated', async () => {
    await fc.assert(
      fc.asyncProperty(params, async (p) => {
        const result = await checkHistory(simulateRegisterHistory(p), { model: 'cas-register', timeoutMs: 20_000 });
        expect(result.outcome).toBe('ok');
      }),
      { numRuns: 60 },
    );
  });

  it('are not linearizable once a read returns a value never written', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.double({ min: 0, max: 1, noNaN: true }), async (p, at) => {
        const history = simulateRegisterHistory(p);
        if (!history.some((op) => op.type === 'ok' && op.f === 'read')) return;
        const bad = corruptRead(history, at);
        const result = await checkHistory(bad.history, { model: 'cas-register', timeoutMs: 20_000 });
        expect(result.outcome).toBe('illegal');
        expect(result.summary).toMatch(/not linearizable: read k\d+ -> 1000003 at op \d+/);
        expect(result.failures[0]!.stuck[0]!.reason).toMatch(/^read k\d+ returned 1000003 but the register held /);
      }),
      { numRuns: 60 },
    );
  });

  it('keep their verdict when lines of independent keys are shuffled', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.boolean(), fc.integer(), async (p, corrupt, shuffleSeed) => {
        // Keys with their own processes, so any interleaving is a well-formed history.
        const perKey = [0, 1, 2].map((k) =>
          simulateRegisterHistory({ ...p, seed: p.seed + k, keys: 1 }).map((op) => ({ ...op, process: (op.process as number) + 1000 * k, value: [k, (op.value as unknown[])[1]] })),
        );
        let history: Op[] = perKey.flat().map((op, index) => ({ ...op, index }));
        if (corrupt && history.some((op) => op.type === 'ok' && op.f === 'read')) history = corruptRead(history, 0.5).history;
        const expected = (await checkHistory(history, { model: 'cas-register' })).outcome;
        const shuffled = interleaveKeys(history, shuffleSeed);
        expect((await checkHistory(shuffled, { model: 'cas-register' })).outcome).toBe(expected);
      }),
      { numRuns: 40 },
    );
  });
});

/** Re-interleaves the per-key subsequences at random, keeping each key's own order. */
function interleaveKeys(history: readonly Op[], seed: number): Op[] {
  const byKey = new Map<unknown, Op[]>();
  for (const op of history) {
    const key = (op.value as [unknown, unknown])[0];
    byKey.set(key, [...(byKey.get(key) ?? []), op]);
  }
  const queues = [...byKey.values()];
  const out: Op[] = [];
  let s = seed >>> 0;
  while (queues.some((q) => q.length > 0)) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const live = queues.filter((q) => q.length > 0);
    out.push(live[s % live.length]!.shift()!);
  }
  return out.map((op, index) => ({ ...op, index }));
}

it('UNKNOWN outputs survive random histories (sanity of the generator)', () => {
  const { ops } = fc.sample(randomOperations('cas-register'), { numRuns: 1, seed: 1 })[0]!;
  expect(ops.every((op) => op.output === UNKNOWN || op.return !== Infinity)).toBe(true);
});
