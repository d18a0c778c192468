// End to end through the real command: `faultline check <run>` shrinks an invalid history to
// witness.jsonl, shows it first in the report (escaped), and `faultline check <run>/witness.jsonl`
// finds the same anomaly again; --shrink-budget-s 0 leaves no witness.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test-support/history-builder.js';
import { builtins } from '../builtins.js';
import { resolveSpec } from '../spec.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
const faultline = (...args: string[]) => execa('node', [bin, ...args], { reject: false });

/** A complete register run whose key 3 has a stale read of a value with markup in it. */
function invalidRun(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'faultline-shrink-cli-')), 'run');
  mkdirSync(dir);
  writeFileSync(join(dir, 'test.json'), JSON.stringify(resolveSpec({ seed: 1, nodes: 3, concurrency: 3, workload: 'register', nemesis: 'none', storeDir: dir }, builtins)));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ startedAt: '2026-01-01T00:00:00.000Z', phase: 'teardown', end: 'complete', durationMs: 1000, historyEpochMs: 0 }));
  const h = historyBuilder();
  for (let k = 0; k < 12; k++) for (let i = 0; i < 4; i++) h.run(k % 3, 'write', [k, i]).run((k + 1) % 3, 'read', [k, null], [k, i]).run((k + 2) % 3, 'cas', [k, [i, i + 1]]).run(k % 3, 'write', [k, i]);
  h.run(0, 'write', [30, '<img src=x onerror=alert(1)>']).run(1, 'write', [30, 2]).run(2, 'read', [30, null], [30, '<img src=x onerror=alert(1)>']);
  writeFileSync(join(dir, 'history.jsonl'), h.history.map((op) => JSON.stringify(op) + '\n').join(''));
  return dir;
}

describe('faultline check and the witness', () => {
  it('shrinks an invalid run to witness.jsonl, shows it first in the report, and re-checks it to the same anomaly', async () => {
    const dir = invalidRun();
    const r = await faultline('check', dir);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/witness: +3 of 195 ops, 3 of 3 processes, 1 of 13 keys still show linearizable nonlinearizable on key 30 \(\d+ checker calls/);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { witness: Record<string, unknown> };
    expect(results.witness).toMatchObject({ file: 'witness.jsonl', checker: 'linearizable', anomaly: 'nonlinearizable on key 30', before: { ops: 195, keys: 13 }, after: { ops: 3, keys: 1 }, minimal: true });
    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    const witnessAt = report.indexOf('<section id="witness">');
    expect(witnessAt).toBeGreaterThan(0);
    expect(witnessAt).toBeLessThan(report.indexOf('<section id="charts"'));
    expect(report).toContain('<svg class="lanes"');
    expect(report).not.toContain('<img src=x');

    const again = await faultline('check', join(dir, 'witness.jsonl'));
    expect(again.exitCode, again.stderr).toBe(1);
    expect(again.stdout).toMatch(/linearizable +INVALID \[nonlinearizable on key 30\]/);
    // The witness has no fault ops and few fs: the whole-run checkers are named, not run.
    expect(again.stdout).toMatch(/faults +not checked: it judges a whole run/);
    expect(again.stdout).toMatch(/stats +not checked: it judges a whole run/);
    expect(again.stdout).not.toMatch(/never started/);
    const history = await faultline('check', join(dir, 'history.jsonl'));
    expect(history.stdout).toMatch(/stats +VALID/);
    const byModel = await faultline('check', join(dir, 'witness.jsonl'), '--model', 'cas-register');
    expect(byModel.stdout).toMatch(/\tillegal\t/);
  }, 60_000);

  it('writes no witness with --shrink-budget-s 0, and removes an old one', async () => {
    const dir = invalidRun();
    await faultline('check', dir);
    expect(existsSync(join(dir, 'witness.jsonl'))).toBe(true);
    const r = await faultline('check', dir, '--shrink-budget-s', '0');
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/witness:/);
    expect(existsSync(join(dir, 'witness.jsonl'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).not.toHaveProperty('witness');
  }, 60_000);

  it('shrinks a history file with --witness, to a jsonl the same file checker finds invalid again; a valid file gets none', async () => {
    const knossos = join(import.meta.dirname, '..', '..', 'test-data', 'corpus', 'knossos', 'data', 'cas-register');
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-shrink-file-')), 'witness.jsonl');
    const model = 'cas-register;init=0;nil-read=any';
    const r = await faultline('check', join(knossos, 'bad', 'cas-failure.edn'), '--model', model, '--witness', out);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/witness\.jsonl: \d+ of 299 ops, .* still show linearizable nonlinearizable \(\d+ checker calls/);
    expect((await faultline('check', out, '--model', model)).stdout).toMatch(/\tillegal\t/);
    const bank = join(import.meta.dirname, '..', '..', 'test-data', 'corpus', 'elle', 'histories', 'jepsen', 'bank-negative-balances.json');
    const banked = await faultline('check', bank, '--workload', 'bank', '--witness', `${out}.bank`);
    expect(banked.stdout).toMatch(/still show bank negative-value/);
    expect((await faultline('check', `${out}.bank`, '--workload', 'bank')).stdout).toMatch(/\tinvalid\t/);
    const valid = await faultline('check', join(knossos, 'good', 'cas-register-bug.edn'), '--model', model, '--witness', `${out}.none`);
    expect(valid.exitCode, valid.stderr).toBe(0);
    expect(existsSync(`${out}.none`)).toBe(false);
  }, 60_000);
});
