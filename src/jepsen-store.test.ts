// `faultline check <a Jepsen run directory>` on small synthetic Jepsen store directories written
// here (history.edn in both of Jepsen's layouts, results.edn, a binary test.fressian, jepsen.log).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkJepsenStore, isJepsenStoreDir, type JepsenCheckOptions } from './jepsen-store.js';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');
const store = mkdtempSync(join(tmpdir(), 'faultline-jepsen-store-'));

/** A Jepsen run directory store/<test>/<time>/ holding `files`, plus the binary and log files Jepsen writes. */
function jepsenRun(test: string, files: Record<string, string>): string {
  const dir = join(store, test, '20240102T030405.678Z');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test.fressian'), Buffer.from([0xc0, 0xff, 0xee, 0x00, 0x01, 0xfe]));
  writeFileSync(join(dir, 'jepsen.log'), 'INFO jepsen.core - Run complete, writing\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Elle's list-append layout: one vector, no :f. T2 starts after T1 committed yet misses its append. */
const staleAppend = `[{:type :invoke, :process 0, :value [[:append :x 1]], :time 1000, :index 0}
 {:type :ok, :process 0, :value [[:append :x 1]], :time 2000, :index 1}
 {:type :info, :process :nemesis, :f :start-partition, :value :majority, :time 2500, :index 2}
 {:type :invoke, :process 1, :value [[:r :x nil]], :time 3000, :index 3}
 {:type :ok, :process 1, :value [[:r :x []]], :time 4000, :index 4}]
`;

/** Jepsen's current layout: one op map per line. */
const bank = (total: number) => `{:type :invoke, :f :transfer, :value {:from 0, :to 1, :amount 5}, :process 0, :time 1, :index 0}
{:type :ok, :f :transfer, :value {:from 0, :to 1, :amount 5}, :process 0, :time 2, :index 1}
{:type :invoke, :f :read, :value nil, :process 1, :time 3, :index 2}
{:type :ok, :f :read, :value {0 ${total - 55}, 1 55}, :process 1, :time 4, :index 3}
{:type :invoke, :f :read, :value nil, :process 1, :time 5, :index 4}
{:type :ok, :f :read, :value {0 45, 1 55}, :process 1, :time 6, :index 5}
`;

/** A cas register on independent keys, as jepsen.independent writes it; key 1 reads a value never written. */
const register = (read: number) => `{:type :invoke, :f :write, :value [1 3], :process 0, :time 1, :index 0}
{:type :ok, :f :write, :value [1 3], :process 0, :time 2, :index 1}
{:type :invoke, :f :cas, :value [1 [3 4]], :process 1, :time 3, :index 2}
{:type :ok, :f :cas, :value [1 [3 4]], :process 1, :time 4, :index 3}
{:type :invoke, :f :read, :value [1 nil], :process 2, :time 5, :index 4}
{:type :ok, :f :read, :value [1 ${read}], :process 2, :time 6, :index 5}
`;

const check = (...args: string[]) => execa('node', [bin, 'check', ...args], { reject: false });

async function checkInProcess(dir: string, options: JepsenCheckOptions = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await checkJepsenStore(dir, options, (line) => lines.push(line));
  return { code, lines };
}

describe('faultline check <Jepsen run directory>', () => {
  it('infers list-append from the ops and results.edn, checks it and prints what it inferred (real CLI)', async () => {
    const dir = jepsenRun('etcd-append', {
      'history.edn': staleAppend,
      'results.edn': '{:perf {:valid? true}, :workload {:valid? false, :anomaly-types [:G-single-item-realtime], :not #{:strict-serializable}}, :valid? false}\n',
    });
    const r = await check(dir);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`jepsen run ${dir}: history.edn, 5 ops; results.edn says :valid? false`);
    expect(lines[1]).toBe('workload: list-append, inferred from the ops (transactions of :append :r) and results.edn (:anomaly-types)');
    expect(lines[2]).toMatch(/^ {2}list-append +INVALID +G-single-item-realtime/);
    expect(lines.at(-1)).toBe('verdict:  INVALID');
  });

  it('checks a valid bank run written one op per line, with no results.edn, exit 0 (real CLI)', async () => {
    const dir = jepsenRun('bank-ok', { 'history.edn': bank(100) });
    const r = await check(dir);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('workload: bank, inferred from the ops (:transfer :read, reads of maps)');
    expect(r.stdout).toMatch(/verdict: +VALID/);
  });

  it('says in one line when it cannot tell the workload, naming the flags; the flag then decides (real CLI)', async () => {
    const dir = jepsenRun('counter-adds', {
      'history.edn': '{:type :invoke, :f :add, :value 1, :process 0, :index 0}\n{:type :ok, :f :add, :value 1, :process 0, :index 1}\n{:type :invoke, :f :add, :value 2, :process 0, :index 2}\n',
    });
    const r = await check(dir);
    expect(r.exitCode).toBe(254);
    const error = r.stderr.trim();
    expect(error.split('\n')).toHaveLength(1);
    expect(error).toContain(`cannot tell the workload of ${join(dir, 'history.edn')}: it has adds but no ok read, so it could be a set or a counter`);
    expect(error).toMatch(/give --workload \(list-append, rw-register, set, set-full, counter, bank\) or --model \(register, cas-register/);
    const given = await check(dir, '--workload', 'counter');
    expect(given.exitCode).toBe(0);
    expect(given.stdout).toContain('workload: counter, from --workload');
  });

  it('checks registers with the cas-register model, Knossos style, on independent keys', async () => {
    const good = await checkInProcess(jepsenRun('register-ok', { 'history.edn': register(4) }));
    expect(good.code).toBe(0);
    expect(good.lines[1]).toBe('model:    cas-register;nil-read=any (linearizability), inferred from the ops (:write :cas :read, reads of numbers, on [k v] tuples)');
    const bad = await checkInProcess(jepsenRun('register-bad', { 'history.edn': register(7) }));
    expect(bad.code).toBe(1);
    expect(bad.lines[2]).toMatch(/linearizable +INVALID +key 1 not linearizable: read .*7/);
  });

  it('lets --workload and --model win over what it would infer', async () => {
    const dir = jepsenRun('bank-as-flags', { 'history.edn': bank(100) });
    const { lines } = await checkInProcess(dir, { workload: 'bank', negativeAllowed: true });
    expect(lines[1]).toBe('workload: bank, from --workload');
    const set = jepsenRun('set-as-flags', { 'history.edn': '{:type :invoke, :f :add, :value 1, :process 0}\n{:type :ok, :f :add, :value 1, :process 0}\n{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :value #{1}, :process 0}\n' });
    expect((await checkInProcess(set)).lines[1]).toMatch(/^workload: set-full, inferred/);
    expect((await checkInProcess(set, { workload: 'set' })).lines[1]).toBe('workload: set, from --workload');
    await expect(checkInProcess(dir, { model: 'regsiter' })).rejects.toThrow(/unknown model "regsiter"/);
    await expect(checkInProcess(dir, { format: 'jsonl' })).rejects.toThrow('--format "jsonl" does not apply to a Jepsen run directory; its history is history.edn (edn)');
  });

  it('prints one JSON object with --json, with Jepsen\'s own verdict beside ours', async () => {
    const dir = jepsenRun('bank-json', { 'history.edn': bank(120), 'results.edn': '{:valid? :unknown, :workload {:valid? true}}' });
    const { code, lines } = await checkInProcess(dir, { json: true });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ workload: 'bank', jepsenValid: 'unknown', valid: false, ops: 6, result: { errorCount: 1 } });
  });

  it('names the line of a malformed history.edn, and still checks when results.edn cannot be read', async () => {
    const broken = jepsenRun('broken', { 'history.edn': `${bank(100)}{:type :invoke, :f :transfer, :value {:from 0, :to 1}, :process 2}\n` });
    await expect(checkInProcess(broken)).rejects.toThrow(`${join(broken, 'history.edn')} line 7: expected a transfer {:from a, :to b, :amount n}, got {"from":0,"to":1}`);
    const { code, lines } = await checkInProcess(jepsenRun('bad-results', { 'history.edn': bank(100), 'results.edn': '{:valid? true' }));
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/; results\.edn not read: .*results\.edn line 1: expected "}", got "end of input"$/);
  });

  it('is a Jepsen directory only with history.edn and without faultline run files', () => {
    const dir = jepsenRun('both', { 'history.edn': bank(100) });
    expect(isJepsenStoreDir(dir)).toBe(true);
    writeFileSync(join(dir, 'history.jsonl'), '');
    expect(isJepsenStoreDir(dir)).toBe(false);
    expect(isJepsenStoreDir(mkdtempSync(join(tmpdir(), 'faultline-empty-')))).toBe(false);
  });
});
