import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayCommand, resolveSpec } from './spec.js';

describe('test spec', () => {
  it('fills defaults: 5 nodes, register, partitions, 30 s', () => {
    const spec = resolveSpec({ seed: 7 });
    expect(spec.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(spec).toMatchObject({ workload: 'register', nemesis: ['partition'], timeLimitS: 30, storeMode: 'raft', seed: 7 });
    expect(spec.name).toBe('bundled-raft-register-partition');
  });

  it('parses comma lists and "none"', () => {
    expect(resolveSpec({ nemesis: 'partition,kill' }).nemesis).toEqual(['partition', 'kill']);
    expect(resolveSpec({ nemesis: 'none' }).nemesis).toEqual([]);
  });

  it('refuses an empty fault list or an empty item, pointing at none', () => {
    expect(() => resolveSpec({ nemesis: '' })).toThrow('--nemesis "" is an empty list; expected faults, comma separated (partition, kill, pause, clock, packet), or none for no faults');
    expect(() => resolveSpec({ nemesis: ' , ' })).toThrow(/is an empty list; .*or none for no faults$/);
    for (const value of ['partition,,kill', 'partition,', ',kill', 'partition, ,kill']) {
      expect(() => resolveSpec({ nemesis: value }), value).toThrow(`--nemesis "${value}" has an empty item; expected faults separated by single commas`);
    }
    expect(() => resolveSpec({ nemesis: 'none,kill' })).toThrow('--nemesis "none,kill" lists none with faults; expected none alone, or faults without none');
    expect(resolveSpec({ nemesis: ' partition , kill ' }).nemesis).toEqual(['partition', 'kill']);
    expect(resolveSpec({ nemesis: [] }).nemesis).toEqual([]);
  });

  it('reads Jepsen\'s Nn concurrency as N times the node count, and keeps the number', () => {
    expect(resolveSpec({ nodes: 3, concurrency: '2n' }).concurrency).toBe(6);
    expect(resolveSpec({ concurrency: '1n' }).concurrency).toBe(5);
    expect(resolveSpec({ nodes: 3, concurrency: '3n' }).concurrency).toBe(9);
    expect(replayCommand(resolveSpec({ nodes: 3, concurrency: '2n', seed: 1 }))).toMatch(/ --nodes 3 --concurrency 6 /);
    fc.assert(fc.property(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 66 }), (nodes, times) => {
      expect(resolveSpec({ nodes, concurrency: `${times}n` }).concurrency).toBe(nodes * times);
    }));
    for (const value of ['0n', 'n', '-1n', '2.5n', '2nn', 'n2', '2 n', '0', '-3', '']) {
      expect(() => resolveSpec({ nodes: 3, concurrency: value }), value).toThrow(`--concurrency "${value}" is not valid; expected a whole number from 1 to 1000, or Nn for N times the node count (e.g. 2n: 6 on 3 nodes)`);
    }
    expect(() => resolveSpec({ nodes: 5, concurrency: '201n' })).toThrow('--concurrency "201n" is 1005 processes on 5 nodes; expected at most 1000');
  });

  it('rejects bad values naming the value and what was expected', () => {
    expect(() => resolveSpec({ nemesis: 'partition,meteor' })).toThrow(/--nemesis "meteor" is not known; expected one of: partition, kill, pause/);
    expect(() => resolveSpec({ nodes: 'five' })).toThrow(/--nodes "five" is not valid; expected a number/);
    expect(() => resolveSpec({ concurrency: '2.5' })).toThrow(/whole number/);
    expect(() => resolveSpec({ storeMode: 'paxos' })).toThrow(/--store-mode "paxos"/);
  });

  it('resolves the bundled store modes: quorum sizes, names, and which workloads a mode can run', () => {
    expect(resolveSpec({ storeMode: 'quorum', r: 1, w: '1' })).toMatchObject({ name: 'bundled-quorum-n3r1w1-register-partition', replicas: 3, r: 1, w: 1 });
    expect(resolveSpec({ storeMode: 'crdt', workload: 'counter', antiEntropy: 'off' }).name).toBe('bundled-crdt-no-anti-entropy-counter-partition');
    expect(resolveSpec({ nodes: 2 })).toMatchObject({ replicas: 2, r: 2, w: 2 });
    expect(() => resolveSpec({ storeMode: 'crdt' })).toThrow('--workload "register" needs ops that --store-mode crdt does not serve; expected one of: set, counter');
    expect(() => resolveSpec({ storeMode: 'quorum-vc', workload: 'counter' })).toThrow(/expected one of: register, set, session \(or --store-mode raft \| primary \| quorum \| crdt\)$/);
    expect(() => resolveSpec({ storeMode: 'quorum', workload: 'list-append' })).toThrow(/^--workload "list-append" needs ops that --store-mode quorum does not serve; expected one of: .*bank.* \(or --store-mode raft \| primary\)$/);
    expect(resolveSpec({ storeMode: 'quorum', workload: 'bank' }).name).toBe('bundled-quorum-n3r2w2-bank-partition');
    expect(() => resolveSpec({ storeMode: 'crdt', workload: 'bank' })).toThrow(/--store-mode crdt does not serve; .*\(or --store-mode raft \| primary \| quorum\)$/);
    expect(() => resolveSpec({ replicas: 7 })).toThrow('--replicas "7" is not valid; expected a number from 1 to 5');
    expect(() => resolveSpec({ r: 4 })).toThrow('--r "4" is not valid; expected a number from 1 to 3');
  });

  it('replays to the same spec', () => {
    const spec = resolveSpec({ seed: 99, nemesis: 'partition,kill', readMode: 'local', timeLimitS: '60' });
    const args = replayCommand(spec).split(' ').slice(3);
    const options: Record<string, string> = {};
    for (let i = 0; i < args.length; i += 2) options[args[i]!.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = args[i + 1]!;
    const again = resolveSpec({ ...options, timeLimitS: options.timeLimit, nodes: options.nodes });
    expect(again).toEqual(spec);
  });

  it('takes --session for the session workload only, and tokens only where the store has versions', () => {
    const spec = resolveSpec({ seed: 3, workload: 'session', storeMode: 'primary', readMode: 'local', session: 'tokens' });
    expect(spec).toMatchObject({ name: 'bundled-primary-local-reads-session-tokens-partition', session: 'tokens' });
    expect(replayCommand(spec)).toMatch(/--workload session .*--session tokens/);
    expect(resolveSpec({ seed: 3 }).session).toBe('none');
    expect(replayCommand(resolveSpec({ seed: 3 }))).not.toMatch(/--session/);
    expect(resolveSpec({ workload: 'session', storeMode: 'quorum-vc', session: 'sticky' }).name).toBe('bundled-quorum-vc-n3r2w2-session-sticky-partition');
    expect(() => resolveSpec({ session: 'sticky' })).toThrow('--session sticky applies to --workload session only; expected --session none with --workload register');
    expect(() => resolveSpec({ workload: 'session', storeMode: 'quorum-vc', session: 'tokens' })).toThrow('--session tokens needs version tokens, which --db bundled --store-mode quorum-vc lacks; expected --db bundled --store-mode raft | primary | quorum');
    expect(() => resolveSpec({ workload: 'session', db: 'etcd', session: 'tokens' })).toThrow(/which --db etcd lacks/);
    expect(() => resolveSpec({ workload: 'session', session: 'always' })).toThrow('--session "always" is not known; expected one of: none, sticky, tokens');
  });

  it('replays with only the options that matter for the db and mode', () => {
    expect(replayCommand(resolveSpec({ seed: 1 }))).not.toMatch(/--replicas|--anti-entropy/);
    expect(replayCommand(resolveSpec({ seed: 1, storeMode: 'quorum', r: 1, w: 1, workload: 'set' }))).toMatch(/--store-mode quorum .*--replicas 3 --r 1 --w 1 --anti-entropy on/);
  });
});
