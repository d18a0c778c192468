// `faultline export`: a run's history as Jepsen EDN (and elle-cli JSON, faultline JSONL) reads back
// into the same history, and checks to the same verdict as the run's own history.jsonl.
import { builtins } from './builtins.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { historyBuilder, type HistoryBuilder } from '../test-support/history-builder.js';
import { composeCheckers, type CheckResult } from './checker.js';
import { exportHistory, readRunHistory } from './export-history.js';
import { readElleJson } from './formats/elle-json.js';
import { readJepsenEdn } from './formats/jepsen-edn.js';
import { readJsonlHistory } from './formats/jsonl.js';
import type { History } from './op.js';
import { checkersFor } from './resolve.js';
import { resolveSpec, type TestSpec } from './spec.js';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');

/** A run directory as `faultline test` leaves it (test.json and history.jsonl), for `workload`. */
function runDir(workload: string, history: History): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'faultline-export-')), workload, '20240102T030405');
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  writeFileSync(join(dir, 'test.json'), JSON.stringify(resolveSpec({ workload, seed: 1 }, builtins), null, 2));
  writeFileSync(join(dir, 'history.jsonl'), history.map((op) => `${JSON.stringify(op)}\n`).join(''));
  return dir;
}

/** Valid and invalid histories of each workload, in faultline's op shapes (workloads/*.ts). */
const cases: { workload: string; checker: string; good: HistoryBuilder; bad: HistoryBuilder }[] = [
  {
    workload: 'list-append',
    checker: 'cycle',
    good: historyBuilder().run(0, 'txn', [['append', 1, 1]]).nemesis('start-partition', { grudge: { n1: ['n2'] } }).run(1, 'txn', [['r', 1, null]], [['r', 1, [1]]]),
    // T2 starts after T1 committed, yet does not see its append.
    bad: historyBuilder().run(0, 'txn', [['append', 1, 1]]).run(1, 'txn', [['r', 1, null], ['append', 2, 1]], [['r', 1, []], ['append', 2, 1]]),
  },
  {
    workload: 'bank',
    checker: 'bank',
    good: historyBuilder()
      .run(0, 'create', { 0: 20, 1: 20, 2: 20, 3: 20, 4: 20 })
      .run(1, 'transfer', { from: 0, to: 1, amount: 5 })
      .run(2, 'read', null, { 0: 15, 1: 25, 2: 20, 3: 20, 4: 20 }),
    bad: historyBuilder().run(1, 'transfer', { from: 0, to: 1, amount: 5 }).run(2, 'read', null, { 0: 20, 1: 25, 2: 20, 3: 20, 4: 20 }),
  },
  {
    workload: 'register',
    checker: 'linearizable',
    good: historyBuilder().run(0, 'write', [0, 1]).run(1, 'cas', [0, [1, 2]]).run(2, 'read', [0, null], [0, 2]).run(1, 'cas', [0, [1, 3]], undefined, 'fail'),
    bad: historyBuilder().run(0, 'write', [0, 1]).run(1, 'read', [0, null], [0, 3]),
  },
  {
    workload: 'set',
    checker: 'set',
    good: historyBuilder().run(0, 'add', [0, 1]).run(1, 'add', [0, 2]).run(2, 'read', [0, null], [0, [1, 2]]),
    bad: historyBuilder().run(0, 'add', [0, 1]).run(1, 'add', [0, 2]).run(2, 'read', [0, null], [0, [1]]),
  },
  {
    workload: 'counter',
    checker: 'counter',
    good: historyBuilder().run(0, 'add', [0, 2]).run(1, 'add', [0, 3]).run(2, 'read', [0, null], [0, 5]),
    bad: historyBuilder().run(0, 'add', [0, 2]).run(1, 'add', [0, 3]).run(2, 'read', [0, null], [0, 9]),
  },
];

async function verdicts(spec: TestSpec, history: History): Promise<Record<string, CheckResult['valid']>> {
  const result = await composeCheckers(checkersFor(spec, builtins))(history, { test: spec as unknown as Record<string, unknown> });
  const sub = (result.results ?? {}) as Record<string, CheckResult>;
  return { all: result.valid, ...Object.fromEntries(Object.entries(sub).map(([name, r]) => [name, r.valid])) };
}

describe('faultline export', () => {
  it.each(cases.flatMap((c) => [{ ...c, kind: 'good' as const, expected: true }, { ...c, kind: 'bad' as const, expected: false }]))(
    '$workload ($kind): EDN reads back as the same history and checks to the same verdict',
    async ({ workload, checker, kind, expected }) => {
      const c = cases.find((x) => x.workload === workload)!;
      const dir = runDir(workload, c[kind].history);
      const spec = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as TestSpec;
      const fromJsonl = readRunHistory(dir);
      const fromEdn = readJepsenEdn(exportHistory(dir, 'edn'));
      expect(fromEdn).toEqual(fromJsonl);
      const jsonl = await verdicts(spec, fromJsonl);
      expect(jsonl[checker]).toBe(expected);
      expect(await verdicts(spec, fromEdn)).toEqual(jsonl);
      expect(readElleJson(exportHistory(dir, 'json'))).toEqual(fromJsonl);
      expect(readJsonlHistory(exportHistory(dir, 'jsonl'))).toEqual(fromJsonl);
    },
  );

  it('writes list-append as Elle expects it, and `check FILE.edn --workload list-append` agrees with `check RUN` (real CLI)', async () => {
    const dir = runDir('list-append', cases[0]!.bad.history);
    const out = join(dir, '..', 'history.edn');
    const exported = await execa('node', [bin, 'export', dir, '--format', 'edn', '--out', out], { reject: false });
    expect(exported.exitCode).toBe(0);
    expect(exported.stdout).toBe('');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('{:index 3, :time 4000000, :type :ok, :process 1, :f :txn, :value [[:r 1 []] [:append 2 1]]}');
    const asRun = await execa('node', [bin, 'check', dir], { reject: false });
    const asFile = await execa('node', [bin, 'check', out, '--workload', 'list-append'], { reject: false });
    expect(asRun.exitCode).toBe(1);
    expect(asRun.stdout).toMatch(/cycle +INVALID +G-single-item-realtime/);
    expect(asFile.exitCode).toBe(asRun.exitCode);
    expect(asFile.stdout).toMatch(/history\.edn\tinvalid\t[\d.]+\tG-single-item-realtime/);
  });

  it('writes to stdout by default and names a bad format or run directory (real CLI)', async () => {
    const dir = runDir('bank', cases[1]!.good.history);
    const json = await execa('node', [bin, 'export', dir, '--format', 'json'], { reject: false });
    expect(json.exitCode).toBe(0);
    expect(readElleJson(json.stdout)).toEqual(readRunHistory(dir));
    const bad = await execa('node', [bin, 'export', dir, '--format', 'csv'], { reject: false });
    expect(bad.exitCode).toBe(254);
    expect(bad.stderr).toMatch(/--format "csv" is not an export format; expected one of edn, jsonl, json/);
    expect(() => exportHistory(join(dir, 'nope'), 'edn')).toThrow(/run directory .*nope does not exist/);
    const jepsen = mkdtempSync(join(tmpdir(), 'faultline-jepsen-'));
    writeFileSync(join(jepsen, 'history.edn'), exportHistory(dir, 'edn'));
    expect(() => exportHistory(jepsen, 'jsonl')).toThrow(/is a Jepsen run directory: its history\.edn is Jepsen's format already/);
  });
});
