import { describe, expect, it } from 'vitest';
import { composeCheckers } from '../src/checker.js';
import type { CounterDb, DbContext } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import { counterCheckers, counterWorkload } from './counter.js';

const fakeDb: CounterDb = {
  name: 'fake',
  start: async () => {},
  awaitReady: async () => {},
  openCounter: async () => ({ add: async () => {}, read: async () => 0, close: async () => {} }),
};

describe('the counter workload', () => {
  it('adds positive amounts on independent keys; a perfect counter passes, one that drops an add does not', async () => {
    for (const dropEvery of [0, 7]) {
      const workload = counterWorkload(fakeDb, {} as DbContext, { nodes: ['n1', 'n2'], concurrency: 4, rate: 1000, opsPerKey: 30, quiesceS: 1 });
      const counters = new Map<number, number>();
      let adds = 0;
      const complete = (invoke: Op) => {
        const [key, amount] = invoke.value as [number, number | null];
        if (invoke.f === 'add' && (dropEvery === 0 || ++adds % dropEvery !== 0)) counters.set(key, (counters.get(key) ?? 0) + amount!);
        return { type: 'ok' as const, value: invoke.f === 'read' ? [key, counters.get(key) ?? 0] : invoke.value };
      };
      const main = await simulate(clients(timeLimit(1e9, workload.generator)), { concurrency: 4, complete });
      const final = await simulate(clients(workload.finalGenerator!(main)), { concurrency: 4, complete });
      const history = [...main, ...final.map((o) => ({ ...o, index: o.index + main.length, time: o.time + main.at(-1)!.time, process: (o.process as number) + 100, node: 'n1' }))];
      const amounts = history.filter((o) => o.type === 'invoke' && o.f === 'add').map((o) => (o.value as [number, number])[1]);
      expect(amounts.every((n) => n >= 1 && n <= 5)).toBe(true);
      const result = await composeCheckers(counterCheckers())(history, {});
      expect(result.valid).toBe(dropEvery === 0);
    }
  });
});
