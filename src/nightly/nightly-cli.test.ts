// `faultline nightly` through the built command: a dry run of the example matrix (whole and one
// shard), a bad matrix, budget or shard refused in one line naming the value, and `nightly merge`.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'faultline.js');

describe('faultline nightly (command)', () => {
  it('lists the example matrix on a dry run', async () => {
    const r = await execa('node', [bin, 'nightly', join(root, 'examples', 'nightly-matrix.json'), '--dry-run'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\[1\/10\] bundled-raft-register-partition\+kill seed 1 \(expect valid, cap \d+ s\): npx faultline test /);
    expect(r.stdout).toMatch(/10 runs, 225 s of workload, budget 900 s$/);
  });

  it('refuses a bad matrix in one line naming the value', async () => {
    const matrix = join(mkdtempSync(join(tmpdir(), 'faultline-matrix-')), 'bad.json');
    writeFileSync(matrix, JSON.stringify({ tests: [{ workload: 'register' }, { nemesis: 'partition,meteor' }] }));
    const r = await execa('node', [bin, 'nightly', matrix], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toMatch(/^faultline: .*bad\.json: tests\[1\]: --nemesis "meteor" is not known; expected one of: [a-z, -]*\bpartition\b[^\n]*$/);
  });

  it('refuses a bad budget in one line', async () => {
    const r = await execa('node', [bin, 'nightly', join(root, 'examples', 'nightly-matrix.json'), '--budget', 'soon'], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toBe('faultline: --budget "soon" is not valid; expected a positive number of seconds');
  });

  it('lists one shard of the example matrix on a dry run, with every shard\'s expected time', async () => {
    const r = await execa('node', [bin, 'nightly', join(root, 'examples', 'nightly-matrix.json'), '--shard', '2/3', '--dry-run', '--out', mkdtempSync(join(tmpdir(), 'faultline-out-'))], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\[\d+\/10\] bundled-/);
    expect(r.stdout).toMatch(/\n\d runs, \d+ s of workload, budget 900 s \(shard 2\/3: \d of 10 runs, about \d+ s; the shards \d+, \d+, \d+ s\)$/);
  });

  it.each(['3/2', '0/2', 'x'])('refuses --shard %s in one line', async (shard) => {
    const r = await execa('node', [bin, 'nightly', join(root, 'examples', 'nightly-matrix.json'), '--shard', shard, '--dry-run'], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toBe(`faultline: --shard "${shard}" is not valid; expected K/N, the K-th of N shards with 1 <= K <= N <= 256 (e.g. 2/3)`);
  });

  it('merges into the --out given after the directories', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-merge-'));
    const shard = join(root, '2026-11-23.shard-1-of-1');
    mkdirSync(shard);
    const at = '2026-11-23T02:00:00.000Z';
    writeFileSync(join(shard, 'summary.json'), JSON.stringify({
      version: 1, night: '2026-11-23.shard-1-of-1', matrix: 'm.json', startedAt: at, finishedAt: at, wallS: 0, budgetS: 60, exitCode: 0, runs: [],
      shard: { index: 1, count: 1, matrixSha256: 'ab', assignment: [] },
    }));
    const r = await execa('node', [bin, 'nightly', 'merge', shard, '--out', join(root, 'out')], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(root, 'out', '2026-11-23', 'junit.xml'))).toBe(true);
    expect(existsSync(join(root, 'out', 'trend.html'))).toBe(true);
  });

  it('refuses to merge a directory that is no shard\'s night, with --out after the directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-merge-'));
    const r = await execa('node', [bin, 'nightly', 'merge', dir, '--out', join(dir, 'out')], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toBe(`faultline: nightly merge: ${dir} has no summary.json; expected the night directory of a \`faultline nightly --shard K/N\``);
  });
});
