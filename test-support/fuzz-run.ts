// Running a generated case: through the real CLI (node bin/faultline.js, built), or in process
// through the entry point the CLI would call. Each case gets its own directory as working directory.
import { builtins } from '../src/builtins.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { checkFiles } from '../src/check-files.js';
import { checkWorkloadFiles } from '../src/check-workload-files.js';
import { checkJepsenStore } from '../src/jepsen-store.js';
import { recheckRun } from '../src/run.js';
import { renderStoredRun } from '../reports/render-stored-run.js';
import type { FuzzCase } from './fuzz-inputs.js';
import { writeCase } from './fuzz-inputs.js';
import { judgeCli, judgeInProcess, type CliOutcome } from './fuzz-judge.js';

/** The CLI's path: $FAULTLINE_FUZZ_BIN, else bin/faultline.js of the checkout this file is in (as test-support/ or dist/test-support/). */
export function faultlineBin(): string {
  const given = process.env['FAULTLINE_FUZZ_BIN'];
  if (given) return given;
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'bin', 'faultline.js');
  }
  throw new Error(`no package.json above ${import.meta.dirname}`);
}

/** A case run in a fresh directory, removed after. */
async function inCaseDir<T>(c: FuzzCase, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-fuzz-'));
  try {
    writeCase(dir, c);
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the real CLI on a case; returns what it did and its problems. */
export async function runCaseCli(c: FuzzCase, timeoutMs = 60_000): Promise<{ outcome: CliOutcome; problems: string[]; ms: number }> {
  return inCaseDir(c, async (dir) => {
    const started = performance.now();
    const r = await execa('node', [faultlineBin(), ...c.args], { cwd: dir, reject: false, timeout: timeoutMs, stdin: 'ignore', env: { NO_COLOR: '1' } });
    const outcome: CliOutcome = { exitCode: r.timedOut ? undefined : r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    const problems = judgeCli(c, outcome);
    if (r.timedOut) problems.push(`did not finish within ${timeoutMs / 1000} s`);
    return { outcome, problems, ms: performance.now() - started };
  });
}

/** Runs a case through the entry point the CLI would call, in this process. */
export async function runCaseInProcess(c: FuzzCase): Promise<string[]> {
  const call = c.call;
  if (!call) return [];
  return inCaseDir(c, async (dir) => {
    const lines: string[] = [];
    const out = (line: string): void => {
      lines.push(line);
    };
    try {
      let exitCode: number;
      switch (call.entry) {
        case 'checkFiles':
          exitCode = await checkFiles([join(dir, call.file)], { model: call.model, json: false, ...(call.format && { format: call.format }) }, out);
          break;
        case 'checkWorkloadFiles':
          exitCode = await checkWorkloadFiles([join(dir, call.file)], { workload: call.workload, format: call.format, json: false }, out);
          break;
        case 'recheckRun': {
          const result = await recheckRun(join(dir, call.dir), builtins, {}, renderStoredRun);
          lines.push(JSON.stringify(result.results));
          exitCode = result.exitCode;
          break;
        }
        case 'checkJepsenStore':
          exitCode = await checkJepsenStore(join(dir, call.dir), { workload: call.workload, model: call.model }, out);
          break;
      }
      return judgeInProcess(c, { exitCode, lines });
    } catch (thrown) {
      return judgeInProcess(c, { thrown });
    }
  });
}
