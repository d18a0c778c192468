// What `faultline test`, `replay`, `shrink` and `check <run dir>` do once their arguments are
// parsed: run, replay or re-check stored runs and print their verdicts. The command line (cli.ts)
// loads this module on use, so commands that run nothing never load the lifecycle.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderStoredRun } from '../reports/render-stored-run.js';
import type { CheckResult } from './checker.js';
import { CheckOutOfMemory } from './check-stored-run.js';
import { exitWith } from './cli-exit.js';
import { storedRunRegistry, type CommandLineRegistry } from './cli-registry.js';
import type { Registry } from './define/registry.js';
import { preflight } from './preflight.js';
import { freshSeed } from './random.js';
import type { SshSpec } from './runtime/ssh-hosts.js';
import { describePrimaryMatch } from './first-primaries.js';
import { readRunFacts } from './run-facts.js';
import { CRASHED_EXIT_CODE, INTERRUPTED_EXIT_CODE, recheckCommand, recheckRun, runTest } from './run.js';
import { readSchedule, replayRunCommand, SCHEDULE_FILE, type Schedule } from './schedule.js';
import { DEFAULT_SHRINK, witnessLine, type ShrinkSettings, type WitnessEntry } from './shrink/shrink-run.js';
import { shrinkSchedule, sizeOf, type ScheduleSize, type ShrinkCandidate } from './shrink-schedule.js';
import { DEFAULTS, partFlagKeys, replayCommand, resolveSpec, type TestSpec } from './spec.js';
import { resolveRunDir, RUN_FILES } from './store.js';
import { readStoredSpec } from './stored-spec.js';

/** `faultline test` with the options given (`opts`, by commander's names): resolves the spec, checks it, runs it and exits with its code. */
export async function runTestCommand(opts: Record<string, string | undefined>, { registry, nameOf }: CommandLineRegistry, shrink: ShrinkSettings, onSsh?: { ssh: SshSpec; nodesGiven: boolean }): Promise<never> {
  const flat: Record<string, unknown> = {
    nodes: onSsh && !onSsh.nodesGiven ? undefined : opts.nodes, ...(onSsh && { ssh: onSsh.ssh }), concurrency: opts.concurrency, timeLimitS: opts.timeLimit, workload: nameOf('workload', opts.workload ?? DEFAULTS.workload),
    nemesis: (opts.nemesis ?? DEFAULTS.nemesis).split(',').map((item) => nameOf('fault', item.trim())).join(','), nemesisIntervalS: opts.nemesisInterval,
    seed: opts.seed, runtime: opts.runtime, db: nameOf('db', opts.db ?? DEFAULTS.db), rate: opts.rate, opTimeoutMs: opts.opTimeoutMs, readyTimeoutS: opts.readyTimeout,
    checkTimeoutS: opts.checkTimeout, storeDir: opts.store, name: opts.name,
  };
  for (const key of partFlagKeys(registry)) if (opts[key] !== undefined) flat[key] = opts[key];
  const spec = resolveSpec(flat, registry);
  // Everything that can be known before the run is checked before its directory exists.
  await preflight(spec, registry, { pingDocker: pingDockerEngine, reachSshHosts });
  // Exit now: a call into a stuck engine or an abandoned readiness poll must not keep the controller alive.
  return exitWith(await runAndPrint(spec, registry, shrink));
}

/** Logs in to every host of an ssh run before its directory exists: a refused key or an unknown host key is bad input, not a crashed run. */
async function reachSshHosts(spec: TestSpec): Promise<void> {
  const ssh = spec.ssh;
  if (ssh === undefined) return;
  const { SshSession } = await import('./runtime/ssh-session.js');
  const tries = await Promise.allSettled(ssh.hosts.map(async (host) => {
    const session = new SshSession(host, ssh, { connectTimeoutMs: 10_000 });
    await session.connect();
    session.close();
  }));
  const failed = tries.find((t): t is PromiseRejectedResult => t.status === 'rejected');
  if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
}

