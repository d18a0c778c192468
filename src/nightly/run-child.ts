// Runs one test of the night as its own process, `node bin/faultline.js test ...` from an argument
// array, so a run that hangs or dies cannot take the night with it. Past its cap the run gets
// SIGTERM (it stops the workload, heals, tears down and checks what it has), and SIGKILL 60 s later.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RUN_FILES, testDirName } from '../store.js';
import type { PlannedRun } from './matrix.js';
import type { RunStatus } from './night.js';

export interface ChildResult {
  status: Exclude<RunStatus, 'skipped'>;
  wallS: number;
  message?: string;
  /** The run directory the test wrote, if it got that far. */
  runDir?: string;
}

const KILL_AFTER_MS = 60_000;
const STATUS_OF_EXIT: Record<number, ChildResult['status']> = { 0: 'valid', 1: 'invalid', 2: 'unknown' };

/** Runs `run` to the end or its cap, its stdout and stderr appended to `logPath`. */
export async function runChild(run: PlannedRun, logPath: string, signal?: AbortSignal): Promise<ChildResult> {
  const startedMs = Date.now();
  const log = { file: logPath, append: true } as const;
  const { execa } = await import('execa');
  const child = await execa(process.execPath, [faultlineBin(), ...run.args], {
    reject: false,
    stdin: 'ignore',
    stdout: ['pipe', log],
    stderr: ['pipe', log],
    timeout: run.capS * 1000,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: KILL_AFTER_MS,
    ...(signal && { cancelSignal: signal }),
  });
  const wallS = (Date.now() - startedMs) / 1000;
  const runDir = findRunDir(run, startedMs);
  const base = { wallS, ...(runDir && { runDir }) };
  if (child.timedOut) return { ...base, status: 'crashed', message: `exceeded its cap of ${run.capS} s and was stopped` };
  if (child.isCanceled) return { ...base, status: 'crashed', message: 'interrupted: the night was stopped' };
  const status = child.exitCode === undefined ? undefined : STATUS_OF_EXIT[child.exitCode];
  if (status) return { ...base, status };
  const stderr = String(child.stderr ?? '');
  const reason = /^run crashed: (.*)$/m.exec(stderr)?.[1] ?? stderr.trim().split('\n').at(-1) ?? '';
  const how = child.signal ? `was killed by ${child.signal}` : `exited with code ${child.exitCode}`;
  return { ...base, status: 'crashed', message: reason ? `${how}: ${reason}` : how };
}

/** The run directory this run wrote: under store/<test>/, its test.json has our seed and is no older than the start. */
function findRunDir(run: PlannedRun, startedMs: number): string | undefined {
  const base = join(run.spec.storeDir, testDirName(run.test));
  if (!existsSync(base)) return undefined;
  let found: { dir: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const testJson = join(base, entry.name, RUN_FILES.test);
    try {
      const { mtimeMs } = statSync(testJson);
      const seed = (JSON.parse(readFileSync(testJson, 'utf8')) as { seed?: unknown }).seed;
      if (seed === run.seed && mtimeMs >= startedMs - 1000 && (!found || mtimeMs > found.mtimeMs)) found = { dir: join(base, entry.name), mtimeMs };
    } catch {
      // not a run directory, or one being written: not ours
    }
  }
  return found?.dir;
}

/** bin/faultline.js of this checkout, found upwards from this module (src/ or dist/src/). */
export function faultlineBin(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const bin = join(dir, 'bin', 'faultline.js');
    if (existsSync(bin)) return bin;
  }
  throw new Error(`bin/faultline.js not found above ${import.meta.dirname}; expected a faultline checkout`);
}
