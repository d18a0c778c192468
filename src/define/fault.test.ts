import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtins } from '../builtins.js';
import { resolveTest } from '../resolve.js';
import { resolveSpec } from '../spec.js';
import { extendRegistry } from './registry.js';
import { combineNemeses } from '../nemesis-schedule.js';
import type { Nemesis } from './fault.js';
import { LocalRuntime } from '../runtime/local.js';
import { defineFault, HEAL_RANK } from './fault.js';
import { option } from './options.js';

const noop = (fault: string): Nemesis => ({ fault, invoke: async () => null });

describe('fault definitions', () => {
  it('refuse a wrong definition in one line naming the field and what was expected', () => {
    const good = { name: 'disk', description: 'fills the data disk', healRank: 5, create: () => noop('disk') };
    expect(defineFault(good).name).toBe('disk');
    expect(() => defineFault({ ...good, name: 'Disk Full' })).toThrow('fault Disk Full: name "Disk Full" is not valid; expected lower-case letters, digits and dashes, starting with a letter');
    expect(() => defineFault({ ...good, description: '' })).toThrow('fault disk: description is missing; expected one line for --help');
    expect(() => defineFault({ ...good, healRank: Number.NaN })).toThrow(/^fault disk: healRank NaN is not valid; expected a number \(lower heals first; built-ins: memory 6, disk 8, pause 10, kill 20, corrupt 22, lose-unsynced 24, clock 30, partition 40, packet 50, membership 60\)$/);
    expect(() => defineFault({ ...good, create: undefined } as never)).toThrow('fault disk: create is missing; expected a function (ctx) => nemesis');
    expect(() => defineFault({ ...good, options: { fill: option.integer({ min: 1, max: 100, default: 0, help: 'percent' }) } })).toThrow(/^fault disk: the default of option "fill" on 1 node is refused by its own check/);
  });

  it('heal in rank order whatever order --nemesis gave, equal ranks in the order given', () => {
    const ranked = (names: string[]) => names.map((name) => ({ nemesis: noop(name), healRank: (HEAL_RANK as Record<string, number>)[name] ?? 40 }));
    expect(combineNemeses(ranked(['partition', 'clock', 'kill', 'pause', 'packet']), 1).healOps.map((o) => o.f)).toEqual(['stop-pause', 'stop-kill', 'stop-clock', 'stop-partition', 'stop-packet']);
    expect(combineNemeses(ranked(['mine', 'partition']), 1).healOps.map((o) => o.f)).toEqual(['stop-mine', 'stop-partition']);
    expect(combineNemeses(ranked(['partition', 'mine']), 1).healOps.map((o) => o.f)).toEqual(['stop-partition', 'stop-mine']);
  });

  it('are the built-ins, each saying which runtimes can make it', () => {
    expect([...builtins.faults.keys()]).toEqual(expect.arrayContaining(['clock', 'kill', 'packet', 'partition', 'pause']));
    const fault = (name: string) => builtins.faults.get(name)!;
    const local = new LocalRuntime(['n1'], { fakeClock: false });
    expect(fault('packet').canRunOn(local)).toBe(true); // the link proxies shape the stream
    expect(fault('packet').canRunOn({ ...local, name: 'bare', shapePackets: undefined } as never)).toBe('the bare runtime cannot shape packets (delay, loss, rate); use --runtime docker');
    expect(fault('partition').canRunOn(local)).toBe(true);
  });

  it('get their own options from the spec: flag, default, check, and the value in create()', () => {
    const seen: number[] = [];
    const lag = defineFault({
      name: 'lag', description: 'adds lag', healRank: 45,
      options: { ms: option.integer({ min: 1, max: 1000, default: 100, flag: 'lag-ms', help: 'added delay' }) },
      create: (ctx) => {
        seen.push(ctx.options.ms);
        return noop('lag');
      },
    });
    const registry = extendRegistry(builtins, [lag], []);
    const spec = resolveSpec({ seed: 1, nemesis: 'lag,partition', lagMs: '250' }, registry);
    expect(spec.nemesis.faults).toEqual([{ name: 'lag', ms: 250 }, { name: 'partition', targets: ['one', 'minority-third', 'halves', 'majorities-ring', 'bridge', 'primaries'] }]);
    expect(resolveSpec({ seed: 1, nemesis: 'lag' }, registry).nemesis.faults).toEqual([{ name: 'lag', ms: 100 }]);
    expect(() => resolveSpec({ seed: 1, nemesis: 'lag', lagMs: '0' }, registry)).toThrow('--lag-ms "0" is not valid; expected a whole number from 1 to 1000');
    expect(() => resolveSpec({ seed: 1, nemesis: 'partition', lagMs: '5' }, registry)).toThrow('--lag-ms applies to --nemesis lag only; --db bundled, --workload register and --nemesis partition have no such setting (drop it)');
    resolveTest(spec, mkdtempSync(join(tmpdir(), 'faultline-lag-')), registry);
    expect(seen).toEqual([250]);
  });
});

