// `faultline check FILE --workload W` on elle-cli corpus histories with known verdicts (test-data/corpus/elle),
// through the real command, and the one-line errors for bad input.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { elleCorpusDir } from '../test-support/elle-corpus.js';

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

  it('rw-register: EDN and JSON are read; --linearizable-keys decides the linearizable-keys anomaly', async () => {
    const r = await check(corpus('histories/elle/rw-register.edn'), corpus('test-data/rw-register-anomaly-g2-item.json'), '--workload', 'rw-register');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/rw-register\.edn\tvalid\t[\d.]+\tgarbage-read/);
    expect(lines[1]).toMatch(/g2-item\.json\tinvalid\t[\d.]+\tG2-item/);
    expect(r.exitCode).toBe(1);
    const file = corpus('test-data/rw-register-keys-linearizable-anomaly.json');
    expect((await check(file, '--workload', 'rw-register')).exitCode).toBe(0);
    const claimed = await check(file, '--workload', 'rw-register', '--linearizable-keys', '--json');
    expect(claimed.exitCode).toBe(1);
    expect((JSON.parse(claimed.stdout) as { result: { anomalyTypes: string[] } }).result.anomalyTypes).toContain('cyclic-versions');
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
    expect(r.stderr.trim()).toMatch(/unknown workload "queue".*expected one of list-append, rw-register, set, set-full, counter, bank/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a malformed history as unknown with the line and the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-wl-'));
    const file = join(dir, 'h.edn');
    writeFileSync(file, '{:type :invoke, :f :txn, :value [[:frob :x 1]], :process 0}\n');
    const r = await check(file, '--workload', 'list-append', '--format', 'edn');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/h\.edn\tunknown\t0\.000\t.*h\.edn line 1: expected micro-ops/);
  });

  it('refuses --model together with --workload', async () => {
    const r = await check('x.edn', '--workload', 'bank', '--model', 'register');
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/--model and --workload both given/);
  });
});

describe('faultline check FILE: the format from the extension', () => {
  it('reads .edn, .json and .jsonl by extension, and names the file and the format it fell back to (real CLI)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ext-'));
    const ops = [
      { process: 0, type: 'invoke', f: 'transfer', value: { from: 0, to: 1, amount: 5 } },
      { process: 0, type: 'ok', f: 'transfer', value: { from: 0, to: 1, amount: 5 } },
      { process: 1, type: 'invoke', f: 'read', value: null },
      { process: 1, type: 'ok', f: 'read', value: { 0: 5, 1: 15 } },
    ];
    writeFileSync(join(dir, 'h.json'), JSON.stringify(ops));
    writeFileSync(join(dir, 'h.jsonl'), ops.map((o) => JSON.stringify(o)).join('\n'));
    writeFileSync(join(dir, 'h.edn'), '{:process 1, :type :invoke, :f :read}\n{:process 1, :type :ok, :f :read, :value {0 5, 1 16}}\n{:process 1, :type :invoke, :f :read}\n{:process 1, :type :ok, :f :read, :value {0 5, 1 15}}\n');
    writeFileSync(join(dir, 'h.txt'), '{:process 1, :type :invoke, :f :read}\n');
    const r = await check(...['h.json', 'h.jsonl', 'h.edn', 'h.txt'].map((f) => join(dir, f)), '--workload', 'bank');
    const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines.map((l) => l[1])).toEqual(['valid', 'valid', 'invalid', 'unknown']);
    expect(lines[3]![3]).toBe(
      `${join(dir, 'h.txt')} line 1: expected a JSON op {"index":N,"time":T,"process":P|"nemesis","type":"invoke"|"ok"|"fail"|"info","f":F,"value":V}, got "{:process 1, :type :invoke, :f :read}" ` +
        `(read ${join(dir, 'h.txt')} as jsonl, the default: its extension ".txt" is none of .edn edn, .jsonl jsonl, .json json; give --format to name its format)`,
    );
    expect(r.exitCode).toBe(1);
    // An explicit --format wins over the extension.
    const given = await check(join(dir, 'h.txt'), join(dir, 'h.edn'), '--workload', 'bank', '--format', 'edn');
    expect(given.stdout.trim().split('\n').map((l) => l.split('\t')[1])).toEqual(['unknown', 'invalid']);
    expect(given.stdout).toMatch(/h\.txt\tunknown\t[\d.]+\tno client op completed ok \(1 ops; 0 fail, 0 info\): nothing was tested/);
  });
});
