import { describe, expect, it } from 'vitest';
import { builtins } from '../builtins.js';
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
    expect(() => defineFault({ ...good, healRank: Number.NaN })).toThrow(/^fault disk: healRank NaN is not valid; expected a number \(lower heals first; built-ins: pause 10, kill 20, clock 30, partition 40, packet 50\)$/);
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
    expect(fault('packet').canRunOn(local)).toBe('the local runtime cannot shape packets (delay, loss, rate); use --runtime docker');
    expect(fault('partition').canRunOn(local)).toBe(true);
  });
});
