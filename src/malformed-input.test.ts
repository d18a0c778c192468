// The fuzz suite of issue 12: generated malformed histories (jsonl, EDN, elle-cli JSON, etcd and kv
// logs), run directories and Jepsen directories with missing, corrupt or cut files, and command
// lines. The bulk runs in process through the entry points the CLI calls; a sample runs through the
// real CLI (bin/faultline.js, built by `pretest`). The property: one clear line on error, a
// documented exit code, no stack trace or internal message, never valid on a history with no ok op.
// `npm run fuzz -- 1000` runs 1,000 generated cases through the real CLI and prints the figures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCaseArb, inProcessCaseArb } from '../test-support/fuzz-inputs.js';
import { runCaseCli, runCaseInProcess } from '../test-support/fuzz-run.js';

const IN_PROCESS_RUNS = Number(process.env['FAULTLINE_FUZZ_IN_PROCESS'] ?? 300);
const CLI_RUNS = Number(process.env['FAULTLINE_FUZZ_CLI'] ?? 16);

describe('malformed input (fuzz)', () => {
  it(`${IN_PROCESS_RUNS} generated cases in process: one-line errors, exit 0-2, never valid without an ok op`, async () => {
    await fc.assert(
      fc.asyncProperty(inProcessCaseArb, async (c) => {
        expect(await runCaseInProcess(c), JSON.stringify(c.args)).toEqual([]);
      }),
      { numRuns: IN_PROCESS_RUNS },
    );
  }, 120_000);

  it(`${CLI_RUNS} generated cases through the real CLI: one "faultline: " line, documented exit codes, no stack trace`, async () => {
    const cases = fc.sample(fuzzCaseArb, CLI_RUNS);
    const failures: string[] = [];
    // Two at a time: the machine has two cores.
    for (let i = 0; i < cases.length; i += 2) {
      const results = await Promise.all(cases.slice(i, i + 2).map((c) => runCaseCli(c)));
      results.forEach((r, j) => {
        if (r.problems.length > 0) failures.push(`${JSON.stringify(cases[i + j]!.args)} (${cases[i + j]!.kind}): ${r.problems.join('; ')}`);
      });
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
