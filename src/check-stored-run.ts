// Checking a stored run: read its history.jsonl, run the checkers of its test, write results.json.
// The report is a step after checking, made from the stored run by the edge (a ReportStep). An
// ordinary history is checked in this thread. A big one (a long soak writes millions of ops) is
// checked in a worker thread whose heap may use most of the machine's memory, far above Node's
// default of about 4 GiB; if even that is not enough, the worker alone runs out of memory and the
// check fails in one line naming the sizes, instead of V8 aborting the process. A report step over
// a big history runs in such a worker too (runInWorker).
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { composeCheckers, type CheckResult } from './checker.js';
import { loadFileDefinitions } from './define/config.js';
import { createRegistry, definitionsIn, type Definition, type Registry } from './define/registry.js';
import type { Op } from './op.js';
import { checkersFor } from './resolve.js';
import { markIncomplete, runIncompleteReason, type RunFacts } from './run-facts.js';
import { readStoredHistory } from './run-history.js';
import type { TestSpec } from './spec.js';
import { DEFAULT_SHRINK, shrinkInvalidRun, type ShrinkSettings } from './shrink/shrink-run.js';
import { RUN_FILES, writeFileWhole } from './store.js';

/** A history.jsonl bigger than this is checked (and its report made) in a worker thread with a larger heap. */
export const WORKER_HISTORY_BYTES = 64 * 2 ** 20;

export interface CheckPlace {
  /** Check in a worker thread whatever the history's size (tests); default: only above WORKER_HISTORY_BYTES. */
  worker?: boolean;
  /** The worker's heap limit in MiB; default: three quarters of the machine's memory, at least 4096. */
  heapMb?: number;
  /** How much an invalid run's history may be shrunk to its witness (witness.jsonl); default DEFAULT_SHRINK. */
  shrink?: ShrinkSettings;
}

/** The error of a check (or of its report) that needed more memory than its worker's heap limit. */
export class CheckOutOfMemory extends Error {}

/** What the worker thread is given; see check-worker.ts. */
export interface CheckJob {
  spec: TestSpec;
  /** The registry's modules: the worker imports them to rebuild it. */
  modules: readonly string[];
  dir: string;
  facts: RunFacts;
  /** The shrink budget (its progress lines go to the worker's stderr). */
  shrink: Omit<ShrinkSettings, 'progress'>;
}

/** What a worker thread answers: its result as text (results.json's, for the check), or its error in one line. */
export type WorkerAnswer = { answer: string } | { error: string };

/**
 * The step after checking, given by the edge (the core names no renderer): writes report.html from
 * the checked run stored in `dir`, in this thread or a worker thread as `place` and the history's size say.
 */
export type ReportStep = (dir: string, registry: Registry, place?: CheckPlace) => Promise<void>;

/** Checks the history on disk, writes results.json, and returns the composed result. */
export async function checkStoredRun(spec: TestSpec, dir: string, facts: RunFacts, registry: Registry, place: CheckPlace = {}): Promise<CheckResult> {
  const historyPath = join(dir, RUN_FILES.history);
  const worker = registry.rebuildable ? workerPlace(historyPath, place) : undefined;
  const shrink = place.shrink ?? DEFAULT_SHRINK;
  if (worker === undefined) return checkRun(spec, readStoredHistory(historyPath), dir, facts, registry, shrink);
  const job: CheckJob = { spec, modules: registry.modules, dir, facts, shrink: { budgetS: shrink.budgetS, maxCalls: shrink.maxCalls } };
  const answer = await runInWorker(checkWorkerUrl(), job, worker, { doing: `checking ${dir}`, step: `the check of ${dir}`, heap: "the checkers' heap" });
  return JSON.parse(answer) as CheckResult;
}

