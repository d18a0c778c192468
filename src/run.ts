// The run lifecycle (DESIGN.md §4), top to bottom: resolve and record the spec, start the
// cluster, run the workload under faults, heal and read, tear down (always), check and report.
//
// A run says exactly what happened. An interrupt ends the workload, then still heals (every stop
// op recorded), tears down, checks what was recorded and reports `interrupted`. A history that
// cannot be written (a full disk) stops the run the same way and ends it as crashed. run.json is
// rewritten at every phase, so a controller that dies leaves a run that re-checks as incomplete.
import { join } from 'node:path';
import type { CheckResult } from './checker.js';
import { checkStoredRun, type CheckPlace, type ReportStep } from './check-stored-run.js';
import { canRecover } from './db-contract.js';
import type { ShrinkSettings } from './shrink/shrink-run.js';
import { any, clients, nemesis, stopAtFailureOn, timeLimit, type Gen } from './generator.js';
import { HistoryWriter } from './history-file.js';
import { Interpreter } from './interpreter.js';
import { Progress } from './progress.js';
import { createRandom } from './random.js';
import { resolveTest, type LiveTest } from './resolve.js';
import { readRunFacts, writeRunFacts, type RunFacts, type RunPhase } from './run-facts.js';
import { streamStoredHistory } from './run-history.js';
import type { Registry } from './define/registry.js';
import { optionsOf, partsOf, type TestSpec } from './spec.js';
import { readStoredSpec } from './stored-spec.js';
import { createRunDir, RUN_FILES, writeFileWhole } from './store.js';
import { WorkerPool } from './worker-pool.js';
import { hasPrimaries } from './db-contract.js';
import { awaitPrimaries, describePrimaryMatch, matchPrimaries, PRIMARY_RESTARTS, PRIMARY_WAIT_MS, type PrimaryMatch } from './first-primaries.js';
import { readSchedule, replayGenerator, replayTiming, scheduleOf, SCHEDULE_FILE, writeSchedule, type Schedule } from './schedule.js';

export type { RunFacts } from './run-facts.js';
export { recheckCommand } from './check-stored-run.js';

export interface RunIo {
  /** The definitions the spec's parts name (the built-ins, and any the user loaded). */
  registry: Registry;
  /** Progress and status lines (stderr). */
  status: NodeJS.WriteStream;
  /** Aborting interrupts the run: the workload ends, the run still heals, tears down, checks and reports. */
  signal?: AbortSignal;
  /** The step after checking: writes report.html from the stored run (the CLI gives the HTML report's); without it, no report. */
  report?: ReportStep;
  /** Replay this schedule (of the run in `of`, an absolute path) in the main phase instead of drawing ops and faults anew. */
  replay?: { of: string; schedule: Schedule };
  /** How far an invalid history is shrunk to witness.jsonl (default DEFAULT_SHRINK; budgetS 0: not at all). */
  shrink?: ShrinkSettings;
}

export interface RunOutcome {
  dir: string;
  results: CheckResult;
  /** Set when the run itself failed (not the system under test). */
  crashed?: string;
  /** Set when the run was interrupted: in which phase, and after how many seconds of workload. */
  interrupted?: { phase: string; workloadS: number };
  exitCode: number;
}

/** Exit code of a run that was interrupted (SIGINT or SIGTERM), whatever its partial verdict: 128 + SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Exit code of a run that crashed (the harness, not the database): Jepsen's. */
export const CRASHED_EXIT_CODE = 255;
/** How long teardown may take before the controller gives up on it and names `faultline cleanup`. */
export const TEARDOWN_DEADLINE_MS = 120_000;