/** `faultline test --replay <run-dir>`: runs a stored run's schedule again and exits with its code. */
export async function runReplayCommand(path: string, store: string | undefined, registry: Registry, shrink: ShrinkSettings): Promise<never> {
  const replay = await loadReplay(path, store, registry);
  // Exit now: a call into a stuck engine or an abandoned readiness poll must not keep the controller alive.
  return exitWith(await runAndPrint(replay.spec, replay.registry, shrink, replay));
}

/** `faultline replay <run-dir> --times N [--fresh]`: counts how often a stored run fails again, and exits 1 if it did. */
export async function replayTimes(path: string, times: number, opts: { fresh?: boolean; store: string }, registry: Registry): Promise<never> {
  const replay = await loadReplay(path, opts.store, registry);
  const tally = async (label: string, run: (i: number) => Promise<CheckResult & { crashed?: string; note?: string }>): Promise<RunTally> => {
    const counted: RunTally = { runs: 0, invalid: 0, unknown: 0, anomalies: new Map() };
    for (let i = 1; i <= times && !signal.aborted; i++) {
      const results = await run(i);
      // The run an interrupt cut short is not counted: its verdict covers part of its schedule.
      if (signal.aborted) break;
      counted.runs++;
      if (results.valid === false) {
        counted.invalid++;
        for (const anomaly of invalidCheckers(results)) counted.anomalies.set(anomaly, (counted.anomalies.get(anomaly) ?? 0) + 1);
      } else if (results.valid !== true || results.crashed !== undefined) counted.unknown++;
      console.log(`${label} ${i}/${times}: ${results.crashed !== undefined ? 'CRASHED' : verdictWord(results.valid)}${results.valid === false ? ` (${invalidCheckers(results).join(', ')})` : ''}${results.note ? `; ${results.note}` : ''}`);
    }
    return counted;
  };
  const { signal } = interruptible('the running test stops its workload, heals and tears down; the tally so far follows');
  const quiet = { registry: replay.registry, status: process.stderr, report: renderStoredRun, signal };
  const replays = await tally('replay', async () => {
    const outcome = await runTest(replay.spec, { ...quiet, replay });
    const facts = readRunFacts(outcome.dir).replay;
    const note = [facts?.primaries && describePrimaryMatch(facts.primaries), facts?.timing && `invoked late by p50 ${facts.timing.lagMs.p50} ms, p99 ${facts.timing.lagMs.p99} ms`].filter(Boolean).join('; ');
    return { ...outcome.results, ...(outcome.crashed !== undefined && { crashed: outcome.crashed }), ...(note && { note }) };
  });
  const fresh = opts.fresh && !signal.aborted
    ? await tally('fresh', async () => {
      const outcome = await runTest({ ...replay.spec, seed: freshSeed() }, quiet);
      return { ...outcome.results, ...(outcome.crashed !== undefined && { crashed: outcome.crashed }) };
    })
    : undefined;
  console.log(`replays of ${relative(process.cwd(), replay.of) || '.'}: ${describeTally(replays)}`);
  if (fresh) console.log(`fresh seeds of its test: ${describeTally(fresh)}`);
  if (signal.aborted) {
    console.log(`interrupted: ${replays.runs} of ${times} replays${opts.fresh ? ` and ${fresh?.runs ?? 0} of ${times} fresh runs` : ''} counted (exit ${INTERRUPTED_EXIT_CODE})`);
    return exitWith(INTERRUPTED_EXIT_CODE);
  }
  return exitWith(replays.invalid > 0 ? 1 : replays.unknown > 0 ? 2 : 0);
}

