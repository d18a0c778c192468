import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSchema, flagOf, option, resolveOptions } from './options.js';

const bundled = {
  mode: option.oneOf(['raft', 'primary', 'quorum'], { default: 'raft', flag: 'store-mode', help: 'replication mode' }),
  replicas: option.integer({ min: 1, max: 15, default: (ctx) => Math.min(3, ctx.nodeCount), help: 'replicas of each key (N)' }),
  antiEntropy: option.boolean({ default: true, help: 'replicas repair each other' }),
  gossipRate: option.number({ min: 0.1, max: 100_000, default: 100, help: 'ops per second' }),
};

describe('declared options', () => {
  it('fill defaults (some from the node count) and parse CLI strings and JSON values alike', () => {
    expect(resolveOptions(bundled, {}, { nodeCount: 5 }, 'db bundled')).toEqual({ mode: 'raft', replicas: 3, antiEntropy: true, gossipRate: 100 });
    expect(resolveOptions(bundled, {}, { nodeCount: 1 }, 'db bundled').replicas).toBe(1);
    const fromCli = resolveOptions(bundled, { mode: 'quorum', replicas: '5', antiEntropy: 'off', gossipRate: '2.5' }, { nodeCount: 5 }, 'db bundled');
    const fromJson = resolveOptions(bundled, { mode: 'quorum', replicas: 5, antiEntropy: false, gossipRate: 2.5 }, { nodeCount: 5 }, 'db bundled');
    expect(fromCli).toEqual({ mode: 'quorum', replicas: 5, antiEntropy: false, gossipRate: 2.5 });
    expect(fromJson).toEqual(fromCli);
  });

  it('refuse a bad value in one line naming the flag, the value and what was expected', () => {
    const resolve = (given: Record<string, unknown>) => () => resolveOptions(bundled, given, { nodeCount: 5 }, 'db bundled');
    expect(resolve({ mode: 'paxos' })).toThrow('--store-mode "paxos" is not known; expected one of: raft, primary, quorum');
    expect(resolve({ replicas: '2.5' })).toThrow('--replicas "2.5" is not valid; expected a whole number from 1 to 15');
    expect(resolve({ replicas: '' })).toThrow('--replicas "" is not valid; expected a whole number from 1 to 15');
    expect(resolve({ antiEntropy: 'maybe' })).toThrow('--anti-entropy "maybe" is not valid; expected on or off (true or false)');
    expect(resolve({ gossipRate: { n: 1 } })).toThrow('--gossip-rate "{"n":1}" is not valid; expected a number from 0.1 to 100000');
    expect(resolve({ replica: 3 })).toThrow('db bundled has no option "replica"; expected one of: mode, replicas, antiEntropy, gossipRate');
  });

  it('name a required option that was not given', () => {
    const schema = { bucket: option.string({ help: 'the KV bucket to use' }) };
    expect(() => resolveOptions(schema, {}, { nodeCount: 3 }, 'db nats')).toThrow('db nats needs --bucket: the KV bucket to use');
    expect(resolveOptions(schema, { bucket: 'kv' }, { nodeCount: 3 }, 'db nats')).toEqual({ bucket: 'kv' });
  });

  it('keep user keys as data (a key named __proto__ is refused as unknown, nothing is polluted)', () => {
    const given = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(() => resolveOptions(bundled, given, { nodeCount: 3 }, 'db bundled')).toThrow('db bundled has no option "__proto__"');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('take their flag from the key in kebab case unless they name one', () => {
    expect(flagOf('opsPerKey', bundled.gossipRate)).toBe('ops-per-key');
    expect(flagOf('mode', bundled.mode)).toBe('store-mode');
  });

  it('are checked when their part is defined: a bad default, a clash of flags, a thing that is not an option', () => {
    expect(() => assertSchema(bundled, 'db bundled')).not.toThrow();
    const badDefault = { replicas: option.integer({ min: 1, max: 15, default: (ctx) => ctx.nodeCount + 1, help: 'N' }) };
    expect(() => assertSchema(badDefault, 'db x')).toThrow('db x: the default of option "replicas" on 15 nodes is refused by its own check: --replicas "16" is not valid; expected a whole number from 1 to 15');
    const clash = { readMode: option.oneOf(['a'], { default: 'a', help: 'x' }), other: option.oneOf(['a'], { default: 'a', flag: 'read-mode', help: 'y' }) };
    expect(() => assertSchema(clash, 'db x')).toThrow('db x: options "readMode" and "other" both use --read-mode');
    expect(() => assertSchema({ n: 3 } as never, 'workload y')).toThrow('workload y: option "n" is not an option declaration; expected option.integer(...), option.oneOf(...), ...');
    // faultline test's own flags, and keys that would set the run's own fields, are not a part's.
    const rate = { rate: option.number({ min: 1, max: 10, default: 1, help: 'r' }) };
    expect(() => assertSchema(rate, 'db x')).toThrow(`db x: option "rate" would use --rate, which is faultline test's own; expected another flag (flag: '...')`);
    const timeout = { checkTimeoutS: option.number({ min: 1, max: 10, default: 1, help: 't' }) };
    expect(() => assertSchema(timeout, 'workload w')).toThrow(/^workload w: option "checkTimeoutS" would use --check-timeout-s, which is faultline test's own/);
    expect(() => assertSchema({ checkTimeoutS: option.number({ min: 1, max: 10, default: 1, flag: 'w-timeout', help: 't' }) }, 'workload w')).not.toThrow();
  });

  it('accept exactly the integers in range, from strings and numbers (property)', () => {
    const def = option.integer({ min: -5, max: 50, help: 'n' });
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -100, max: 100 }), fc.double({ min: -100, max: 100, noNaN: true })), (n) => {
      const ok = Number.isInteger(n) && n >= -5 && n <= 50;
      for (const value of [n, String(n)]) {
        if (ok) expect(def.parse(value, 'n') === n, `${value}`).toBe(true); // === : -0 from String(-0) is 0
        else expect(() => def.parse(value, 'n')).toThrow(/^--n ".*" is not valid; expected a whole number from -5 to 50$/);
      }
    }));
  });
});
