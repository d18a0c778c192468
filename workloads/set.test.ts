import { describe, expect, it } from 'vitest';
import { composeCheckers } from '../src/checker.js';
import type { Db, DbContext, SetDb } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import { setCheckers, setWorkload } from './set.js';

const fakeDb: SetDb = {
  name: 'fake',
  start: async () => {},
  awaitReady: async () => {},
  openSet: async () => ({ add: async () => {}, read: async () => [], close: async () => {} }),
};
const options = { nodes: ['n1', 'n2', 'n3'], concurrency: 6, rate: 1000, opsPerKey: 20, quiesceS: 1 };

/** Runs the workload's main and final phases against a perfect in-memory set (optionally losing an element). */
async function run(lose?: { key: number; element: number }): Promise<Op[]> {
  const workload = setWorkload(fakeDb, {} as DbContext, options);
  const sets = new Map<number, Set<number>>();
  const complete = (invoke: Op) => {
    const [key, x] = invoke.value as [number, number | null];
    const set = sets.get(key) ?? sets.set(key, new Set()).get(key)!;
    if (invoke.f === 'add' && !(lose?.key === key && lose.element === x)) set.add(x!);
    return { type: 'ok' as const, value: invoke.f === 'read' ? [key, [...set]] : invoke.value };
  };
  const main = await simulate(clients(timeLimit(1e9, workload.generator)), { concurrency: 6, complete });
  const final = await simulate(clients(workload.finalGenerator!(main)), { concurrency: 6, complete });
  const base = main.length;
  const end = main.at(-1)!.time;
  return [...main, ...final.map((o) => ({ ...o, index: o.index + base, time: o.time + end, process: (o.process as number) + 100, node: 'n1' }))];
}

describe('the set workload', () => {
  it('adds elements unique within each key and reads them, [key, value] throughout', async () => {
    const history = await run();
    const adds = history.filter((o) => o.type === 'invoke' && o.f === 'add').map((o) => JSON.stringify(o.value));
    expect(adds.length).toBeGreaterThan(50);
    expect(new Set(adds).size).toBe(adds.length);
    expect(history.every((o) => Array.isArray(o.value) && o.value.length === 2)).toBe(true);
  });

  it('passes a perfect set and catches an acknowledged element that was never stored', async () => {
    const ok = await composeCheckers(setCheckers())(await run(), {});
    expect(ok.valid).toBe(true);
    const lost = await composeCheckers(setCheckers())(await run({ key: 0, element: 3 }), {});
    expect(lost.valid).toBe(false);
    expect((lost.results as Record<string, { summary: string }>).set!.summary).toContain('key 0');
  });

  it('refuses a db without sets, naming it', () => {
    expect(() => setWorkload({ name: 'plain' } as Db, {} as DbContext, options)).toThrow('db "plain" cannot run the set workload');
  });
});
