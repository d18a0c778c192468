// End to end through the real command: a short chaos run on local raft nodes, then a re-check.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');

describe('faultline CLI', () => {
  it('runs a short chaos test, writes the run directory, and re-checks it to the same verdict', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
    const run = await execa('node', [bin, 'test', '--time-limit', '6', '--nemesis', 'partition,kill', '--nemesis-interval', '1.5', '--seed', '11', '--store', store], { reject: false });
    expect(run.stderr).not.toMatch(/crashed/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/verdict: +VALID/);
    expect(run.stdout).toMatch(/replay: +npx faultline test .*--seed 11/);
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

  it('rejects a bad option value in one line that names it', async () => {
    const r = await execa('node', [bin, 'test', '--nemesis', 'meteor'], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toMatch(/^faultline: --nemesis "meteor" is not known; expected one of: partition, kill, pause/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says what a run directory needs when given something else', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'faultline-empty-'));
    const r = await execa('node', [bin, 'check', empty], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/has no history\.jsonl; expected a run directory/);
  });
});