/** Checks a history, shrinks it to witness.jsonl when it is invalid, writes results.json, and returns the composed result. */
export async function checkRun(spec: TestSpec, history: readonly Op[], dir: string, run: RunFacts, registry: Registry, shrink: ShrinkSettings = DEFAULT_SHRINK): Promise<CheckResult> {
  const checkers = checkersFor(spec, registry);
  const ctx = { test: spec as unknown as Record<string, unknown> };
  const checked = await composeCheckers(checkers)(history, ctx);
  const witness = await shrinkInvalidRun(history, checked, checkers, ctx, dir, shrink);
  const incomplete = runIncompleteReason(run);
  const withWitness = witness === undefined ? checked : { ...checked, witness };
  const results = incomplete === undefined ? withWitness : markIncomplete(withWitness, incomplete);
  writeFileWhole(join(dir, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
  return results;
}

/** The command that re-checks the run in `dir` (and makes its report again). */
export function recheckCommand(dir: string): string {
  return `npx faultline check ${relative(process.cwd(), dir) || '.'}`;
}

/** Where a step over a big history runs: a worker thread with this heap, for a history of this size. */
export interface WorkerPlace {
  heapMb: number;
  bytes: number;
}

/** The worker thread for a step over the history at `historyPath`, or undefined to take it in this thread. */
export function workerPlace(historyPath: string, place: CheckPlace): WorkerPlace | undefined {
  const bytes = sizeOf(historyPath);
  if (!(place.worker ?? bytes > WORKER_HISTORY_BYTES)) return undefined;
  return { heapMb: place.heapMb ?? defaultHeapMb(), bytes };
}

/** How a step in a worker is named in its errors: `doing` ran out of memory, `step` ended without an answer, `heap` is limited. */
export interface WorkerStepNames {
  doing: string;
  step: string;
  heap: string;
}

/**
 * Runs a compiled worker module (`url`, given `job` as its workerData) with the heap of `at`, and
 * resolves with the text it answers (see WorkerAnswer); its error, or CheckOutOfMemory, in one line.
 */
export function runInWorker(url: URL, job: unknown, at: WorkerPlace, names: WorkerStepNames): Promise<string> {
  const worker = new Worker(url, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: at.heapMb }, stdout: false, stderr: false });
  return new Promise<string>((resolve, reject) => {
    let answer: WorkerAnswer | undefined;
    worker.on('message', (message: WorkerAnswer) => (answer = message));
    worker.on('error', (err: Error & { code?: string }) => {
      reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new CheckOutOfMemory(`${names.doing} ran out of memory: its history.jsonl is ${mib(at.bytes)} MiB and ${names.heap} is limited to ${at.heapMb} MiB (three quarters of this machine's ${mib(totalmem())} MiB); check it on a machine with more memory`)
        : err);
    });
    worker.on('exit', (code) => {
      if (answer === undefined) reject(new Error(`${names.step} ended without an answer (worker exit code ${code})`));
      else if ('error' in answer) reject(new Error(answer.error));
      else resolve(answer.answer);
    });
  });
}

/** In a worker thread: takes `step` and posts its answer (or its error in one line) to the thread that started it. */
export async function answerParent(step: () => Promise<string> | string): Promise<void> {
  let answer: WorkerAnswer;
  try {
    answer = { answer: await step() };
  } catch (err) {
    answer = { error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(answer);
}

/** The compiled check worker: beside this module in dist, or in dist when this module runs from source (vitest). */
function checkWorkerUrl(): URL {
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

/**
 * The registry a worker thread rebuilds from its modules: faultline's own (tests run them from
 * source, so they are imported from dist) and a user's files by path, through the TypeScript loader,
 * each definition keeping its file as its source.
 */
export async function registryInWorker(modules: readonly string[]): Promise<Registry> {
  const definitions: Definition[] = [];
  for (const module of modules) {
    if (module.startsWith('file:')) {
      const match = /^(file:\/\/.*)\/(src|workloads|nemesis|checkers)\/(.*)\.ts$/.exec(module);
      const compiled = match === null || module.includes('/dist/') ? module : `${match[1]}/dist/${match[2]}/${match[3]}.js`;
      definitions.push(...definitionsIn((await import(compiled)) as Record<string, unknown>));
    } else {
      definitions.push(...(await loadFileDefinitions(module)).map((l) => ({ ...l.definition, source: l.path }) as Definition));
    }
  }
  return createRegistry(definitions, modules);
}
