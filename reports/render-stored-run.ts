// The report, a step after checking: reads a checked run back from its directory (test.json,
// run.json, history.jsonl, results.json, the nodes' logs) and writes report.html. The CLI gives it
// to the run and the re-check (a ReportStep); a big history is rendered in a worker thread with a
// large heap, as it is checked.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { recheckCommand, runInWorker, workerPlace, type CheckPlace } from '../src/check-stored-run.js';
import type { Registry } from '../src/define/registry.js';
import type { CheckResult } from '../src/checker.js';
import { ioMessage } from '../src/io-error.js';
import type { History } from '../src/op.js';
import { readRunFacts, runIncompleteReason, type RunFacts } from '../src/run-facts.js';
import { readStoredHistory } from '../src/run-history.js';
import { replayRunCommand } from '../src/schedule.js';
import { partsOf, replayCommand, type TestSpec } from '../src/spec.js';
import { readStoredSpec } from '../src/stored-spec.js';
import { RUN_FILES, writeFileWhole } from '../src/store.js';
import { readJsonlFile } from '../src/formats/jsonl.js';
import { readNodeLogs } from './node-annotations.js';
import { renderReport } from './render-report.js';

/** Writes report.html of the checked run in `dir`: in this thread, or in a worker thread when its history is big (or `place` says so). */
export async function renderStoredRun(dir: string, registry: Registry, place: CheckPlace = {}): Promise<void> {
  const worker = registry.rebuildable ? workerPlace(join(dir, RUN_FILES.history), place) : undefined;
  if (worker === undefined) return renderStoredRunHere(dir, registry);
  const job: RenderJob = { dir, modules: registry.modules };
  await runInWorker(renderWorkerUrl(), job, worker, { doing: `rendering the report of ${dir}`, step: `the report of ${dir}`, heap: "the report's heap" });
}

/** Writes report.html of the checked run in `dir`, in this thread. */
export function renderStoredRunHere(dir: string, registry: Registry): void {
  const spec = readStoredSpec(dir, registry);
  const run = readRunFacts(dir);
  const history = readStoredHistory(join(dir, RUN_FILES.history));
  writeFileWhole(join(dir, RUN_FILES.report), runReport({ spec, run, history, results: readResults(dir), dir, registry }));
}

/** What a run's report is made of: the checked run as its directory holds it. */
export interface CheckedRun {
  spec: TestSpec;
  /** The definitions the spec names (for the replay line). */
  registry: Registry;
  run: RunFacts;
  history: History;
  results: CheckResult;
  dir: string;
}

/** The report page of a checked run (node events come from the logs under `dir`). */
export function runReport({ spec, run, history, results, dir, registry }: CheckedRun): string {
  const incomplete = runIncompleteReason(run);
  const nodeLogs = readNodeLogs(dir, run.historyEpochMs, history);
  return renderReport({
    test: spec as unknown as Record<string, unknown>,
    history,
    results,
    nodeEvents: nodeLogs.events,
    nodeLogs: nodeLogs.logs,
    ...(nodeLogs.note !== undefined && { nodeEventsNote: nodeLogs.note }),
    sections: partsOf(spec, registry).workload.report,
    ...witnessOf(results, dir),
    run: {
      dir,
      startedAt: run.startedAt,
      durationMs: run.durationMs ?? 0,
      replayCommand: replayCommand(spec, registry),
      recheckCommand: recheckCommand(dir),
      scheduleReplayCommand: replayRunCommand(dir),
      ...(run.replay !== undefined && { replayOf: { report: relative(dir, join(run.replay.of, RUN_FILES.report)), unreplayed: run.replay.unreplayed.length, ...(run.replay.timing && { timing: run.replay.timing }), ...(run.replay.primaries && { primaries: run.replay.primaries }) } }),
      ...(run.crashed !== undefined && { crashed: run.crashed }),
      ...(incomplete !== undefined && { incomplete }),
      ...(run.manualRecovery !== undefined && { manualRecovery: run.manualRecovery }),
    },
  });
}

/** witness.jsonl when results.json names one, or why it could not be read. */
function witnessOf(results: CheckResult, dir: string): { witness?: History | string } {
  const entry = results['witness'];
  if (typeof entry !== 'object' || entry === null || typeof (entry as Record<string, unknown>)['file'] !== 'string') return {};
  const path = join(dir, (entry as Record<string, string>)['file']!);
  try {
    return { witness: readJsonlFile(path) };
  } catch (err) {
    return { witness: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What the render worker is given: the run's directory and the registry's modules. */
export interface RenderJob {
  dir: string;
  modules: readonly string[];
}

/** results.json as the check wrote it; throws one line naming the file when it cannot be read. */
function readResults(dir: string): CheckResult {
  const path = join(dir, RUN_FILES.results);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${ioMessage(err)}; expected the results the check writes before the report`);
  }
  try {
    return JSON.parse(text) as CheckResult;
  } catch {
    throw new Error(`${path} is not JSON (cut short or edited); expected the results the check writes before the report`);
  }
}

/** The compiled render worker: beside this module in dist, or in dist when this module runs from source (vitest). */
function renderWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../dist/reports/render-worker.js', import.meta.url) : new URL('./render-worker.js', import.meta.url);
}
