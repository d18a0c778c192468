import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import { recheckRun } from './run.js';
import { resolveSpec } from './spec.js';
import { readStoredSpec, upgradeSpec } from './stored-spec.js';

/** Runs stored by faultline before the nested spec (commit ae51be2), with the verdicts it gave them. */
const fixtures = join(import.meta.dirname, '..', 'test-support', 'fixtures', 'spec-v1');

/** A copy of a stored run, so checking it again writes nothing into the repository. */
function copyOf(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'faultline-v1-')), name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

describe('test.json written before specVersion 2', () => {
  it('upgrades every stored shape: the bundled options move under db, workload options under their workload, faults under nemesis', () => {
    const v1 = { name: 't', nodes: ['n1', 'n2', 'n3'], concurrency: 3, timeLimitS: 4, seed: 5, runtime: 'local', rate: 100, opTimeoutMs: 3000, readyTimeoutS: 30, checkTimeoutS: 60, storeDir: 'store' };
    const bundledV1 = { storeMode: 'quorum', readMode: 'local', replicas: 3, r: 1, w: 2, antiEntropy: 'off', session: 'none', opsPerKey: 50 };
    const table: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ ...v1, ...bundledV1, db: 'bundled', workload: 'set', nemesis: ['partition', 'kill'], nemesisIntervalS: 3 },
        { db: { name: 'bundled', mode: 'quorum', readMode: 'local', replicas: 3, r: 1, w: 2, antiEntropy: 'off' }, workload: { name: 'set', opsPerKey: 50 }, nemesis: { faults: [{ name: 'partition' }, { name: 'kill' }], intervalS: 3 } }],
      // Another database: the bundled store's options, always written in version 1, meant nothing and go.
      [{ ...v1, ...bundledV1, runtime: 'docker', db: 'etcd', workload: 'bank', nemesis: [], nemesisIntervalS: 5 },
        { db: { name: 'etcd' }, workload: { name: 'bank' }, nemesis: { faults: [], intervalS: 5 } }],
      [{ ...v1, ...bundledV1, storeMode: 'raft', session: 'tokens', db: 'bundled', workload: 'session', nemesis: ['clock'], nemesisIntervalS: 5 },
        { db: { name: 'bundled', mode: 'raft' }, workload: { name: 'session', session: 'tokens' }, nemesis: { faults: [{ name: 'clock' }], intervalS: 5 } }],
      // Older still: options that did not exist yet are simply absent, and take their defaults.
      [{ ...v1, db: 'bundled', storeMode: 'raft', workload: 'register', nemesis: ['partition'], nemesisIntervalS: 5, opsPerKey: 100 },
        { db: { name: 'bundled', mode: 'raft' }, workload: { name: 'register', opsPerKey: 100 }, nemesis: { faults: [{ name: 'partition' }], intervalS: 5 } }],
    ];
    for (const [stored, expected] of table) {
      const upgraded = upgradeSpec(stored);
      expect(upgraded).toMatchObject(expected);
      for (const gone of Object.keys(bundledV1)) expect(upgraded, gone).not.toHaveProperty(gone);
      const dir = mkdtempSync(join(tmpdir(), 'faultline-v1-'));
      writeFileSync(join(dir, 'test.json'), JSON.stringify(stored));
      expect(readStoredSpec(dir, builtins)).toMatchObject({ specVersion: 2, ...expected });
    }
  });

  it('re-checks runs that faultline stored before the change, with the verdict it gave them then', async () => {
    const names = readdirSync(fixtures, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(names.length).toBe(5);
    for (const name of names) {
      const before = JSON.parse(readFileSync(join(fixtures, name, 'results.json'), 'utf8')) as { valid: unknown; results: Record<string, { valid: unknown }> };
      const { spec, results } = await recheckRun(copyOf(name), builtins);
      expect(spec.name, name).toBe(name);
      expect(results.valid, name).toEqual(before.valid);
      const verdicts = (r: object) => Object.fromEntries(Object.entries(((r as { results?: unknown }).results ?? {}) as Record<string, { valid: unknown }>).map(([k, v]) => [k, v.valid]));
      expect(verdicts(results), name).toEqual(verdicts(before));
    }
  }, 60_000);

  it('refuses a spec from a newer faultline in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-v3-'));
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ ...resolveSpec({ seed: 1 }, builtins), specVersion: 3 }));
    expect(() => readStoredSpec(dir, builtins)).toThrow(`${join(dir, 'test.json')}: "specVersion" is 3; expected 1 or 2 (a newer faultline wrote it? upgrade faultline to check it)`);
  });

  it('reads back exactly the spec a run wrote', () => {
    for (const options of [{ seed: 1 }, { seed: 2, storeMode: 'quorum', workload: 'set', r: 1 }, { seed: 3, workload: 'session', session: 'sticky', nemesis: 'none' }]) {
      const spec = resolveSpec(options, builtins);
      const dir = mkdtempSync(join(tmpdir(), 'faultline-v2-'));
      writeFileSync(join(dir, 'test.json'), JSON.stringify(spec, null, 2));
      expect(readStoredSpec(dir, builtins)).toEqual(spec);
    }
  });
});
