import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchCommand, batchFailure, parseBatch, type BatchStep } from './ssh-batch.js';
import { commandLine } from './shell-quote.js';

/** Runs a batch as sshd would: its command line through a shell. */
function runBatch(steps: BatchStep[]): string {
  return execFileSync('sh', ['-c', commandLine(batchCommand(steps))], { encoding: 'utf8' });
}

describe('ssh command batches', () => {
  it('runs each command with exactly its own words, reporting each one\'s output and status', () => {
    const steps: BatchStep[] = [
      { argv: ['printf', '%s|', 'a b', "it's", '$HOME', ''] },
      { argv: ['sh', '-c', 'echo out; echo err >&2; exit 3', 'x'], mayFail: true },
      { argv: ['echo', 'must', '3', 'may'] },
    ];
    const results = parseBatch(runBatch(steps), steps);
    expect(results).toEqual([
      { argv: steps[0]?.argv, code: 0, output: "a b|it's|$HOME||" },
      { argv: steps[1]?.argv, code: 3, output: 'out\nerr' },
      { argv: steps[2]?.argv, code: 0, output: 'must 3 may' },
    ]);
    expect(batchFailure(results, steps)).toBe("`sh -c echo out; echo err >&2; exit 3 x` exited 3: out\nerr");
    expect(batchFailure(results, steps, (r) => r.output.includes('err'))).toBeUndefined();
  });

  it('stops at the first failure of a command that may not fail', () => {
    const steps: BatchStep[] = [{ argv: ['true'] }, { argv: ['false'] }, { argv: ['echo', 'never'] }];
    const results = parseBatch(runBatch(steps), steps);
    expect(results.map((r) => r.code)).toEqual([0, 1]);
    expect(batchFailure(results, steps)).toBe('`false` exited 1: (no output)');
    expect(batchFailure(parseBatch('', steps), steps)).toBe('the batch stopped after 0 of 3 commands');
  });

  it('refuses an empty batch or command', () => {
    expect(() => batchCommand([])).toThrow('an empty batch cannot be run');
    expect(() => batchCommand([{ argv: [] }])).toThrow('an empty command cannot be run');
  });
});
