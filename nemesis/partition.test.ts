// The partition fault draws its shapes among --partition-targets, and says which it drew.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import type { Op } from '../src/op.js';
import type { Grudge } from '../src/runtime/grudge.js';
import { partitionFault, partitionNemesis } from './partition.js';
import type { PartitionTarget } from './partition-targets.js';
import type { NemesisContext } from './nemesis.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const start: Op = { index: 0, time: 0, process: 'nemesis', type: 'invoke', f: 'start-partition', value: null };

function fakeContext(seed: number, primaries?: string[]) {
  const applied: Grudge[] = [];
  const runtime = { partition: async (g: Grudge) => (applied.push(g), {}), heal: async () => (applied.push({}), {}) };
  const db = { name: 'fake', start: async () => undefined, awaitReady: async () => undefined, ...(primaries && { primaries: async () => primaries }) };
  const ctx = { runtime, db, dbCtx: {}, nodes, random: createRandom(seed) } as unknown as NemesisContext;
  return { ctx, applied };
}

async function draw(targets: readonly PartitionTarget[], times: number, primaries?: string[]) {
  const { ctx, applied } = fakeContext(9, primaries);
  const nemesis = partitionNemesis(ctx, targets);
  const values: { target: string; description: string }[] = [];
  for (let i = 0; i < times; i++) values.push((await nemesis.invoke(start)) as { target: string; description: string });
  return { values, applied };
}

describe('partition fault', () => {
  it('draws only the targets it is given, and applies the grudge it reports', async () => {
    const { values, applied } = await draw(['bridge', 'one-way-halves'], 30);
    expect(new Set(values.map((v) => v.target))).toEqual(new Set(['bridge', 'one-way-halves']));
    values.forEach((v, i) => expect((v as unknown as { grudge: Grudge }).grudge).toEqual(applied[i]));
    expect(values.find((v) => v.target === 'bridge')?.description).toMatch(/^n\d n\d drop n\d,n\d; .* \(bridge\)$/);
    expect(values.find((v) => v.target === 'one-way-halves')?.description).toMatch(/ drops? .*\(one-way-halves\)$/);
  });

  it('primaries cuts the primaries off where the db names them, and draws another target where it cannot', async () => {
    const named = await draw(['primaries'], 3, ['n4']);
    expect(named.values.map((v) => v.description)).toEqual(Array(3).fill('n1 n2 n3 n5 | n4 (primaries cut off)'));
    const unnamed = await draw(['primaries', 'halves'], 5);
    expect(new Set(unnamed.values.map((v) => v.target))).toEqual(new Set(['halves']));
    const alone = await draw(['primaries'], 2);
    expect(alone.values.map((v) => v.target)).toEqual(['one', 'one']);
  });

  it('--partition-targets lists Jepsen\'s names and refuses others in one line', () => {
    const { targets } = partitionFault.options;
    expect(targets.parse('bridge,one-way-bridge', 'partition-targets')).toEqual(['bridge', 'one-way-bridge']);
    expect(targets.choices).toEqual(['one', 'minority-third', 'majority', 'halves', 'majorities-ring', 'bridge', 'primaries', 'one-way-one', 'one-way-minority-third', 'one-way-halves', 'one-way-majorities-ring', 'one-way-bridge']);
    expect(() => targets.parse('bridge,split', 'partition-targets')).toThrow(/^--partition-targets "bridge,split" names "split", which is not known; expected one or more of one, minority-third, /);
  });
});
