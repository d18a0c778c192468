// The run lifecycle (DESIGN.md §4), top to bottom: resolve and record the spec, start the
// cluster, run the workload under faults, heal and read, tear down (always), check and report.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readNodeLogs } from '../reports/node-annotations.js';
import { renderReport } from '../reports/render-report.js';
import { composeCheckers, type CheckResult } from './checker.js';
import { any, clients, nemesis, timeLimit } from './generator.js';
import { readJsonlHistory } from './formats/jsonl.js';
import { HistoryWriter } from './history-file.js';
import { Interpreter } from './interpreter.js';
import type { Op } from './op.js';
import { Progress } from './progress.js';
import { createRandom } from './random.js';
import { checkersFor, resolveTest, type LiveTest } from './resolve.js';
import { replayCommand, type TestSpec } from './spec.js';
import { createRunDir, RUN_FILES } from './store.js';
import { WorkerPool } from './worker-pool.js';

export interface RunIo {
  /** Progress and status lines (stderr). */
  status: NodeJS.WriteStream;
  /** Aborting ends the main phase early; the run still heals, tears down, checks and reports. */
  signal?: AbortSignal;
}

export interface RunOutcome {
  dir: string;
  results: CheckResult;
  /** Set when the run itself failed (not the system under test). */
  crashed?: string;
  /** Set when the signal ended the run early: how many seconds of its workload had run by then. */
  interrupted?: { afterS: number };
  exitCode: number;
}

