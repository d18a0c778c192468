// Checking a stored run: read its history.jsonl, run the checkers of its test, write results.json
// and report.html. An ordinary history is checked in this thread. A big one (a long soak writes
// millions of ops) is checked in a worker thread whose heap may use most of the machine's memory,
// far above Node's default of about 4 GiB; if even that is not enough, the worker alone runs out
// of memory and the check fails in one line naming the sizes, instead of V8 aborting the process.
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readNodeLogs } from '../reports/node-annotations.js';
import { renderReport } from '../reports/render-report.js';
import { composeCheckers, type CheckResult } from './checker.js';
import type { Registry } from './define/registry.js';
import type { Op } from './op.js';
import { checkersFor } from './resolve.js';
import { markIncomplete, runIncompleteReason, type RunFacts } from './run-facts.js';
import { readStoredHistory } from './run-history.js';
import { replayCommand, type TestSpec } from './spec.js';
import { RUN_FILES, writeFileWhole } from './store.js';

/** A history.jsonl bigger than this is checked in a worker thread with a larger heap. */
export const WORKER_HISTORY_BYTES = 64 * 2 ** 20;

export interface CheckPlace {
  /** Check in a worker thread whatever the history's size (tests); default: only above WORKER_HISTORY_BYTES. */
  worker?: boolean;
  /** The worker's heap limit in MiB; default: three quarters of the machine's memory, at least 4096. */
  heapMb?: number;
}

/** The error of a check that needed more memory than its worker's heap limit. */
export class CheckOutOfMemory extends Error {}

/** What the worker thread is given; see check-worker.ts. */
export interface CheckJob {
  spec: TestSpec;
  /** The registry's modules: the worker imports them to rebuild it. */
  modules: readonly string[];
  dir: string;
  facts: RunFacts;
}

/** What the worker thread answers: results.json's text, or the error of the check in one line. */
export type CheckAnswer = { results: string } | { error: string };

/** Checks the history on disk, writes results.json and report.html, and returns the composed result. */
export async function checkStoredRun(spec: TestSpec, dir: string, facts: RunFacts, registry: Registry, place: CheckPlace = {}): Promise<CheckResult> {
  const historyPath = join(dir, RUN_FILES.history);
  const bytes = sizeOf(historyPath);
  if (!(place.worker ?? bytes > WORKER_HISTORY_BYTES)) return checkRun(spec, readStoredHistory(historyPath), dir, facts, registry);
  return checkInWorker({ spec, modules: registry.modules, dir, facts }, place.heapMb ?? defaultHeapMb(), bytes);
}

/** Checks a history, writes results.json and report.html, and returns the composed result. */
export async function checkRun(spec: TestSpec, history: readonly Op[], dir: string, run: RunFacts, registry: Registry): Promise<CheckResult> {
  const checked = await composeCheckers(checkersFor(spec, registry))(history, { test: spec as unknown as Record<string, unknown> });
  const incomplete = runIncompleteReason(run);
  const results = incomplete === undefined ? checked : markIncomplete(checked, incomplete);
  writeFileWhole(join(dir, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
  const nodeLogs = readNodeLogs(dir, run.historyEpochMs, history);
  const html = renderReport({
    test: spec as unknown as Record<string, unknown>,
    history,
    results,
    nodeEvents: nodeLogs.events,
    nodeLogs: nodeLogs.logs,
    ...(nodeLogs.note !== undefined && { nodeEventsNote: nodeLogs.note }),
    run: {
      dir,
      startedAt: run.startedAt,
      durationMs: run.durationMs ?? 0,
      replayCommand: replayCommand(spec, registry),
      recheckCommand: recheckCommand(dir),
      ...(run.crashed !== undefined && { crashed: run.crashed }),
      ...(incomplete !== undefined && { incomplete }),
    },
  });
  writeFileWhole(join(dir, RUN_FILES.report), html);
  return results;
}

export function recheckCommand(dir: string): string {
  return `npx faultline check ${relative(process.cwd(), dir) || '.'}`;
}

function checkInWorker(job: CheckJob, heapMb: number, bytes: number): Promise<CheckResult> {
  const worker = new Worker(workerUrl(), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdout: false, stderr: false });
  return new Promise<CheckResult>((resolve, reject) => {
    let answer: CheckAnswer | undefined;
    worker.on('message', (message: CheckAnswer) => (answer = message));
    worker.on('error', (err: Error & { code?: string }) => {
      reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new CheckOutOfMemory(`checking ${job.dir} ran out of memory: its history.jsonl is ${mib(bytes)} MiB and the checkers' heap is limited to ${heapMb} MiB (three quarters of this machine's ${mib(totalmem())} MiB); check it on a machine with more memory`)
        : err);
    });
    worker.on('exit', (code) => {
      if (answer === undefined) reject(new Error(`the check of ${job.dir} ended without an answer (worker exit code ${code})`));
      else if ('error' in answer) reject(new Error(answer.error));
      else resolve(JSON.parse(answer.results) as CheckResult);
    });
  });
}

/** The compiled worker: beside this module in dist, or in dist when this module runs from source (vitest). */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../dist/src/check-worker.js', import.meta.url) : new URL('./check-worker.js', import.meta.url);
}

function defaultHeapMb(): number {
  return Math.max(4096, Math.floor((totalmem() * 0.75) / 2 ** 20));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // readStoredHistory names the missing file in faultline's words
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}
