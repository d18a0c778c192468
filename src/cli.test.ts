// End to end through the real command: a short chaos run on local raft nodes, then a re-check.
import { builtins } from './builtins.js';
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { resolveSpec } from './spec.js';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');
const faultline = (...args: string[]) => execa('node', [bin, ...args], { reject: false });

/** Asserts a usage error: exit 254 and exactly one stderr line, `faultline: ` and then `message`. */
function expectUsageError(r: { exitCode?: number | undefined; stdout: string; stderr: string }, message: string | RegExp): void {
  expect(r.exitCode, r.stderr).toBe(254);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith('faultline: '), lines[0]).toBe(true);
  if (typeof message === 'string') expect(lines[0]!.slice('faultline: '.length)).toBe(message);
  else expect(lines[0]!.slice('faultline: '.length)).toMatch(message);
}

describe('faultline CLI', () => {
  it('runs a short chaos test, writes the run directory, and re-checks it to the same verdict', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
    const run = await execa('node', [bin, 'test', '--time-limit', '6', '--nemesis', 'partition,kill', '--nemesis-interval', '1.5', '--seed', '11', '--store', store], { reject: false });
    expect(run.stderr).not.toMatch(/crashed/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/verdict: +VALID/);
    expect(run.stdout).toMatch(/rerun: +npx faultline test .*--seed 11/);
    const dir = realpathSync(join(store, 'latest'));
    for (const file of ['test.json', 'history.jsonl', 'results.json', 'report.html', 'nodes/n1/node.log']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const history = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(history.filter((op) => op.type === 'ok').length).toBeGreaterThan(50);
    expect(history.some((op) => op.process === 'nemesis' && op.f === 'start-kill')).toBe(true);
    const recheck = await execa('node', [bin, 'check', join(store, 'latest')], { reject: false });
    expect(recheck.exitCode).toBe(0);
    expect(recheck.stdout).toMatch(/verdict: +VALID/);
  }, 90_000);

  it('refuses, before creating the run directory, a run the machine or the options cannot make', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'faultline-preflight-')), 'store');
    expectUsageError(await faultline('test', '--db', 'etcd', '--store', store), '--db etcd cannot run on the local runtime; expected --runtime docker | ssh');
    expectUsageError(await faultline('test', '--nodes', '3', '--concurrency', '10', '--store', store), /^--concurrency 10 is not a multiple of 3/);
    // etcd's clock is out of libfaketime's reach (Go reads it through the vDSO): refused before any container starts.
    expectUsageError(await faultline('test', '--runtime', 'docker', '--db', 'etcd', '--nemesis', 'partition,clock', '--store', store), /^--nemesis clock cannot test --db etcd: etcd is a Go program, .*; drop clock from --nemesis$/);
    expect(existsSync(store)).toBe(false);
  });

  it('rejects a bad option value in one line that names it', async () => {
    const r = await execa('node', [bin, 'test', '--nemesis', 'meteor'], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toMatch(/^faultline: --nemesis "meteor" is not known; expected one of: clock, corrupt, disk, kill, lose-unsynced, membership, memory, packet, partition, pause, restart/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says what a run directory needs when given something else', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'faultline-empty-'));
    const r = await execa('node', [bin, 'check', empty], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/has no history\.jsonl; expected a run directory/);
  });

  it('prints the version of package.json with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await faultline(flag);
      expect(r.exitCode, flag).toBe(0);
      expect(r.stdout, flag).toBe(version);
      expect(r.stderr, flag).toBe('');
    }
  });

  it('prints the help to stdout and exits 0 when called bare or with help', async () => {
    for (const args of [[], ['help']]) {
      const r = await faultline(...args);
      expect(r.exitCode, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: faultline /);
      expect(r.stdout).toMatch(/^ {2}check \[options\] <paths\.\.\.>/m);
      expect(r.stderr).toBe('');
    }
  });

  it('prefixes commander\'s usage errors with faultline: and hints at the help of the command', async () => {
    const option = await faultline('test', '--nosuch');
    expect(option.exitCode).toBe(254);
    expect(option.stderr.trim().split('\n')).toEqual(["faultline: unknown option '--nosuch'", '(run faultline test --help for usage)']);
    const command = await faultline('nosuch');
    expect(command.exitCode).toBe(254);
    expect(command.stderr.trim().split('\n')).toEqual(["faultline: unknown command 'nosuch'", '(run faultline --help for usage)']);
  });

  describe('check, given paths it cannot use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-paths-'));
    const missing = join(dir, 'missing.jsonl');
    const malformed = join(dir, 'malformed.jsonl');
    writeFileSync(malformed, '{"this is": not json\n');
    // A run directory as `faultline test` leaves it, with no ops recorded.
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'test.json'), JSON.stringify(resolveSpec({ seed: 1, nodes: 3, concurrency: 3, nemesis: 'none', storeDir: dir }, builtins)));
    writeFileSync(join(run, 'history.jsonl'), '');

    it('says a missing file does not exist, with or without a checker', async () => {
      expectUsageError(await faultline('check', missing), `${missing} does not exist; expected a run directory (e.g. store/latest), or history files with --model or --workload`);
      expectUsageError(await faultline('check', missing, '--model', 'register'), `history file ${missing} does not exist`);
      expectUsageError(await faultline('check', malformed, missing, '--model', 'register'), `history file ${missing} does not exist`);
      expectUsageError(await faultline('check', missing, '--workload', 'bank', '--format', 'edn'), `history file ${missing} does not exist`);
    });

    it('refuses a directory among history files, and a directory that is not a run directory', async () => {
      expectUsageError(await faultline('check', malformed, run, '--model', 'register'), `${run} is a directory; --model expects history files (a run directory is re-checked alone, without --model or --workload)`);
      const empty = mkdtempSync(join(tmpdir(), 'faultline-not-a-run-'));
      expectUsageError(await faultline('check', empty, '--model', 'register'), `${empty} has no history.jsonl; expected a run directory written by \`faultline test\``);
    });

    it('keeps a malformed existing file a per-file unknown', async () => {
      const r = await faultline('check', malformed, '--model', 'register');
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toMatch(new RegExp(`^${malformed}\tunknown\t`));
    });

    it('refuses an unknown --format and history-file options on a run directory, and re-checks it without them', async () => {
      expectUsageError(await faultline('check', run, '--format', 'nosuch'), '--format "nosuch" is not known; expected one of: jsonl, edn, json, etcd-log, kv-log');
      expectUsageError(await faultline('check', run, '--model', 'register'), `--model does not apply to a run directory (${run} is re-checked with the checkers of its test.json); it is for history files`);
      expectUsageError(await faultline('check', run, '--json', '--timeout-s', '3'), /^--timeout-s, --json do not apply to a run directory/);
      expect(existsSync(join(run, 'results.json'))).toBe(false);
      // Re-checked without them: an empty history of a run that left no run.json proves nothing.
      const recheck = await faultline('check', run);
      expect(recheck.exitCode, recheck.stderr).toBe(2);
      expect(recheck.stdout).toMatch(/verdict: +UNKNOWN\n +INCOMPLETE: run\.json is missing/);
    });
  });

  it('refuses an empty --nemesis list or item before starting anything', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-nemesis-'));
    expectUsageError(await faultline('test', '--nemesis', '', '--store', store), `--nemesis "" is an empty list; expected faults, comma separated (${[...builtins.faults.keys()].join(', ')}), or none for no faults, or all`);
    expectUsageError(await faultline('test', '--nemesis', 'partition,,kill', '--store', store), /^--nemesis "partition,,kill" has an empty item; /);
    expect(existsSync(join(store, 'latest'))).toBe(false);
  });

  it('refuses Nn concurrency that is not a positive whole N', async () => {
    for (const value of ['0n', 'n', '-1n', '2.5n']) {
      expectUsageError(await faultline('test', `--concurrency=${value}`, '--nodes', '3'), `--concurrency "${value}" is not valid; expected a whole number from 1 to 1000, or Nn for N times the node count (e.g. 2n: 6 on 3 nodes)`);
    }
  });

  it('runs --concurrency 2n as twice the nodes, and an interrupted run says how much of its workload ran', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-interrupt-'));
    const child = execa('node', [bin, 'test', '--nodes', '3', '--concurrency', '2n', '--nemesis', 'none', '--time-limit', '30', '--seed', '4', '--store', store], { reject: false });
    // Interrupt once the workload has recorded ops: Ctrl-C reaches the CLI as SIGINT.
    const history = () => join(store, 'latest', 'history.jsonl');
    const deadline = Date.now() + 30_000;
    while (!(existsSync(history()) && statSync(history()).size > 0) && Date.now() < deadline) await sleep(100);
    await sleep(1000);
    child.kill('SIGINT');
    const r = await child;
    expect(r.stdout).toMatch(/^faultline test \S+: seed 4, 3 nodes, 6 processes, 30 s/);
    const interrupted = /^interrupted: after ([0-9.]+) s of its 30 s workload; /m.exec(r.stdout);
    expect(interrupted, r.stdout).not.toBeNull();
    const afterS = Number(interrupted![1]);
    expect(afterS).toBeGreaterThan(0.5);
    expect(afterS).toBeLessThan(29);
    // The replay line replays the whole test; the note comes right before it.
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-3)).toMatch(/^interrupted: after [0-9.]+ s of its 30 s workload; the verdict covers what ran, the rerun below runs all 30 s \(exit 130\)$/);
    expect(lines.at(-2)).toMatch(/^replay: +npx faultline test --replay \S+$/);
    expect(r.exitCode).toBe(130);
    // The interrupted run still healed and checked: its results say so and are not valid.
    const results = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8')) as { valid: unknown; incomplete: unknown };
    expect(results.valid).not.toBe(true);
    expect(results.incomplete).toMatch(/^interrupted during workload, after [0-9.]+ s of workload; no final reads$/);
    expect(lines.at(-1)).toMatch(/^rerun: +npx faultline test --nodes 3 --concurrency 6 --time-limit 30 .*--seed 4$/);
    const spec = JSON.parse(readFileSync(join(store, 'latest', 'test.json'), 'utf8')) as { concurrency: unknown };
    expect(spec.concurrency).toBe(6);
  }, 90_000);
});
