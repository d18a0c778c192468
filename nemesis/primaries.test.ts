// Kill, pause and partition can aim at the current primaries when the db reports them.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import type { Op } from '../src/op.js';
import { killNemesis } from './kill.js';
import { pauseNemesis } from './pause.js';
import { partitionNemesis } from './partition.js';
import type { NemesisContext } from './nemesis.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

function fakeContext(seed: number) {
  const done: string[] = [];
  const runtime = {
    kill: async (n: string) => (done.push(`kill ${n}`), 'done'),
    pause: async (n: string) => (done.push(`pause ${n}`), 'done'),
    partition: async (g: Record<string, string[]>) => (done.push(`partition ${JSON.stringify(g.n2)}`), {}),
    isRunning: () => true,
  };
  const db = { name: 'fake', start: async () => undefined, awaitReady: async () => undefined, primaries: async () => ['n2'] };
  const ctx = { runtime, db, dbCtx: {}, nodes, random: createRandom(seed) } as unknown as NemesisContext;
  return { ctx, done };
}

const start = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });

describe('faults aimed at primaries', () => {
  it.each([
    ['kill', killNemesis],
    ['pause', pauseNemesis],
  ] as const)('%s hits the primary on some ops and random nodes on others', async (fault, make) => {
    const { ctx } = fakeContext(3);
    const targets = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const value = (await make(ctx).invoke(start(`start-${fault}`))) as { target: string; nodes: string[] };
      targets.add(value.target);
      if (value.target === 'primaries') expect(value.nodes).toEqual(['n2']);
    }
    expect(targets.has('primaries')).toBe(true);
    expect([...targets].some((t) => ['one', 'minority', 'majority', 'all'].includes(t))).toBe(true);
  });

  it('partition sometimes cuts the primaries off from everyone else', async () => {
    const { ctx } = fakeContext(5);
    const nemesis = partitionNemesis(ctx);
    const descriptions: string[] = [];
    for (let i = 0; i < 30; i++) descriptions.push(((await nemesis.invoke(start('start-partition'))) as { description: string }).description);
    expect(descriptions).toContain('n1 n3 n4 n5 | n2 (primaries cut off)');
  });
});
