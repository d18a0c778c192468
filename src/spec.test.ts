import { builtins } from './builtins.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineFault } from './define/fault.js';
import { extendRegistry } from './define/registry.js';
import { replayCommand, resolveNestedSpec, resolveSpec, type TestSpec } from './spec.js';

const faultsOf = (spec: TestSpec) => spec.nemesis.faults.map((f) => f.name);

describe('test spec', () => {
  it('fills defaults: 5 nodes, register, partitions, 30 s', () => {
    const spec = resolveSpec({ seed: 7 }, builtins);
    expect(spec.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(spec).toMatchObject({ specVersion: 2, workload: { name: 'register', opsPerKey: 100 }, nemesis: { faults: [{ name: 'partition' }], intervalS: 5 }, timeLimitS: 30, seed: 7 });
    expect(spec.db).toEqual({ name: 'bundled', mode: 'raft', readMode: 'quorum', replicas: 3, r: 2, w: 2, antiEntropy: 'on', fsync: 'always' });
    expect(spec.name).toBe('bundled-raft-register-partition');
  });

  it('parses comma lists and "none"', () => {
    expect(faultsOf(resolveSpec({ nemesis: 'partition,kill' }, builtins))).toEqual(['partition', 'kill']);
    expect(faultsOf(resolveSpec({ nemesis: 'none' }, builtins))).toEqual([]);
  });

  it('refuses an empty fault list or an empty item, pointing at none', () => {
    expect(() => resolveSpec({ nemesis: '' }, builtins)).toThrow(`--nemesis "" is an empty list; expected faults, comma separated (${[...builtins.faults.keys()].join(', ')}), or none for no faults`);
    expect(() => resolveSpec({ nemesis: ' , ' }, builtins)).toThrow(/is an empty list; .*or none for no faults, or all$/);
    for (const value of ['partition,,kill', 'partition,', ',kill', 'partition, ,kill']) {
      expect(() => resolveSpec({ nemesis: value }, builtins), value).toThrow(`--nemesis "${value}" has an empty item; expected faults separated by single commas`);
    }
    expect(() => resolveSpec({ nemesis: 'none,kill' }, builtins)).toThrow('--nemesis "none,kill" lists none with faults; expected none alone, or faults without none');
    expect(faultsOf(resolveSpec({ nemesis: ' partition , kill ' }, builtins))).toEqual(['partition', 'kill']);
    expect(faultsOf(resolveSpec({ nemesis: [] }, builtins))).toEqual([]);
  });

  it('expands --nemesis all to the faults this runtime and database can have, naming the others and why', () => {
    const quiet = (name: string, extra: Record<string, unknown>) => defineFault({ name, description: 'does nothing', healRank: 1, create: () => ({ fault: name, invoke: async () => 'nothing' }), ...extra });
    const registry = extendRegistry(builtins, [
      quiet('wipe', { leftOutOfAll: 'it destroys data by design' }),
      quiet('needs-docker', { canRunOn: (runtime: { name: string }) => (runtime.name === 'docker' ? true : 'containers only; use --runtime docker') }),
      quiet('needs-magic', { canTest: (db: object) => ('magic' in db ? true : 'it has no magic') }),
    ], []);
    const spec = resolveSpec({ nemesis: 'all', seed: 3 }, registry);
    const names = faultsOf(spec);
    expect(names).toEqual(expect.arrayContaining(['partition', 'kill', 'pause']));
    expect(names).not.toEqual(expect.arrayContaining(['wipe']));
    expect(spec.nemesis.leftOut).toMatchObject({
      wipe: 'it destroys data by design',
      'needs-docker': 'the local runtime cannot make it: containers only; use --runtime docker',
      'needs-magic': '--db bundled cannot have it: it has no magic',
    });
    expect(spec.nemesis.leftOut?.['corrupt']).toMatch(/^it destroys data a node acknowledged/);
    expect([...names, ...Object.keys(spec.nemesis.leftOut ?? {})].sort()).toEqual([...registry.faults.keys()].sort());
    expect(spec.name).toBe('bundled-raft-register-all');
    // Stored and read back, the spec keeps what all left out; the replay names the faults it chose.
    expect(resolveNestedSpec(JSON.parse(JSON.stringify(spec)), registry)).toEqual(spec);
    expect(replayCommand(spec, registry)).toContain(`--nemesis ${names.join(',')} `);
    expect(() => resolveSpec({ nemesis: 'all,kill' }, registry)).toThrow('--nemesis "all,kill" lists all with faults; expected all alone');
  });

  it('quotes a replayed option value the shell would change (a glob), and only such values', () => {
    const replay = replayCommand(resolveSpec({ nemesis: 'corrupt', corruptFiles: "**,it's.wal", seed: 1 }, builtins), builtins);
    expect(replay).toContain(`--corrupt-files '**,it'\\''s.wal' `);
    expect(replay).toContain(' --corrupt-mode bitflip,truncate ');
  });

  it('reads Jepsen\'s Nn concurrency as N times the node count, and keeps the number', () => {
    expect(resolveSpec({ nodes: 3, concurrency: '2n' }, builtins).concurrency).toBe(6);
    expect(resolveSpec({ concurrency: '1n' }, builtins).concurrency).toBe(5);
    expect(resolveSpec({ nodes: 3, concurrency: '3n' }, builtins).concurrency).toBe(9);
    expect(replayCommand(resolveSpec({ nodes: 3, concurrency: '2n', seed: 1 }, builtins), builtins)).toMatch(/ --nodes 3 --concurrency 6 /);
    fc.assert(fc.property(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 66 }), (nodes, times) => {
      expect(resolveSpec({ nodes, concurrency: `${times}n` }, builtins).concurrency).toBe(nodes * times);
    }));
    for (const value of ['0n', 'n', '-1n', '2.5n', '2nn', 'n2', '2 n', '0', '-3', '']) {
      expect(() => resolveSpec({ nodes: 3, concurrency: value }, builtins), value).toThrow(`--concurrency "${value}" is not valid; expected a whole number from 1 to 1000, or Nn for N times the node count (e.g. 2n: 6 on 3 nodes)`);
    }
    expect(() => resolveSpec({ nodes: 5, concurrency: '201n' }, builtins)).toThrow('--concurrency "201n" is 1005 processes on 5 nodes; expected at most 1000');
  });

  it('rejects bad values naming the value and what was expected', () => {
    expect(() => resolveSpec({ nemesis: 'partition,meteor' }, builtins)).toThrow(/--nemesis "meteor" is not known; expected one of: clock, corrupt, disk, kill, lose-unsynced, membership, memory, packet, partition, pause, restart/);
    expect(() => resolveSpec({ nodes: 'five' }, builtins)).toThrow(/--nodes "five" is not valid; expected a number/);
    expect(() => resolveSpec({ concurrency: '2.5' }, builtins)).toThrow(/whole number/);
    expect(() => resolveSpec({ storeMode: 'paxos' }, builtins)).toThrow('--store-mode "paxos" is not known; expected one of: raft, primary, quorum, quorum-vc, crdt');
    expect(() => resolveSpec({ db: 'nope' }, builtins)).toThrow('--db "nope" is not known; expected one of: bundled, etcd, galera, mariadb, postgres, redis, zookeeper, or a path to a file made with defineDb');
    expect(() => resolveSpec({ bogusFlag: 1 }, builtins)).toThrow('--bogus-flag is not an option of any database, workload or fault; expected one of their flags (see faultline test --help)');
    expect(() => resolveSpec({ db: 'etcd', runtime: 'docker', readMode: 'local' }, builtins)).toThrow('--read-mode applies to --db bundled only; --db etcd, --workload register and --nemesis partition have no such setting (drop it)');
    expect(() => resolveSpec({ db: 'zookeeper' }, builtins)).toThrow('--db zookeeper cannot run on the local runtime; expected --runtime docker');
  });

  it('resolves the bundled store modes: quorum sizes, names, and which workloads a mode can run', () => {
    expect(resolveSpec({ storeMode: 'quorum', r: 1, w: '1' }, builtins)).toMatchObject({ name: 'bundled-quorum-n3r1w1-register-partition', db: { mode: 'quorum', replicas: 3, r: 1, w: 1 } });
    expect(resolveSpec({ storeMode: 'crdt', workload: 'counter', antiEntropy: 'off' }, builtins).name).toBe('bundled-crdt-no-anti-entropy-counter-partition');
    expect(resolveSpec({ nodes: 2 }, builtins)).toMatchObject({ db: { replicas: 2, r: 2, w: 2 } });
    expect(() => resolveSpec({ storeMode: 'crdt' }, builtins)).toThrow('--workload register needs registers (read, write, cas), which --db bundled --store-mode crdt lacks; databases with them: bundled (--store-mode raft | primary | quorum | quorum-vc), etcd, galera, mariadb, postgres, redis, zookeeper');
    expect(() => resolveSpec({ storeMode: 'quorum-vc', workload: 'counter' }, builtins)).toThrow(/lacks; databases with them: bundled \(--store-mode raft \| primary \| quorum \| crdt\)$/);
    expect(() => resolveSpec({ storeMode: 'quorum', workload: 'list-append' }, builtins)).toThrow(/^--workload list-append needs list-append transactions, which --db bundled --store-mode quorum lacks; databases with them: bundled \(--store-mode raft \| primary\), etcd, galera, mariadb, postgres$/);
    expect(resolveSpec({ storeMode: 'quorum', workload: 'bank' }, builtins).name).toBe('bundled-quorum-n3r2w2-bank-partition');
    expect(() => resolveSpec({ storeMode: 'crdt', workload: 'bank' }, builtins)).toThrow(/--store-mode crdt lacks; databases with them: bundled \(--store-mode raft \| primary \| quorum\), etcd, galera, mariadb, postgres$/);
    expect(() => resolveSpec({ db: 'redis', runtime: 'docker', workload: 'bank' }, builtins)).toThrow('--workload bank needs bank accounts (transfer, read all), which --db redis lacks; databases with them: bundled (--store-mode raft | primary | quorum), etcd, galera, mariadb, postgres');
    expect(() => resolveSpec({ replicas: 7 }, builtins)).toThrow('--replicas "7" is not valid; expected a whole number from 1 to 5 (the node count)');
    expect(() => resolveSpec({ r: 4 }, builtins)).toThrow('--r "4" is not valid; expected a whole number from 1 to 3 (--replicas)');
  });

  it('replays to the same spec', () => {
    const spec = resolveSpec({ seed: 99, nemesis: 'partition,kill', readMode: 'local', timeLimitS: '60' }, builtins);
    const args = replayCommand(spec, builtins).split(' ').slice(3);
    const options: Record<string, string> = {};
    for (let i = 0; i < args.length; i += 2) options[args[i]!.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = args[i + 1]!;
    // The command line's names for the run's shape (as src/cli.ts maps them), the parts' flags as they are.
    const { timeLimit, nemesisInterval, ...rest } = options;
    const again = resolveSpec({ ...rest, timeLimitS: timeLimit, nemesisIntervalS: nemesisInterval }, builtins);
    expect(again).toEqual(spec);
  });

  it('takes --session for the session workload only, and tokens only where the store has versions', () => {
    const spec = resolveSpec({ seed: 3, workload: 'session', storeMode: 'primary', readMode: 'local', session: 'tokens' }, builtins);
    expect(spec).toMatchObject({ name: 'bundled-primary-local-reads-session-tokens-partition', workload: { name: 'session', session: 'tokens' } });
    expect(replayCommand(spec, builtins)).toMatch(/--workload session .*--session tokens/);
    expect(resolveSpec({ seed: 3, workload: 'session' }, builtins).workload).toEqual({ name: 'session', session: 'none' });
    expect(replayCommand(resolveSpec({ seed: 3 }, builtins), builtins)).not.toMatch(/--session/);
    expect(resolveSpec({ workload: 'session', storeMode: 'quorum-vc', session: 'sticky' }, builtins).name).toBe('bundled-quorum-vc-n3r2w2-session-sticky-partition');
    expect(() => resolveSpec({ session: 'sticky' }, builtins)).toThrow('--session applies to --workload session only; --db bundled, --workload register and --nemesis partition have no such setting (drop it)');
    expect(() => resolveSpec({ workload: 'session', storeMode: 'quorum-vc', session: 'tokens' }, builtins)).toThrow('--workload session --session tokens needs client sessions (version tokens), which --db bundled --store-mode quorum-vc lacks; databases with them: bundled (--store-mode raft | primary | quorum)');
    expect(() => resolveSpec({ workload: 'session', db: 'etcd', runtime: 'docker', session: 'tokens' }, builtins)).toThrow(/which --db etcd lacks/);
    expect(() => resolveSpec({ workload: 'session', session: 'always' }, builtins)).toThrow('--session "always" is not known; expected one of: none, sticky, tokens');
  });

  it('replays with every option of the chosen parts, and none of the others', () => {
    expect(replayCommand(resolveSpec({ seed: 1 }, builtins), builtins)).toMatch(/--workload register --ops-per-key 100 --nemesis partition .*--db bundled --store-mode raft --read-mode quorum --replicas 3 --r 2 --w 2 --anti-entropy on /);
    expect(replayCommand(resolveSpec({ seed: 1, workload: 'bank' }, builtins), builtins)).not.toMatch(/--ops-per-key|--session/);
    expect(replayCommand(resolveSpec({ seed: 1, storeMode: 'quorum', r: 1, w: 1, workload: 'set' }, builtins), builtins)).toMatch(/--store-mode quorum .*--replicas 3 --r 1 --w 1 --anti-entropy on/);
  });
});