/** `faultline shrink <run-dir>`: looks for a smaller schedule that still fails; exits 1 with the smallest one found. */
export async function shrinkRun(path: string, budgetS: number, tries: number, store: string, registry: Registry): Promise<never> {
  const replay = await loadReplay(path, store, registry);
  const original = readStoredResults(replay.of);
  const failing = original.valid === false ? invalidCheckerNames(original) : [];
  if (failing.length === 0) throw new Error(`${relative(process.cwd(), replay.of) || '.'} is ${verdictWord(original.valid)}; shrink needs an invalid run (its failing checkers say what "still fails" means)`);
  const began = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - began) / 1000)}s/${budgetS}s`;
  // Candidates are not shrunk to witnesses: `faultline check` of the smallest one makes its witness.
  const { signal } = interruptible('the running candidate stops, heals and tears down; the smallest failing schedule so far follows');
  const quiet = { registry: replay.registry, status: new NullStatus() as unknown as NodeJS.WriteStream, report: renderStoredRun, shrink: { ...DEFAULT_SHRINK, budgetS: 0 }, signal };
  let smallestDir: string | undefined;
  const stillFails = async (candidate: ShrinkCandidate, what: string): Promise<boolean> => {
    for (let i = 1; i <= tries; i++) {
      if (signal.aborted) return false;
      const outcome = await runTest({ ...replay.spec, timeLimitS: candidate.timeLimitS }, { ...quiet, replay: { of: replay.of, schedule: candidate.schedule } });
      // A candidate an interrupt cut short proves nothing either way: it does not count as failing.
      if (outcome.interrupted) return false;
      const again = invalidCheckerNames(outcome.results);
      if (outcome.crashed === undefined && failing.some((name) => again.includes(name))) {
        smallestDir = outcome.dir;
        console.log(`[shrink ${elapsed()}] ${what}: fails again (try ${i}): ${describeSize(sizeOf(candidate))}`);
        return true;
      }
    }
    console.log(`[shrink ${elapsed()}] ${what}: passed ${tries} replays`);
    return false;
  };
  const start: ShrinkCandidate = { schedule: replay.schedule, timeLimitS: replay.spec.timeLimitS };
  console.log(`shrinking ${relative(process.cwd(), replay.of) || '.'} (${failing.join(', ')} invalid): ${describeSize(sizeOf(start))}; budget ${budgetS} s, ${tries} replays per candidate`);
  if (!(await stillFails(start, 'the whole schedule'))) {
    if (signal.aborted) return exitWith(INTERRUPTED_EXIT_CODE);
    console.log(`the whole schedule did not fail again in ${tries} replays: nothing to shrink (try --tries ${tries * 3}, or measure its rate with faultline replay --times 10)`);
    return exitWith(2);
  }
  const out = await shrinkSchedule(start, stillFails, () => signal.aborted || Date.now() - began > budgetS * 1000);
  console.log(`from: ${describeSize(sizeOf(start))}`);
  const cut = signal.aborted ? ' (interrupted: maybe not the smallest)' : out.outOfBudget ? ' (the budget ran out: maybe not the smallest)' : '';
  console.log(`to:   ${describeSize(sizeOf(out.best))}${cut}; ${out.steps.length} candidates in ${Math.round((Date.now() - began) / 1000)} s`);
  console.log(`replay: ${replayRunCommand(smallestDir!)}`);
  return exitWith(signal.aborted ? INTERRUPTED_EXIT_CODE : 1);
}

/** `faultline check <run dir>`: re-checks a stored run, prints its summary and sets the exit code. */
export async function recheckRunDir(dir: string, registry: Registry, shrink: ShrinkSettings): Promise<void> {
  const stored = await storedRunRegistry(registry, dir);
  const { results, exitCode, facts } = await recheckRun(dir, stored, { shrink }, renderStoredRun).catch(async (err: unknown) => {
    // A check that ran out of memory says so in one line and is the harness's failure: 255.
    if (!(err instanceof CheckOutOfMemory)) throw err;
    console.error(`faultline: ${err.message}`);
    return exitWith(CRASHED_EXIT_CODE);
  });
  printSummary(results, dir, facts.crashed);
  process.exitCode = exitCode;
}

/**
 * Ctrl-C for a command that runs tests. First SIGINT/SIGTERM: aborts the signal (the running test
 * ends its workload, heals, tears down, checks and reports; `stopping` says what the command does
 * after it). Second: stop now (the history on disk stays whole lines; local nodes are killed by
 * their recorded PIDs). npx forwards the terminal's SIGINT to the controller, which also got it
 * from the terminal: a second signal within a second of the first is the same Ctrl-C.
 */
function interruptible(stopping: string): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  let firstAt = 0;
  const interrupt = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted && Date.now() - firstAt < 1000) return;
    if (abort.signal.aborted) {
      process.stderr.write(`\n${signal} again: stopping now; re-check what was recorded with \`npx faultline check store/latest\`\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    process.stderr.write(`\n${signal}: ${stopping} (again to stop at once)\n`);
    firstAt = Date.now();
    abort.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    signal: abort.signal,
    dispose() {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}

/** Runs one test (or a replay), with Ctrl-C handling, and prints its summary; resolves with its exit code. */
async function runAndPrint(spec: TestSpec, parts: Registry, shrink: ShrinkSettings, replay?: { of: string; schedule: Schedule }): Promise<number> {
  const { signal, dispose } = interruptible('stopping the workload, healing, tearing down and checking what was recorded');
  console.log(`faultline test ${spec.name}: seed ${spec.seed}, ${spec.nodes.length} nodes, ${spec.concurrency} processes, ${spec.timeLimitS} s, nemesis ${spec.nemesis.faults.map((f) => f.name).join(',') || 'none'}`);
  const outcome = await runTest(spec, { registry: parts, status: process.stderr, signal, report: renderStoredRun, shrink, ...(replay && { replay }) });
  printSummary(outcome.results, outcome.dir, outcome.crashed);
  if (outcome.interrupted) {
    const { phase, workloadS } = outcome.interrupted;
    console.log(phase === 'setup'
      ? `interrupted: during setup, before the workload (exit ${INTERRUPTED_EXIT_CODE})`
      : phase === 'workload'
      ? `interrupted: after ${workloadS.toFixed(1)} s of its ${spec.timeLimitS} s workload; the verdict covers what ran, the rerun below runs all ${spec.timeLimitS} s (exit ${INTERRUPTED_EXIT_CODE})`
      : `interrupted: after the whole workload, during ${phase}; final reads are missing (exit ${INTERRUPTED_EXIT_CODE})`);
  }
  if (replay) console.log(`replayed: ${relative(process.cwd(), replay.of) || '.'}${describeReplayTiming(outcome.dir)}`);
  // replay: this run's schedule again; rerun: the same test and seed, with fresh timing.
  console.log(`replay:   ${replayRunCommand(outcome.dir)}`);
  console.log(`rerun:    ${replayCommand(spec, parts)}`);
  dispose();
  return outcome.exitCode;
}

/** A stored run to replay (`of`: its real path), with `registry` and the definitions it names by path: its test (writing to `store`, else where the default store is), the definitions it names, and its schedule. */
async function loadReplay(path: string, store: string | undefined, registry: Registry): Promise<{ spec: TestSpec; registry: Registry; of: string; schedule: Schedule }> {
  const dir = resolveRunDir(path);
  const stored = await storedRunRegistry(registry, dir);
  const spec = { ...readStoredSpec(dir, stored), storeDir: store ?? DEFAULTS.storeDir };
  return { spec, registry: stored, of: realpathSync(dir), schedule: readSchedule(join(dir, SCHEDULE_FILE)) };
}

/** How closely the replay in `dir` kept its original's timing, from its run.json. */
function describeReplayTiming(dir: string): string {
  const replay = readRunFacts(dir).replay;
  const timing = replay?.timing;
  if (!timing) return '';
  const unreplayed = replay.unreplayed.length > 0 ? `; ${replay.unreplayed.length} fault ops not replayed (they failed the first time)` : '';
  return ` (${timing.ops} ops replayed, ${timing.missing} missing; invoked late by p50 ${timing.lagMs.p50} ms, p99 ${timing.lagMs.p99} ms, max ${timing.lagMs.max} ms${unreplayed})`;
}

interface RunTally {
  runs: number;
  invalid: number;
  unknown: number;
  /** How many invalid runs each checker (and anomaly, where it names them) failed. */
  anomalies: Map<string, number>;
}

/** The names of the checkers that found a result invalid. */
function invalidCheckerNames(results: CheckResult): string[] {
  const sub = (results.results ?? {}) as Record<string, CheckResult>;
  return Object.entries(sub).filter(([, r]) => r.valid === false).map(([name]) => name);
}

function describeSize(size: ScheduleSize): string {
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${size.timeLimitS} s, ${count(size.faults, 'fault episode')}${size.nodes.length > 0 ? ` on ${size.nodes.join(' ')}` : ''}, ${count(size.threads, 'client thread')}, ${count(size.ops, 'client op')}`;
}

