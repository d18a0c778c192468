// Shrinking known-invalid histories, per workload: each shrinks to a small witness that the same
// checker still finds invalid with the same anomaly class, keeping the ops its reads read from;
// a valid history is never shrunk. Histories come from the corpus and from the builders.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBank } from '../../checkers/bank.js';
import { checkCounter } from '../../checkers/counter.js';
import { checkListAppend } from '../../checkers/cycle/index.js';
import { checkHistory, linearizable } from '../../checkers/linearizable/index.js';
import { perKey } from '../../checkers/per-key.js';
import { session } from '../../checkers/session.js';
import { checkSet } from '../../checkers/set.js';
import { historyBuilder } from '../../test-support/history-builder.js';
import { append, begin, end, read, txn } from '../../test-support/list-append-builder.js';
import { manifestRows, readCorpusHistory } from '../../test-support/elle-corpus.js';
import type { CheckResult } from '../checker.js';
import { readJsonlFile } from '../formats/jsonl.js';
import { readJepsenEdn } from '../formats/jepsen-edn.js';
import { pairOps, type History, type Op } from '../op.js';
import { anomalyClassesOf } from './anomaly-class.js';
import { shrinkHistory } from './shrink-history.js';
import { shrinkInvalidRun } from './shrink-run.js';

type Check = (history: History) => CheckResult | Promise<CheckResult>;

/** Shrinks `history` with checker `name` (as the table names it), keeping its first anomaly class. */
async function shrink(history: History, name: string, check: Check, budgetMs = 20_000) {
  const anomaly = anomalyClassesOf(name, await check(history))[0];
  expect(anomaly, 'the history is invalid to begin with').toBeDefined();
  const holds = async (h: History) => anomalyClassesOf(name, await check(h)).includes(anomaly!);
  const shrunk = await shrinkHistory(history, holds, { budgetMs, maxCalls: 5000 });
  expect(await holds(shrunk.witness), 'the witness keeps the anomaly').toBe(true);
  // A sub-history: ops of the history in its order (transactions cut to the witness's keys), each invocation with its completion.
  const byIndex = new Map(history.map((op, i) => [op.index, { op, i }]));
  const positions = shrunk.witness.map((op) => byIndex.get(op.index)?.i ?? -1);
  expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
  for (const op of shrunk.witness) {
    const from = byIndex.get(op.index)!.op;
    const value = op.value;
    if (op.f === 'txn' && Array.isArray(value)) expect((from.value as unknown[]).filter((m) => value.some((n: unknown) => JSON.stringify(n) === JSON.stringify(m)))).toHaveLength(value.length);
    else expect(op).toEqual(from);
  }
  const clientOps = (x: History) => x.filter((op) => op.process !== 'nemesis');
  const completionOf = new Map(pairOps(clientOps(history)).map((p) => [p.invoke.index, p.complete?.index]));
  for (const pair of pairOps(clientOps(shrunk.witness))) expect(pair.complete?.index).toBe(completionOf.get(pair.invoke.index));
  return { ...shrunk, anomaly: anomaly! };
}

/** Noise: sequential, linearizable ops by processes 10.. on keys 100.. . */
function registerNoise(h: ReturnType<typeof historyBuilder>, keys: number): void {
  for (let k = 100; k < 100 + keys; k++) {
    for (let i = 0; i < 5; i++) {
      h.run(10 + (k % 4), 'write', [k, i]);
      h.run(14 + (k % 3), 'read', [k, null], [k, i]);
    }
  }
}

const casRegister = linearizable({ model: 'cas-register', timeoutMs: 10_000 });

