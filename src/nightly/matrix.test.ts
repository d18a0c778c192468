// Parsing a nightly matrix (one-line errors naming the bad value) and expanding it into runs.
import { builtins } from '../builtins.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossProduct, parseMatrix, planRuns } from './matrix.js';

const plan = (matrix: object, newSeed?: () => number) => planRuns(parseMatrix(JSON.stringify(matrix), 'm.json', builtins), 'm.json', 'store', builtins, newSeed);

describe('parseMatrix', () => {
  it.each([
    ['not JSON', '{', /^m\.json: not valid JSON \(/],
    ['no tests', '{}', /^m\.json: tests: expected a non-empty list of test entries, got undefined$/],
    ['an unknown top-level key', '{"tests":[{}],"budget":5}', /^m\.json: budget: unknown key; expected one of: description, budgetS, testTimeoutS, defaults, tests$/],
    ['a misspelt option', '{"tests":[{"timeLimit":5}]}', /^m\.json: tests\[0\]\.timeLimit: unknown key; expected one of: seeds, expect, testTimeoutS, name, nodes/],
    ['a seed instead of seeds', '{"tests":[{"seed":5}]}', /^m\.json: tests\[0\]\.seed: unknown key;/],
    ['a bad budget', '{"budgetS":-1,"tests":[{}]}', /^m\.json: budgetS: -1 is not valid; expected a positive number of seconds$/],
    ['a nested option', '{"tests":[{"nemesis":{"kind":"partition"}}]}', /^m\.json: tests\[0\]\.nemesis: \{"kind":"partition"\} is not valid; expected a string or number/],
    ['an empty axis', '{"tests":[{"workload":[]}]}', /^m\.json: tests\[0\]\.workload: \[\] is not valid;/],
    ['bad seeds', '{"tests":[{"seeds":[1,-2]}]}', /^m\.json: tests\[0\]\.seeds: \[1,-2\] is not valid; expected a list of seeds/],
    ['a bad expectation', '{"tests":[{"expect":"green"}]}', /^m\.json: tests\[0\]\.expect: "green" is not known; expected valid or invalid, or an object of checker names to valid \| invalid \| any$/],
    ['a bad checker expectation', '{"tests":[{"expect":{"counter":"stale"}}]}', /^m\.json: tests\[0\]\.expect: \{"counter":"stale"\} is not known;/],
    ['a bad default', '{"defaults":{"rates":5},"tests":[{}]}', /^m\.json: defaults\.rates: unknown key;/],
  ])('rejects %s in one line', (_, text, error) => {
    expect(() => parseMatrix(text, 'm.json', builtins)).toThrow(error);
    try {
      parseMatrix(text, 'm.json', builtins);
    } catch (err) {
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
  });
});

describe('planRuns', () => {
  it('expands list-valued options as a cross product, each on every seed, defaults under entries', () => {
    const runs = plan({
      defaults: { timeLimitS: 7, seeds: [1, 2] },
      tests: [
        { storeMode: 'raft', workload: ['register', 'set'], nemesis: ['partition', 'partition,kill'] },
        { storeMode: 'crdt', workload: 'counter', seeds: [9], timeLimitS: 3, expect: 'valid' },
      ],
    });
    expect(runs.map((r) => `${r.index} ${r.test} ${r.seed}`)).toEqual([
      '1 bundled-raft-register-partition 1', '2 bundled-raft-register-partition 2',
      '3 bundled-raft-register-partition+kill 1', '4 bundled-raft-register-partition+kill 2',
      '5 bundled-raft-set-partition 1', '6 bundled-raft-set-partition 2',
      '7 bundled-raft-set-partition+kill 1', '8 bundled-raft-set-partition+kill 2',
      '9 bundled-crdt-counter-partition 9',
    ]);
    expect(runs[8]?.spec.timeLimitS).toBe(3);
    expect(runs[0]?.spec.timeLimitS).toBe(7);
  });

  it('gives each run the `faultline test` arguments of its spec, its seed and the store', () => {
    const [run] = plan({ tests: [{ storeMode: 'quorum', workload: 'register', nemesis: 'kill,partition', nodes: 3, timeLimitS: 5, seeds: [42] }] });
    expect(run?.args).toEqual(['test', '--nodes', '3', '--time-limit', '5', '--workload', 'register', '--nemesis', 'kill,partition', '--store-mode', 'quorum', '--seed', '42', '--store', 'store']);
    expect(run?.capS).toBe(5 + 2 * 30 + 60 + 60);
  });

  it('draws fresh seeds when seeds is a count, and takes the cap from the matrix', () => {
    let next = 100;
    const runs = plan({ testTimeoutS: 50, tests: [{ seeds: 3 }] }, () => next++);
    expect(runs.map((r) => r.seed)).toEqual([100, 101, 102]);
    expect(runs.map((r) => r.capS)).toEqual([50, 50, 50]);
  });

  it('names the entry whose options the spec rejects', () => {
    expect(() => plan({ tests: [{}, { workload: 'regster' }] })).toThrow(/^m\.json: tests\[1\]: --workload "regster" is not known; expected one of: [a-z, -]*\bregister\b/);
    expect(() => plan({ tests: [{ storeMode: 'crdt', workload: 'register' }] })).toThrow(/^m\.json: tests\[0\]: --workload register needs registers \(read, write, cas\), which --db bundled --store-mode crdt lacks/);
    expect(() => plan({ tests: [{ db: 'etcd', runtime: 'docker', storeMode: 'raft' }] })).toThrow(/^m\.json: tests\[0\]: --store-mode applies to --db bundled only/);
  });

  it('refuses one test name for two different tests, and the same run twice', () => {
    expect(() => plan({ tests: [{ name: 'x', rate: 10, seeds: [1] }, { name: 'x', rate: 20, seeds: [2] }] })).toThrow(/tests\[1\]: test "x" is also made by tests\[0\] with other options; give one of them a "name"/);
    expect(() => plan({ tests: [{ seeds: [1] }, { seeds: [1] }] })).toThrow(/tests\[1\]: test "bundled-raft-register-partition" with seed 1 is already in the matrix/);
  });

  it('expands the example matrix into at least six tests that all resolve', () => {
    const path = join(import.meta.dirname, '..', '..', 'examples', 'nightly-matrix.json');
    const runs = planRuns(parseMatrix(readFileSync(path, 'utf8'), path, builtins), path, 'store', builtins);
    expect(new Set(runs.map((r) => r.test)).size).toBeGreaterThanOrEqual(6);
    expect(runs.filter((r) => r.expect === 'invalid').length).toBeGreaterThanOrEqual(1);
  });
});

describe('crossProduct', () => {
  it('multiplies the lists and keeps scalars', () => {
    expect(crossProduct({ db: 'bundled', workload: ['register', 'set'], rate: [1, 2, 3] })).toHaveLength(6);
    expect(crossProduct({})).toEqual([{}]);
  });
});
