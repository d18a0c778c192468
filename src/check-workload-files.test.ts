// `faultline check FILE --workload W` on elle-cli corpus histories with known verdicts (test-data/corpus/elle),
// through the real command, and the one-line errors for bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { elleCorpusDir } from '../checkers/elle-corpus.js';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');
const corpus = (file: string): string => join(elleCorpusDir, file);
const check = (...args: string[]) => execa('node', [bin, 'check', ...args], { reject: false });

describe('faultline check --workload on the elle-cli corpus', () => {
  it('list-append: the paper example is invalid (G-single-item) in EDN and in JSON', async () => {
    const r = await check(corpus('histories/elle/paper-example.edn'), corpus('histories/elle/paper-example.json'), '--workload', 'list-append', '--format', 'edn');
    // One file is JSON: given as EDN it is a parse error, so that line is unknown and names the file.
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/paper-example\.edn\tinvalid\t[\d.]+\t.*G-single/);
    expect(lines[1]).toMatch(/paper-example\.json\tunknown\t0\.000\t/);
    expect(r.exitCode).toBe(1);
    const json = await check(corpus('histories/elle/paper-example.json'), '--workload', 'list-append', '--format', 'json', '--json');
    expect(json.exitCode).toBe(1);
    const line = JSON.parse(json.stdout) as { valid: boolean; result: { anomalyTypes?: string[] } };
    expect(line.valid).toBe(false);
    expect(JSON.stringify(line.result)).toMatch(/G-single/);
  });

  it('list-append gh-30 is invalid as serializable (G2-item)', async () => {
    const r = await check(corpus('histories/elle/list-append-gh-30.edn'), '--workload', 'list-append', '--format', 'edn', '--consistency-models', 'serializable');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/\tinvalid\t.*G2/);
  });

  it('bank: the plain history is valid, the TiDB one has wrong totals', async () => {
    const good = await check(corpus('histories/jepsen/bank.edn'), '--workload', 'bank', '--format', 'edn');
    expect(good.stdout).toMatch(/bank\.edn\tvalid\t/);
    expect(good.exitCode).toBe(0);
    const bad = await check(corpus('histories/jepsen/bank-tidb.edn'), '--workload', 'bank', '--format', 'edn');
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/bank-tidb\.edn\tinvalid\t/);
  });

  it('counter is valid and set-full finds the lost elements', async () => {
    expect((await check(corpus('histories/jepsen/counter.edn'), '--workload', 'counter', '--format', 'edn')).exitCode).toBe(0);
    const set = await check(corpus('histories/jepsen/set_full.edn'), '--workload', 'set-full', '--format', 'edn');
    expect(set.exitCode).toBe(1);
    expect(set.stdout).toMatch(/\tinvalid\t.*lost/);
  });
});

describe('faultline check --workload: bad input', () => {
  it('names an unknown workload and the ones it knows, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-wl-'));
    const file = join(dir, 'h.edn');
    writeFileSync(file, '{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}\n');
    const r = await check(file, '--workload', 'queue', '--format', 'edn');
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toMatch(/unknown workload "queue".*expected one of list-append, set, set-full, counter, bank/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a malformed history as unknown with the line and the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-wl-'));
    const file = join(dir, 'h.edn');
    writeFileSync(file, '{:type :invoke, :f :txn, :value [[:frob :x 1]], :process 0}\n');
    const r = await check(file, '--workload', 'list-append', '--format', 'edn');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/h\.edn\tunknown\t0\.000\tline 1 of .*h\.edn: expected micro-ops/);
  });

  it('refuses --model together with --workload', async () => {
    const r = await check('x.edn', '--workload', 'bank', '--model', 'register');
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/--model and --workload both given/);
  });
});