describe('shrinking invalid histories to a witness', () => {
  it('register: a stale read among 20 keys of noise shrinks to the read, the write it read and the write it missed', async () => {
    const h = historyBuilder();
    registerNoise(h, 10);
    h.run(0, 'write', [3, 1]).run(1, 'write', [3, 2]);
    registerNoise(h, 10);
    h.run(2, 'read', [3, null], [3, 1]);
    const { witness, after, before, minimal, anomaly } = await shrink(h.history, 'linearizable', (x) => casRegister(x, {}));
    expect(anomaly).toBe('nonlinearizable on key 3');
    expect(minimal).toBe(true);
    expect(before.keys).toBe(11);
    expect(after).toEqual({ ops: 3, processes: 3, keys: 1 });
    expect(witness.filter((o) => o.type === 'ok').map((o) => [o.f, o.value])).toEqual([['write', [3, 1]], ['write', [3, 2]], ['read', [3, 1]]]);
  });

  it.each(['bad-analysis.edn', 'cas-failure.edn', 'rethink-fail-smaller.edn'])('register: Knossos corpus cas-register/bad/%s shrinks and stays nonlinearizable', async (file) => {
    const history = readJepsenEdn(readFileSync(join(import.meta.dirname, '../../test-data/corpus/knossos/data/cas-register/bad', file), 'utf8'), file);
    const check: Check = (x) => checkHistory(x, { model: 'cas-register;init=0;nil-read=any', keyed: false, timeoutMs: 10_000 });
    const { after, before, anomaly, witness } = await shrink(history, 'linearizable', check);
    expect(anomaly).toBe('nonlinearizable');
    expect(after.ops).toBeLessThan(before.ops / 5);
    // A single register (values not [k, v]): a value read that some op wrote before the read
    // completed is written in the witness too (bad-analysis.edn reads a 3 nothing ever wrote).
    const writes = (ops: History, before: number) => new Set(ops.filter((o) => o.type === 'invoke' && o.index < before).flatMap((o) => (o.f === 'write' ? [o.value] : o.f === 'cas' ? [(o.value as unknown[])[1]] : [])));
    for (const read of witness.filter((o) => o.type === 'ok' && o.f === 'read' && o.value !== null)) {
      if (writes(history, read.index).has(read.value)) expect(writes(witness, read.index), `op ${read.index} read ${String(read.value)}`).toContain(read.value);
    }
  });

  it('set: a lost element among other keys shrinks to its add, the read that missed it, and what that read saw', async () => {
    const h = historyBuilder();
    for (let k = 0; k < 6; k++) {
      h.run(k, 'add', [k, 0]).run(k, 'add', [k, 1]);
      h.run(6 + k, 'read', [k, null], [k, k === 4 ? [1] : [0, 1]]);
    }
    const set = perKey((x) => checkSet(x));
    const { witness, after, anomaly } = await shrink(h.history, 'set', (x) => set(x, {}));
    expect(anomaly).toBe('lost');
    expect(after).toEqual({ ops: 3, processes: 2, keys: 1 });
    expect(witness.filter((o) => o.type === 'ok').map((o) => o.value)).toEqual([[4, 0], [4, 1], [4, [1]]]);
  });

  it('set: the set-full corpus history (Jepsen) shrinks and still loses an element', async () => {
    const history = readCorpusHistory('histories/jepsen/set_full.edn', 'set');
    const { after, before } = await shrink(history, 'set', (x) => checkSet(x));
    expect(after.ops).toBeLessThan(before.ops / 4);
  });

  it.each([
    ['histories/jepsen/bank-tidb.edn', 'wrong-total'],
    ['histories/jepsen/bank-negative-balances.json', 'negative-value'],
  ])('bank: %s shrinks to a few ops that still show %s', async (file, expected) => {
    const row = manifestRows().find((r) => r.file === file)!;
    const history = readCorpusHistory(file, 'bank');
    const { after, anomaly, before } = await shrink(history, 'bank', (x) => checkBank(x, { negativeAllowed: row.options['negative-allowed'] === 'true' }));
    expect(anomaly).toBe(expected);
    expect(after.ops).toBeLessThanOrEqual(3);
    expect(before.ops).toBeGreaterThan(after.ops);
  });

  it('list-append: G1c among unrelated transactions shrinks to the cycle and the reads that show it', async () => {
    const h = historyBuilder();
    for (let i = 0; i < 10; i++) txn(h, 3 + (i % 3), [append(`z${i}`, 1), read(`z${i}`, [1])]);
    begin(h, 0, [append('x', 1), read('y', [1])]);
    txn(h, 1, [append('x', 2), append('y', 1)]);
    end(h, 0, [append('x', 1), read('y', [1])]);
    for (let i = 10; i < 20; i++) txn(h, 3 + (i % 3), [append(`z${i}`, 1), read(`z${i}`, [1])]);
    txn(h, 2, [read('x', [1, 2])]);
    const { after, anomaly } = await shrink(h.history, 'cycle', (x) => checkListAppend(x));
    expect(anomaly).toBe('G1c');
    expect(after).toEqual({ ops: 3, processes: 3, keys: 2 });
  });

  it.each(manifestRows().filter((r) => r.model === 'list-append' && r.expectedValid === false && r.file.endsWith('.json') && !r.file.includes('future-read')))(
    'list-append: corpus $file shrinks and keeps its first anomaly',
    async (row) => {
      const history = readCorpusHistory(row.file, 'list-append');
      const models = row.options['consistency-models']?.split(',');
      const { after, before } = await shrink(history, 'cycle', (x) => ({ ...checkListAppend(x, models ? { consistencyModels: models } : {}) }));
      expect(after.ops).toBeLessThanOrEqual(before.ops);
    },
  );

  it('counter: a read above every attempted add shrinks to the read and the adds before it', async () => {
    const h = historyBuilder();
    for (let k = 0; k < 5; k++) h.run(k, 'add', [k, 1]).run(k, 'add', [k, 2]).run(5 + k, 'read', [k, null], [k, k === 2 ? 9 : 3]);
    const counter = perKey((x) => checkCounter(x));
    const { after, anomaly } = await shrink(h.history, 'counter', (x) => counter(x, {}));
    expect(anomaly).toBe('read-above-bounds');
    expect(after).toEqual({ ops: 3, processes: 2, keys: 1 });
  });

  it('session: read-your-writes broken among other processes shrinks to the two writes and the read', async () => {
    const h = historyBuilder();
    for (let p = 1; p < 6; p++) h.run(p, 'write', [p, 1]).run(p, 'read', [p, null], [p, 1]);
    h.run(0, 'write', [9, 1]).run(0, 'write', [9, 2]).run(0, 'read', [9, null], [9, 1]);
    const { after, anomaly, witness } = await shrink(h.history, 'session', (x) => session()(x, {}));
    expect(anomaly).toBe('read-your-writes');
    expect(after).toEqual({ ops: 3, processes: 1, keys: 1 });
    expect(witness.every((o: Op) => o.process === 0)).toBe(true);
  });

  it('keeps a fault only when the anomaly needs it', async () => {
    const h = historyBuilder();
    h.nemesis('start-partition', 'halves').run(0, 'write', [3, 1]).run(1, 'write', [3, 2]).run(2, 'read', [3, null], [3, 1]).nemesis('stop-partition');
    const { witness } = await shrink(h.history, 'linearizable', (x) => casRegister(x, {}));
    expect(witness.some((o) => o.process === 'nemesis')).toBe(false);
  });

  it('stops at the budget with a witness that still holds and says it may not be minimal', async () => {
    const h = historyBuilder();
    registerNoise(h, 30);
    h.run(0, 'write', [3, 1]).run(1, 'write', [3, 2]).run(2, 'read', [3, null], [3, 1]);
    const check = (x: History) => casRegister(x, {});
    const holds = async (x: History) => anomalyClassesOf('linearizable', await check(x)).length > 0;
    const shrunk = await shrinkHistory(h.history, holds, { budgetMs: 60_000, maxCalls: 4 });
    expect(shrunk.minimal).toBe(false);
    expect(shrunk.checkerCalls).toBe(4);
    expect(await holds(shrunk.witness)).toBe(true);
  });

  it('says where it is on a long shrink', async () => {
    const h = historyBuilder();
    registerNoise(h, 8);
    h.run(0, 'write', [3, 1]).run(1, 'write', [3, 2]).run(2, 'read', [3, null], [3, 1]);
    const lines: string[] = [];
    const holds = async (x: History) => anomalyClassesOf('linearizable', await casRegister(x, {})).length > 0;
    await shrinkHistory(h.history, holds, { budgetMs: 60_000, maxCalls: 1000, progress: (line) => lines.push(line), progressEveryMs: 0 });
    expect(lines[0]).toMatch(/^shrinking: keys, \d+ left, \d+ checker calls, \d+\.\d s$/);
  });
});