/** Runs one test end to end. Never throws for a failure of the run: it is reported as crashed. */
export async function runTest(spec: TestSpec, io: RunIo): Promise<RunOutcome> {
  // 1. Record the spec first, so the run can be replayed whatever happens next.
  const dir = createRunDir(spec.storeDir, spec.name);
  const startedAt = new Date();
  const facts: RunFacts = { startedAt: startedAt.toISOString(), phase: 'setup' };
  let crashed: string | undefined;
  // The run's own abort: an interrupt from outside, or a history that cannot be written.
  const stop = new AbortController();
  // An interrupt once the final phase is over changes nothing the history says: the run completes.
  let interruptedIn: RunPhase | undefined;
  const onInterrupt = () => {
    if (facts.phase === 'teardown') return;
    interruptedIn ??= facts.phase ?? 'setup';
    stop.abort('interrupted');
  };
  if (io.signal?.aborted) onInterrupt();
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  const writer = new HistoryWriter(join(dir, RUN_FILES.history), {
    onError: (message) => {
      crashed ??= message;
      io.status.write(`\n${message}; stopping the workload, healing and tearing down\n`);
      stop.abort('write-failed');
    },
  });
  const record = (phase: RunFacts['phase']) => {
    facts.phase = phase;
    try {
      writeRunFacts(dir, facts);
    } catch (err) {
      crashed ??= `cannot write ${join(dir, RUN_FILES.run)}: ${messageOf(err)}`;
      stop.abort('write-failed');
    }
  };
  let live: LiveTest | undefined;
  const pool = { current: undefined as WorkerPool | undefined };
  const timings = new PhaseTimings();
  const progress = new Progress(io.status, spec.timeLimitS, () => pool.current?.now() ?? 0);
  let workloadNs = 0;
  let primaryMatch: PrimaryMatch | undefined;
  try {
    writeFileWhole(join(dir, RUN_FILES.test), JSON.stringify(spec, null, 2) + '\n');
    record('setup');
    if (stop.signal.aborted) throw new Error('interrupted before setup');
    live = resolveTest(spec, dir, io.registry);
    await timings.time('setup', async () => {
      // Starting nodes is never abandoned half-way: teardown must find every process it started.
      await startNodes(live!, spec, io);
      await untilAborted(live!.db.awaitReady(spec.nodes, live!.dbCtx, spec.readyTimeoutS * 1000), stop.signal, 'setup');
      primaryMatch = await firstPrimaries(live!, spec, io, facts, stop.signal);
    });
    const workers = new WorkerPool({
      nodes: spec.nodes,
      open: (node) => live!.workload.open(node),
      nemesis: (op) => live!.nemesis.invoke(op),
      opTimeoutMs: spec.opTimeoutMs,
      nemesisTimeoutMs: 60_000,
    });
    pool.current = workers;
    // Wall-clock time of history time 0, to place the nodes' logged events on the history's axis.
    facts.historyEpochMs = Date.now() - workers.now() / 1e6;
    const interpreter = new Interpreter({
      concurrency: spec.concurrency,
      nemesis: true,
      executor: workers,
      random: createRandom(spec.seed).fork('generator'),
      record: (op) => {
        writer.append(op);
        progress.record(op);
      },
      nodeOf: (thread) => workers.nodeOf(thread),
    });
    let mainGenerator: Gen = any(clients(live.workload.generator), nemesis(live.nemesis.generator));
    if (io.replay) {
      const replay = replayGenerator(io.replay.schedule);
      mainGenerator = replay.generator;
      facts.replay = { of: io.replay.of, unreplayed: replay.unreplayed, ...(primaryMatch && { primaries: primaryMatch }) };
      io.status.write(`replaying the schedule of ${io.replay.of}: ${io.replay.schedule.ops.length} ops${replay.unreplayed.length > 0 ? `; not replayed: ${replay.unreplayed.length} fault ops that failed or did nothing the first time` : ''}\n`);
    }
    progress.start();
    try {
      record('workload');
      progress.setPhase('running');
      await timings.time('workload', () => runMainPhase(interpreter, mainGenerator, spec, stop.signal));
      workloadNs = workers.now();
      // Healing happens even after an interrupt or a write failure: faults never outlive the run.
      record('heal');
      progress.setPhase('healing');
      await timings.time('heal', () => interpreter.run(nemesis(live!.nemesis.healOps)));
      if (!stop.signal.aborted) {
        record('final');
        progress.setPhase('final');
        const { unready, manualRecovery, stoppedFinal } = await timings.time('final', () => runFinalPhase(interpreter, live!, spec, join(dir, RUN_FILES.history), writer, stop.signal));
        if (manualRecovery !== undefined) {
          facts.manualRecovery = manualRecovery;
          io.status.write(`the cluster did not recover by itself after healing; ${spec.db.name}'s remedy: ${manualRecovery}\n`);
        }
        if (unready !== undefined) {
          facts.unrecovered = unready;
          const stops = stoppedFinal === undefined ? '' : ` (threads stopped at their first failed one on a node that was still not ready: ${stoppedFinal})`;
          io.status.write(`the cluster did not recover after healing: ${unready}; the final reads ran against it as it was${stops}\n`);
        }
      }
    } finally {
      progress.stop();
      await workers.close();
    }
  } catch (err) {
    if (!(interruptedIn !== undefined && err instanceof Interrupted)) {
      crashed ??= messageOf(err);
      io.status.write(`run crashed: ${crashed}\n`);
    }
  } finally {
    // 5. Tear down, always, within a deadline; a teardown error is recorded and never hides the verdict.
    if (live) {
      record('teardown');
      const runtime = live.runtime;
      await timings.time('teardown', () => withDeadline(runtime.teardown(), TEARDOWN_DEADLINE_MS)).catch((err: unknown) => {
        const message = messageOf(err);
        const hint = message.includes('faultline cleanup') ? '' : '; `npx faultline cleanup` removes what is left';
        io.status.write(`teardown failed: ${message}${hint}\n`);
      });
    }
    writer.close();
    io.signal?.removeEventListener('abort', onInterrupt);
  }
  try {
    recordSchedule(dir, spec, facts, io.replay);
  } catch (err) {
    io.status.write(`could not write ${SCHEDULE_FILE}: ${messageOf(err)}\n`);
  }
  const interrupted = interruptedIn !== undefined && crashed === undefined;
  // 6. Check and report what was recorded.
  facts.durationMs = Date.now() - startedAt.getTime();
  facts.end = crashed !== undefined ? 'crashed' : interrupted ? 'interrupted' : 'complete';
  if (crashed !== undefined) facts.crashed = crashed;
  if (interrupted) facts.interrupted = { phase: interruptedIn ?? 'workload', workloadS: Math.round(workloadNs / 1e7) / 100 };
  if (writer.lost > 0) facts.lostOps = writer.lost;
  record(facts.phase);
  let results: CheckResult;
  try {
    results = await timings.time('check', async () => {
      const checked = await checkStoredRun(spec, dir, facts, io.registry, io.shrink ? { shrink: io.shrink } : {});
      await io.report?.(dir, io.registry);
      return checked;
    });
  } catch (err) {
    // Results or report could not be written (or read back): the run crashed, its history stands.
    crashed ??= messageOf(err);
    results = { valid: 'unknown', summary: `not checked: ${messageOf(err)}` };
  }
  io.status.write(`timing: ${timings.summary()}\n`);
  const exitCode = crashed !== undefined ? CRASHED_EXIT_CODE : interrupted ? INTERRUPTED_EXIT_CODE : exitCodeOf(results);
  return {
    dir,
    results,
    exitCode,
    ...(crashed !== undefined && { crashed }),
    ...(interrupted && facts.interrupted && { interrupted: facts.interrupted }),
  };
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

// 2. Start the runtime and the db on every node (the run then waits until they are ready).
async function startNodes(live: LiveTest, spec: TestSpec, io: RunIo): Promise<void> {
  const words = partsOf(spec, io.registry).db.describe(optionsOf(spec.db) as never);
  io.status.write(`starting ${spec.nodes.length} ${spec.db.name} nodes${words.length > 0 ? ` (${words.join(' ')})` : ''} on the ${spec.runtime} runtime\n`);
  const { leftOut } = spec.nemesis;
  if (leftOut !== undefined) {
    const without = Object.entries(leftOut).map(([fault, why]) => `${fault} (${why})`);
    io.status.write(`--nemesis all: ${spec.nemesis.faults.map((f) => f.name).join(', ') || 'no fault'}${without.length > 0 ? `; left out: ${without.join('; ')}` : ''}\n`);
  }
  await live.runtime.setup();
  await Promise.all(spec.nodes.map((node) => live.db.start(node, live.dbCtx)));
}

/**
 * The primaries the workload starts with, for a db that knows them: waited for (bounded) and
 * recorded in run.json. A replay restarts its cluster until they are the original's (bounded),
 * since the schedule replays ops and faults but not elections; what it got is returned.
 */
async function firstPrimaries(live: LiveTest, spec: TestSpec, io: RunIo, facts: RunFacts, signal: AbortSignal): Promise<PrimaryMatch | undefined> {
  const db = live.db;
  if (!hasPrimaries(db)) return undefined;
  const current = () => awaitPrimaries(() => db.primaries(live.dbCtx), PRIMARY_WAIT_MS, signal);
  facts.primaries = await current();
  io.status.write(`primaries when the workload starts: ${facts.primaries.join(' ') || `none within ${PRIMARY_WAIT_MS / 1000} s`}\n`);
  const recorded = io.replay ? readRunFacts(io.replay.of).primaries : undefined;
  if (recorded === undefined || recorded.length === 0) return undefined;
  const restart = async () => {
    io.status.write(`primaries ${facts.primaries!.join(' ') || 'none'}, not the original's ${recorded.join(' ')}: restarting the cluster\n`);
    await Promise.all(spec.nodes.map((node) => live.runtime.kill(node)));
    await Promise.all(spec.nodes.map((node) => db.start(node, live.dbCtx)));
    await untilAborted(db.awaitReady(spec.nodes, live.dbCtx, spec.readyTimeoutS * 1000), signal, 'setup');
  };
  const match = await matchPrimaries(recorded, facts.primaries, restart, async () => (facts.primaries = await current()), { tries: PRIMARY_RESTARTS, signal });
  io.status.write(`${describePrimaryMatch(match)}\n`);
  return match;
}

// 3. The workload under faults (or a replayed schedule), for the time limit (or until interrupted).
async function runMainPhase(interpreter: Interpreter, generator: Gen, spec: TestSpec, signal: AbortSignal): Promise<void> {
  await interpreter.run(timeLimit(spec.timeLimitS * 1e9, generator), signal);
}

/** Writes the run's schedule next to its history; for a replay, how closely it kept the original's timing. */
function recordSchedule(dir: string, spec: TestSpec, facts: RunFacts, replay: RunIo['replay']): void {
  const schedule = scheduleOf(streamStoredHistory(join(dir, RUN_FILES.history)), spec.concurrency, spec.timeLimitS * 1e9);
  writeSchedule(join(dir, SCHEDULE_FILE), schedule);
  if (replay && facts.replay) facts.replay.timing = replayTiming(replay.schedule, schedule);
}

// 4. After healing: wait for the cluster to recover, then the workload's final ops. The final
// generator sees the history as it is on disk, read as a stream: the controller keeps no history.
// A cluster that does not recover (a node that died after the heal, a leader never elected) is a
// finding about the database, not a crash of the run: its reason is returned, and the final reads
// still run against whatever answers, so the history shows what a client would have seen. A db with
// a manual remedy (RecoverableDb) gets to apply it once first; what it did is returned too.
// On a node that did not recover, a thread's final ops stop at the first that fails: the rest would
// each wait out the op timeout (a dead host's two threads once spent 80 s on 52 reads).
async function runFinalPhase(interpreter: Interpreter, live: LiveTest, spec: TestSpec, historyPath: string, writer: HistoryWriter, signal: AbortSignal): Promise<FinalOutcome> {
  const outcome: FinalOutcome = await awaitRecovery(live, spec, signal);
  writer.flush();
  const final = live.workload.finalGenerator?.(streamStoredHistory(historyPath));
  if (!final) return outcome;
  const unready = outcome.unready === undefined ? new Set<string>() : await nodesNotReady(live, spec, signal);
  const stopped = new Map<string, number>();
  const countStop = (_thread: unknown, node: string) => void stopped.set(node, (stopped.get(node) ?? 0) + 1);
  await interpreter.run(clients(unready.size > 0 ? stopAtFailureOn(unready, final, countStop) : final), signal);
  if (stopped.size > 0) outcome.stoppedFinal = [...stopped].map(([node, threads]) => `${threads} on ${node}`).join(', ');
  return outcome;
}

interface FinalOutcome {
  unready?: string;
  manualRecovery?: string;
  /** Threads whose final ops stopped at their first failure, per unready node ("2 on n3"). */
  stoppedFinal?: string;
}

/** The nodes that fail a readiness check of their own now (one look each, at most 5 s). */
async function nodesNotReady(live: LiveTest, spec: TestSpec, signal: AbortSignal): Promise<Set<string>> {
  const look = async (node: string) => {
    const check = live.db.awaitReady([node], live.dbCtx, 0);
    const ready = await Promise.race([check.then(() => true, () => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref())]);
    return ready ? [] : [node];
  };
  return new Set((await untilAborted(Promise.all(spec.nodes.map(look)), signal, 'final')).flat());
}

/** Waits for the cluster to be ready; if it is not, applies the db's remedy (if it has one) and waits again. */
async function awaitRecovery(live: LiveTest, spec: TestSpec, signal: AbortSignal): Promise<{ unready?: string; manualRecovery?: string }> {
  const ready = () => untilAborted(live.db.awaitReady(spec.nodes, live.dbCtx, spec.readyTimeoutS * 1000), signal, 'final');
  // The first line: the rest is the node's log, which is in the run directory. An interrupt is rethrown.
  const reason = (err: unknown) => {
    if (err instanceof Interrupted || signal.aborted) throw err;
    return messageOf(err).split('\n')[0]!.replace(/[;:]? *last log lines:$/, '');
  };
  let unready: string;
  try {
    await ready();
    return {};
  } catch (err) {
    unready = reason(err);
  }
  const { db } = live;
  if (!canRecover(db)) return { unready };
  let manualRecovery: string | undefined;
  try {
    manualRecovery = await untilAborted(db.recover(spec.nodes, live.dbCtx, spec.readyTimeoutS * 1000), signal, 'final');
  } catch (err) {
    return { unready: `${unready}; then ${spec.db.name}'s remedy failed: ${reason(err)}` };
  }
  if (manualRecovery === undefined) return { unready };
  try {
    await ready();
    return { manualRecovery };
  } catch (err) {
    return { manualRecovery, unready: `${reason(err)} (after ${spec.db.name}'s remedy)` };
  }
}

/** Thrown when an interrupt ends a step that cannot stop by itself (waiting for nodes to start). */
class Interrupted extends Error {}

/** Resolves with `step`, or rejects with Interrupted as soon as `signal` aborts. */
async function untilAborted<T>(step: Promise<T>, signal: AbortSignal, phase: string): Promise<T> {
  if (signal.aborted) {
    step.catch(() => undefined);
    throw new Interrupted(`interrupted during ${phase}`);
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason === 'interrupted' ? new Interrupted(`interrupted during ${phase}`) : new Error(`stopped during ${phase}`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([step, aborted]);
  } finally {
    step.catch(() => undefined);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Re-runs the checkers of a stored run from its test.json and history.jsonl, then `report` (if given) from what they wrote. */
export async function recheckRun(dir: string, registry: Registry, place: CheckPlace = {}, report?: ReportStep): Promise<{ spec: TestSpec; results: CheckResult; exitCode: number; facts: RunFacts }> {
  const spec = readStoredSpec(dir, registry);
  const facts = readRunFacts(dir);
  const results = await checkStoredRun(spec, dir, facts, registry, place);
  await report?.(dir, registry, place);
  return { spec, results, exitCode: exitCodeOf(results), facts };
}

/** Jepsen's exit codes: 0 valid, 1 invalid, 2 unknown (an incomplete run is at best unknown). */
export function exitCodeOf(results: CheckResult): number {
  return results.valid === true ? 0 : results.valid === false ? 1 : 2;
}

function withDeadline<T>(step: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`teardown did not finish within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([step, deadline]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