/** Runs one test end to end. Never throws for a failure of the run: it is reported as crashed. */
export async function runTest(spec: TestSpec, io: RunIo): Promise<RunOutcome> {
  // 1. Resolve the spec and write test.json, so the run can be replayed whatever happens next.
  const dir = createRunDir(spec.storeDir, spec.name);
  writeFileSync(join(dir, RUN_FILES.test), JSON.stringify(spec, null, 2) + '\n');
  const startedAt = new Date();
  const history: Op[] = [];
  const writer = new HistoryWriter(join(dir, RUN_FILES.history));
  let live: LiveTest | undefined;
  let crashed: string | undefined;
  const pool = { current: undefined as WorkerPool | undefined };
  const timings = new PhaseTimings();
  let historyEpochMs: number | undefined;
  const progress = new Progress(io.status, spec.timeLimitS, () => pool.current?.now() ?? 0);
  // Workload time when the signal came (0 before the workload started), for the summary.
  let interruptedAtNs: number | undefined;
  const onAbort = () => (interruptedAtNs = pool.current?.now() ?? 0);
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    live = resolveTest(spec, dir);
    await timings.time('setup', () => startCluster(live!, spec, io));
    const workers = new WorkerPool({
      nodes: spec.nodes,
      open: (node) => live!.workload.open(node),
      nemesis: (op) => live!.nemesis.invoke(op),
      opTimeoutMs: spec.opTimeoutMs,
      nemesisTimeoutMs: 60_000,
    });
    pool.current = workers;
    // Wall-clock time of history time 0, to place the nodes' logged events on the history's axis.
    historyEpochMs = Date.now() - workers.now() / 1e6;
    const interpreter = new Interpreter({
      concurrency: spec.concurrency,
      nemesis: true,
      executor: workers,
      random: createRandom(spec.seed).fork('generator'),
      record: (op) => {
        history.push(op);
        writer.append(op);
        progress.record(op);
      },
      nodeOf: (thread) => workers.nodeOf(thread),
      ...(io.signal && { signal: io.signal }),
    });
    progress.start();
    try {
      progress.setPhase('running');
      await timings.time('workload', () => runMainPhase(interpreter, live!, spec));
      progress.setPhase('healing');
      await timings.time('heal+final', () => runFinalPhase(interpreter, live!, spec, history, io));
    } finally {
      progress.stop();
      await workers.close();
    }
  } catch (err) {
    crashed = err instanceof Error ? err.message : String(err);
    io.status.write(`run crashed: ${crashed}\n`);
  } finally {
    // 5. Tear down, always; a teardown error is recorded and never hides the verdict.
    if (live) {
      const runtime = live.runtime;
      await timings.time('teardown', () => runtime.teardown()).catch((err: unknown) => {
        io.status.write(`teardown failed: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    }
    writer.close();
    io.signal?.removeEventListener('abort', onAbort);
  }
  // 6. Check and report.
  const facts: RunFacts = { startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), historyEpochMs, crashed };
  writeFileSync(join(dir, RUN_FILES.run), JSON.stringify(facts, null, 2) + '\n');
  const results = await timings.time('check', () => checkRun(spec, history, dir, facts));
  io.status.write(`timing: ${timings.summary()}\n`);
  const exitCode = crashed !== undefined ? 255 : exitCodeOf(results);
  const interrupted = interruptedAtNs === undefined ? undefined : { afterS: Math.min(spec.timeLimitS, interruptedAtNs / 1e9) };
  return { dir, results, exitCode, ...(crashed !== undefined && { crashed }), ...(interrupted && { interrupted }) };
}

/** How long each lifecycle step took, for the closing status line. */
class PhaseTimings {
  private readonly spent: [string, number][] = [];

  async time<T>(phase: string, step: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await step();
    } finally {
      this.spent.push([phase, performance.now() - start]);
    }
  }

  summary(): string {
    return this.spent.map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`).join(', ');
  }
}

// 2. Start the runtime and the db on every node; wait until ready, with a deadline.
async function startCluster(live: LiveTest, spec: TestSpec, io: RunIo): Promise<void> {
  const mode = spec.db === 'bundled' ? ` (${spec.storeMode})` : '';
  io.status.write(`starting ${spec.nodes.length} ${spec.db} nodes${mode} on the ${spec.runtime} runtime\n`);
  await live.runtime.setup();
  await Promise.all(spec.nodes.map((node) => live.db.start(node, live.dbCtx)));
  await live.db.awaitReady(spec.nodes, live.dbCtx, spec.readyTimeoutS * 1000);
}

// 3. The workload under faults, for the time limit.
async function runMainPhase(interpreter: Interpreter, live: LiveTest, spec: TestSpec): Promise<void> {
  const limitNs = spec.timeLimitS * 1e9;
  await interpreter.run(timeLimit(limitNs, any(clients(live.workload.generator), nemesis(live.nemesis.generator))));
}

// 4. Heal every fault, wait for the cluster to recover, then the workload's final ops.
async function runFinalPhase(interpreter: Interpreter, live: LiveTest, spec: TestSpec, history: readonly Op[], io: RunIo): Promise<void> {
  await interpreter.run(nemesis(live.nemesis.healOps));
  if (io.signal?.aborted) return;
  await live.db.awaitReady(spec.nodes, live.dbCtx, spec.readyTimeoutS * 1000);
  const final = live.workload.finalGenerator?.(history);
  if (final) await interpreter.run(clients(final));
}

/** Facts about a run that neither the spec nor the history holds, kept in run.json for re-checks. */
export interface RunFacts {
  /** ISO timestamp. */
  startedAt: string;
  durationMs: number;
  /** Wall-clock ms at history time 0 (undefined when the run crashed before its workload). */
  historyEpochMs?: number | undefined;
  crashed?: string | undefined;
}

/** Checks a history, writes results.json and report.html, and returns the composed result. */
export async function checkRun(spec: TestSpec, history: readonly Op[], dir: string, run: RunFacts): Promise<CheckResult> {
  const results = await composeCheckers(checkersFor(spec))(history, { test: spec as unknown as Record<string, unknown> });
  writeFileSync(join(dir, RUN_FILES.results), JSON.stringify(results, null, 2) + '\n');
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
      durationMs: run.durationMs,
      replayCommand: replayCommand(spec),
      recheckCommand: recheckCommand(dir),
      ...(run.crashed !== undefined && { crashed: run.crashed }),
    },
  });
  writeFileSync(join(dir, RUN_FILES.report), html);
  return results;
}

/** Re-runs the checkers of a stored run from its test.json and history.jsonl. */
export async function recheckRun(dir: string): Promise<{ spec: TestSpec; results: CheckResult; exitCode: number }> {
  const spec = JSON.parse(readFileSync(join(dir, RUN_FILES.test), 'utf8')) as TestSpec;
  const historyPath = join(dir, RUN_FILES.history);
  const history = readJsonlHistory(readFileSync(historyPath, 'utf8'), historyPath);
  const results = await checkRun(spec, history, dir, readRunFacts(dir));
  return { spec, results, exitCode: exitCodeOf(results) };
}

/** run.json of a run directory; a run from before run.json existed gets what can be known. */
function readRunFacts(dir: string): RunFacts {
  const path = join(dir, RUN_FILES.run);
  if (!existsSync(path)) return { startedAt: statSync(join(dir, RUN_FILES.test)).mtime.toISOString(), durationMs: 0 };
  return JSON.parse(readFileSync(path, 'utf8')) as RunFacts;
}

export function recheckCommand(dir: string): string {
  return `npx faultline check ${relative(process.cwd(), dir) || '.'}`;
}

/** Jepsen's exit codes: 0 valid, 1 invalid, 2 unknown. */
export function exitCodeOf(results: CheckResult): number {
  return results.valid === true ? 0 : results.valid === false ? 1 : 2;
}