describe('shrinkInvalidRun', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('writes witness.jsonl that the same checker finds invalid the same way, and the entry for results.json', async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-shrink-'));
    const h = historyBuilder();
    registerNoise(h, 5);
    h.run(0, 'write', [3, 1]).run(1, 'write', [3, 2]).run(2, 'read', [3, null], [3, 1]);
    const results = { valid: false as const, results: { linearizable: await casRegister(h.history, {}), stats: { valid: true as const } } };
    const entry = await shrinkInvalidRun(h.history, results, { linearizable: casRegister }, {}, dir, { budgetS: 10, maxCalls: 1000 });
    expect(entry).toMatchObject({ file: 'witness.jsonl', checker: 'linearizable', anomaly: 'nonlinearizable on key 3', after: { ops: 3 }, minimal: true });
    const witness = readJsonlFile(join(dir, 'witness.jsonl'));
    expect(anomalyClassesOf('linearizable', await casRegister(witness, {}))).toEqual(['nonlinearizable on key 3']);
  });

  it('never shrinks a valid history: no checker call, no file, and an old witness.jsonl goes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-shrink-'));
    const h = historyBuilder();
    registerNoise(h, 5);
    const first = await shrinkInvalidRun(h.history, { valid: false, results: { linearizable: { valid: false, failures: [{ key: 1 }] } } }, { linearizable: () => ({ valid: false, failures: [{ key: 1 }] }) }, {}, dir, { budgetS: 1, maxCalls: 10 });
    expect(existsSync(join(dir, 'witness.jsonl'))).toBe(first !== undefined);
    let calls = 0;
    const counting = (x: History) => {
      calls++;
      return casRegister(x, {});
    };
    const results = { valid: true as const, results: { linearizable: await casRegister(h.history, {}) } };
    expect(await shrinkInvalidRun(h.history, results, { linearizable: counting }, {}, dir, { budgetS: 10, maxCalls: 1000 })).toBeUndefined();
    expect(calls).toBe(0);
    expect(existsSync(join(dir, 'witness.jsonl'))).toBe(false);
  });

  it('does not shrink when only stats say invalid (no anomaly in the data)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-shrink-'));
    const results = { valid: false as const, results: { linearizable: { valid: true as const }, stats: { valid: false as const, summary: 'cas never ok' } } };
    expect(await shrinkInvalidRun([], results, {}, {}, dir, { budgetS: 10, maxCalls: 1000 })).toBeUndefined();
  });
});