/** results.json of a stored run; throws one line naming the file. */
function readStoredResults(dir: string): CheckResult {
  const path = join(dir, RUN_FILES.results);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CheckResult;
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}; expected the results of a checked run (faultline check re-writes it)`);
  }
}

/** A status stream that drops what it is given (the shrinker prints one line per candidate instead). */
class NullStatus {
  write(): boolean {
    return true;
  }
}

/** The checkers that found a result invalid, with the anomaly types they name: `cycle (G-single-item)`. */
function invalidCheckers(results: CheckResult): string[] {
  const sub = (results.results ?? {}) as Record<string, CheckResult>;
  return Object.entries(sub).filter(([, r]) => r.valid === false).map(([name, r]) => {
    const types = Array.isArray(r['anomalyTypes']) ? (r['anomalyTypes'] as string[]) : [];
    return types.length > 0 ? `${name} (${types.join(', ')})` : name;
  });
}

function describeTally(t: RunTally): string {
  const which = [...t.anomalies].map(([a, n]) => `${a} ${n}x`).join(', ');
  return `invalid ${t.invalid} of ${t.runs}${which ? ` (${which})` : ''}${t.unknown > 0 ? `; ${t.unknown} unknown or crashed` : ''}`;
}

function printSummary(results: CheckResult, dir: string, crashed?: string): void {
  const sub = (results.results ?? {}) as Record<string, CheckResult>;
  for (const [name, result] of Object.entries(sub)) {
    console.log(`  ${name.padEnd(14)} ${verdictWord(result.valid)}${result.summary ? `  ${result.summary}` : ''}`);
  }
  // One line for the verdict; a crash's details (a node's last log lines) go to stderr above it.
  const [crashLine, ...crashDetails] = (crashed ?? '').split('\n');
  if (crashDetails.length > 0) process.stderr.write(`crash details:\n${crashDetails.join('\n')}\n`);
  const verdict = crashed !== undefined ? `CRASHED (${crashLine?.replace(/[;:]? *last log lines:$/, '')})` : verdictWord(results.valid);
  console.log(`verdict:  ${verdict}`);
  if (typeof results['incomplete'] === 'string') {
    console.log(`          INCOMPLETE: ${results['incomplete']}; the checkers found what was recorded ${verdictWord(results['checkersValid'] as CheckResult['valid'])}, which proves nothing about the rest`);
  }
  if (typeof results['witness'] === 'object' && results['witness'] !== null) console.log(witnessLine(results['witness'] as WitnessEntry, dir));
  const report = join(dir, RUN_FILES.report);
  console.log(`report:   ${existsSync(report) ? report : `not written${results.summary ? ` (${results.summary})` : ''}`}`);
  console.log(`re-check: ${recheckCommand(dir)}`);
}

function verdictWord(valid: CheckResult['valid']): string {
  return valid === true ? 'VALID' : valid === false ? 'INVALID' : 'UNKNOWN';
}

/** Asks the Docker engine to answer within 10 s; throws one line saying how to get one otherwise. */
async function pingDockerEngine(): Promise<void> {
  const { connectDocker } = await import('./runtime/docker-engine.js');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the Docker engine did not answer within 10 s; check `docker info`, or use --runtime local')), 10_000);
  });
  try {
    await Promise.race([connectDocker(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
