// The faultline command line: test, check, serve, nightly, kv. Options are validated once here
// (via the spec) and errors are one line naming the bad value and what was expected.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, CommanderError, Option } from 'commander';
import { renderStoredRun } from '../reports/render-stored-run.js';
import { assertCheckFormat, assertHistoryFiles, CHECK_FORMATS, refuseRunDirOptions } from './check-args.js';
import { checkFiles } from './check-files.js';
import { checkWorkloadFiles, fileWorkloadNames } from './check-workload-files.js';
import type { CheckResult } from './checker.js';
import { checkJepsenStore, isJepsenStoreDir } from './jepsen-store.js';
import { CheckOutOfMemory } from './check-stored-run.js';
import { CRASHED_EXIT_CODE, INTERRUPTED_EXIT_CODE, recheckCommand, recheckRun, runTest } from './run.js';
import { builtins } from './builtins.js';
import { commandLineRegistry, storedRunRegistry } from './cli-registry.js';
import { partOptions } from './cli-part-options.js';
import { addSshOptions, givesSshFlags, sshSpecOf } from './cli-ssh.js';
import { DEFAULTS, partFlagKeys, replayCommand, resolveSpec, RUNTIMES } from './spec.js';
import { resolveRunDir, RUN_FILES } from './store.js';
import { readSchedule, replayRunCommand, SCHEDULE_FILE, type Schedule } from './schedule.js';
import { freshSeed } from './random.js';
import { shrinkSchedule, sizeOf, type ScheduleSize, type ShrinkCandidate } from './shrink-schedule.js';
import { readStoredSpec } from './stored-spec.js';
import { readRunFacts } from './run-facts.js';
import type { TestSpec } from './spec.js';
import type { Registry } from './define/registry.js';
import { preflight } from './preflight.js';
import { isRunHistoryFile } from './check-run-history-file.js';
import { DEFAULT_SHRINK, witnessLine, type ShrinkSettings, type WitnessEntry } from './shrink/shrink-run.js';

/**
 * The definitions this command line can name: the built-ins, a faultline.config.ts here (for test
 * and nightly), and the files `test` names by path. A file that cannot be loaded is refused before
 * anything else.
 */
const command = process.argv[2];
const { registry, nameOf } = await (command === 'test' || command === 'nightly'
  ? commandLineRegistry(builtins, command === 'test' ? process.argv.slice(3) : [], process.cwd())
  : Promise.resolve({ registry: builtins, nameOf: (_kind: string, v: string) => v })).catch((err: unknown) => {
  console.error(`faultline: ${err instanceof Error ? err.message : String(err)}`);
  return process.exit(254);
});

const program = new Command();
program
  .name('faultline')
  .description('Jepsen-style chaos testing: run a workload against a cluster while faults are injected, record the history, check it, write an HTML report.')
  .version(packageVersion(), '-V, --version', 'print the version')
  // One prefix for every error: commander's usage errors read like the ones the actions throw.
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'faultline: ')) })
  .showHelpAfterError('(run faultline --help for usage)')
  .exitOverride();

const testCommand = program
  .command('test')
  .description('run a chaos test and write store/<test>/<time>/ with history.jsonl, results.json and report.html')
  .option('--nodes <n>', 'number of nodes, named n1..nN', String(DEFAULTS.nodes))
  .option('--concurrency <n>', 'client processes (a multiple of the node count keeps keys spread over nodes)', String(DEFAULTS.concurrency))
  .option('--time-limit <s>', 'seconds of workload under faults, before healing and final reads', String(DEFAULTS.timeLimitS))
  .option('--workload <name>', `what the clients do: ${[...registry.workloads.keys()].join(', ')}, or a file made with defineWorkload (./my-workload.ts)`, DEFAULTS.workload)
  .option('--nemesis <list>', `faults, comma separated: ${[...registry.faults.keys()].join(', ')}, or files made with defineFault; "all" for every fault this runtime and database can have; "none" for none`, DEFAULTS.nemesis)
  .option('--nemesis-interval <s>', 'mean seconds between a fault starting and stopping', String(DEFAULTS.nemesisIntervalS))
  .option('--seed <n>', 'seed for every random choice; the same seed replays the same schedule (default: fresh)')
  .addOption(new Option('--runtime <name>', 'where nodes run').choices([...RUNTIMES]).default(DEFAULTS.runtime))
  .option('--db <name>', `the database under test: ${[...registry.dbs.keys()].join(', ')}, or a file made with defineDb (./my-db.ts)`, DEFAULTS.db)
  .option('--rate <n>', 'target client ops per second, over all processes', String(DEFAULTS.rate))
  .option('--op-timeout-ms <ms>', 'deadline for each op; past it the op is recorded as info', String(DEFAULTS.opTimeoutMs))
  .option('--ready-timeout <s>', 'seconds to wait for nodes to become ready', String(DEFAULTS.readyTimeoutS))
  .option('--check-timeout <s>', 'budget for each expensive checker; past it the verdict is unknown', String(DEFAULTS.checkTimeoutS))
  .option('--store <dir>', 'where runs are written', DEFAULTS.storeDir)
  .option('--name <name>', 'test name (default: derived from db, mode, workload and faults)')
  .option('--replay <run-dir>', 'run a stored run again: its test, and the ops and faults its main phase executed, on the same nodes at the same offsets (other options are refused, but --store and --shrink-budget-s)')
  .option('--shrink-budget-s <s>', 'seconds to shrink an invalid history to witness.jsonl (0: do not)', String(DEFAULT_SHRINK.budgetS));
addSshOptions(testCommand);
// Each database's, workload's and fault's own options, as their definitions declare them.
for (const option of partOptions(registry)) testCommand.addOption(option);
testCommand
  .action(async (opts: Record<string, string | undefined>) => {
    if (opts.replay !== undefined) {
      const given = testCommand.options.filter((o) => testCommand.getOptionValueSource(o.attributeName()) === 'cli' && !['replay', 'store', 'shrinkBudgetS'].includes(o.attributeName()));
      if (given.length > 0) throw new Error(`--replay runs the stored test as it was; ${given.map((o) => o.long ?? o.flags).join(', ')} cannot be given with it (only --store)`);
      const replay = await loadReplay(opts.replay, opts.store);
      // Exit now: a call into a stuck engine or an abandoned readiness poll must not keep the controller alive.
      await exitWith(await runAndPrint(replay.spec, replay.registry, shrinkSettings(opts.shrinkBudgetS), replay));
    }
    const ssh = opts.runtime === 'ssh' ? sshSpecOf(opts) : undefined;
    if (ssh === undefined && givesSshFlags(testCommand)) throw new Error(`--hosts and the --ssh-* flags are for --runtime ssh; this run's runtime is ${opts.runtime}`);
    const flat: Record<string, unknown> = {
      nodes: ssh !== undefined && testCommand.getOptionValueSource('nodes') !== 'cli' ? undefined : opts.nodes, ssh, concurrency: opts.concurrency, timeLimitS: opts.timeLimit, workload: nameOf('workload', opts.workload ?? DEFAULTS.workload),
      nemesis: (opts.nemesis ?? DEFAULTS.nemesis).split(',').map((item) => nameOf('fault', item.trim())).join(','), nemesisIntervalS: opts.nemesisInterval,
      seed: opts.seed, runtime: opts.runtime, db: nameOf('db', opts.db ?? DEFAULTS.db), rate: opts.rate, opTimeoutMs: opts.opTimeoutMs, readyTimeoutS: opts.readyTimeout,
      checkTimeoutS: opts.checkTimeout, storeDir: opts.store, name: opts.name,
    };
    for (const key of partFlagKeys(registry)) if (opts[key] !== undefined) flat[key] = opts[key];
    const spec = resolveSpec(flat, registry);
    // Everything that can be known before the run is checked before its directory exists.
    await preflight(spec, registry, { pingDocker: pingDockerEngine });
    // Exit now: a call into a stuck engine or an abandoned readiness poll must not keep the controller alive.
    await exitWith(await runAndPrint(spec, registry, shrinkSettings(opts.shrinkBudgetS)));
  });

program
  .command('check')
  .description('re-run the checkers on a stored run (store/latest) or a Jepsen run directory (history.edn), or check history files with a model')
  .argument('<paths...>', 'a run directory (faultline or Jepsen), or history files with --model or --workload')
  .option('--format <format>', `history file format: ${CHECK_FORMATS.join(', ')} (json: elle-cli; default: by extension, .edn .jsonl .json; else jsonl)`)
  .option('--model <name>', 'linearizability model for history files: register, cas-register, kv, mutex, set, fifo-queue')
  .option('--workload <name>', `check history files with a workload's checker instead: ${fileWorkloadNames.join(', ')} (formats edn, json, jsonl)`)
  .option('--consistency-models <list>', 'list-append, rw-register: the models the history must satisfy, comma-separated (default strict-serializable)')
  .option('--sequential-keys', 'rw-register: each key is sequentially consistent (versions ordered along each process)')
  .option('--linearizable-keys', 'rw-register: each key is linearizable (versions ordered along real time)')
  .option('--wfr-keys', 'rw-register: within a transaction writes follow reads')
  .option('--negative-allowed', 'bank: balances may go below zero')
  .option('--timeout-s <s>', 'per-file budget; past it the verdict is unknown')
  .option('--json', 'print one JSON object per file, with the counterexample')
  .option('--shrink-budget-s <s>', `seconds to shrink an invalid history: a run directory's to witness.jsonl, a file's to --witness (0: do not; default ${DEFAULT_SHRINK.budgetS})`)
  .option('--witness <out>', 'one history file with --model or --workload: shrink it to the fewest ops still invalid the same way, written to <out> (jsonl)')
  .action(async (paths: string[], opts: { format?: string; model?: string; workload?: string; consistencyModels?: string; sequentialKeys?: boolean; linearizableKeys?: boolean; wfrKeys?: boolean; negativeAllowed?: boolean; timeoutS?: string; json?: boolean; shrinkBudgetS?: string; witness?: string }, command: Command) => {
    const first = paths[0] as string;
    if (opts.format !== undefined) assertCheckFormat(opts.format);
    if (paths.length === 1 && existsSync(first) && statSync(first).isDirectory()) {
      if (isJepsenStoreDir(first)) {
        process.exitCode = await checkJepsenStore(first, opts, (line) => console.log(line));
        return;
      }
      const dir = resolveRunDir(first);
      refuseRunDirOptions(command.options.filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli' && o.long !== '--shrink-budget-s').map((o) => o.long ?? o.flags), first);
      const stored = await storedRunRegistry(registry, dir);
      const { results, exitCode, facts } = await recheckRun(dir, stored, { shrink: shrinkSettings(opts.shrinkBudgetS) }, renderStoredRun).catch(async (err: unknown) => {
        // A check that ran out of memory says so in one line and is the harness's failure: 255.
        if (!(err instanceof CheckOutOfMemory)) throw err;
        console.error(`faultline: ${err.message}`);
        return exitWith(CRASHED_EXIT_CODE);
      });
      printSummary(results, dir, facts.crashed);
      process.exitCode = exitCode;
      return;
    }
    if (paths.length === 1 && opts.workload === undefined && opts.model === undefined && isRunHistoryFile(first)) {
      // A witness.jsonl (or any history beside a run's test.json): checked with that run's checkers.
      const { checkRunHistoryFile } = await import('./check-run-history-file.js');
      process.exitCode = await checkRunHistoryFile(first, await storedRunRegistry(registry, dirname(first)), (line) => console.log(line));
      return;
    }
    if (opts.workload !== undefined && opts.model !== undefined) throw new Error('--model and --workload both given; expected one: --model for linearizability, --workload for a workload checker');
    assertHistoryFiles(paths, opts.workload !== undefined ? '--workload' : opts.model !== undefined ? '--model' : undefined);
    if (opts.witness !== undefined) {
      if (paths.length !== 1 || (opts.model === undefined && opts.workload === undefined)) throw new Error(`--witness ${opts.witness} needs one history file and --model or --workload; got ${paths.length} files`);
      const { shrinkHistoryFile } = await import('./shrink/shrink-file.js');
      const consistencyModels = opts.consistencyModels?.split(',').map((m) => m.trim()).filter((m) => m !== '');
      process.exitCode = await shrinkHistoryFile(first, opts.witness, {
        workload: opts.workload, model: opts.model, format: opts.format, negativeAllowed: Boolean(opts.negativeAllowed),
        ...(consistencyModels !== undefined && { consistencyModels }), ...(opts.timeoutS !== undefined && { timeoutS: Number(opts.timeoutS) }),
      }, shrinkSettings(opts.shrinkBudgetS), (line) => console.log(line));
      return;
    }
    if (opts.workload !== undefined) {
      const consistencyModels = opts.consistencyModels?.split(',').map((m) => m.trim()).filter((m) => m !== '');
      process.exitCode = await checkWorkloadFiles(paths, {
        workload: opts.workload,
        format: opts.format,
        json: Boolean(opts.json),
        negativeAllowed: Boolean(opts.negativeAllowed),
        sequentialKeys: Boolean(opts.sequentialKeys),
        linearizableKeys: Boolean(opts.linearizableKeys),
        wfrKeys: Boolean(opts.wfrKeys),
        ...(consistencyModels !== undefined && { consistencyModels }),
      }, (line) => console.log(line));
      return;
    }
    if (!opts.model) {
      throw new Error(`"${first}" is not a run directory; to check history files give --model (register, cas-register, kv, mutex, set, fifo-queue) or --workload (${fileWorkloadNames.join(', ')})`);
    }
    const timeoutS = opts.timeoutS === undefined ? undefined : Number(opts.timeoutS);
    if (timeoutS !== undefined && !(timeoutS > 0)) throw new Error(`--timeout-s "${opts.timeoutS}" is not valid; expected a positive number of seconds`);
    process.exitCode = await checkFiles(paths, {
      format: opts.format as Parameters<typeof checkFiles>[1]['format'],
      model: opts.model,
      json: Boolean(opts.json),
      ...(timeoutS !== undefined && { timeoutS }),
    }, (line) => console.log(line));
  });

program
  .command('replay')
  .description('replay a stored run several times (its schedule: the same ops and faults at the same offsets) and count how often it fails again; --fresh also runs its test with fresh seeds, to compare')
  .argument('<run-dir>', 'a stored run (store/latest, or its directory)')
  .option('--times <n>', 'how many replays (and fresh runs)', '5')
  .option('--fresh', 'also run the same test as many times with fresh seeds')
  .option('--store <dir>', 'where the runs are written', DEFAULTS.storeDir)
  .action(async (path: string, opts: { times: string; fresh?: boolean; store: string }) => {
    const times = Number(opts.times);
    if (!Number.isInteger(times) || times < 1 || times > 1000) throw new Error(`--times "${opts.times}" is not valid; expected a whole number from 1 to 1000`);
    const replay = await loadReplay(path, opts.store);
    const tally = async (label: string, run: (i: number) => Promise<CheckResult & { crashed?: string }>): Promise<RunTally> => {
      const counted: RunTally = { runs: 0, invalid: 0, unknown: 0, anomalies: new Map() };
      for (let i = 1; i <= times; i++) {
        const results = await run(i);
        counted.runs++;
        if (results.valid === false) {
          counted.invalid++;
          for (const anomaly of invalidCheckers(results)) counted.anomalies.set(anomaly, (counted.anomalies.get(anomaly) ?? 0) + 1);
        } else if (results.valid !== true || results.crashed !== undefined) counted.unknown++;
        console.log(`${label} ${i}/${times}: ${results.crashed !== undefined ? 'CRASHED' : verdictWord(results.valid)}${results.valid === false ? ` (${invalidCheckers(results).join(', ')})` : ''}`);
      }
      return counted;
    };
    const quiet = { registry: replay.registry, status: process.stderr, report: renderStoredRun };
    const replays = await tally('replay', async () => {
      const outcome = await runTest(replay.spec, { ...quiet, replay });
      return { ...outcome.results, ...(outcome.crashed !== undefined && { crashed: outcome.crashed }) };
    });
    const fresh = opts.fresh
      ? await tally('fresh', async () => {
        const outcome = await runTest({ ...replay.spec, seed: freshSeed() }, quiet);
        return { ...outcome.results, ...(outcome.crashed !== undefined && { crashed: outcome.crashed }) };
      })
      : undefined;
    console.log(`replays of ${relative(process.cwd(), replay.of) || '.'}: ${describeTally(replays)}`);
    if (fresh) console.log(`fresh seeds of its test: ${describeTally(fresh)}`);
    await exitWith(replays.invalid > 0 ? 1 : replays.unknown > 0 ? 2 : 0);
  });

program
  .command('shrink')
  .description('look for a smaller schedule that still fails: a shorter run, fewer faults, fewer client threads, each candidate replayed a few times; prints the smallest failing one as a replayable run')
  .argument('<run-dir>', 'an invalid stored run (store/latest, or its directory)')
  .option('--budget-s <s>', 'stop trying candidates after this many seconds', '600')
  .option('--tries <n>', 'replays of each candidate before it counts as passing', '3')
  .option('--store <dir>', 'where the replays are written', DEFAULTS.storeDir)
  .action(async (path: string, opts: { budgetS: string; tries: string; store: string }) => {
    const budgetS = Number(opts.budgetS);
    if (!(budgetS > 0)) throw new Error(`--budget-s "${opts.budgetS}" is not valid; expected a positive number of seconds`);
    const tries = Number(opts.tries);
    if (!Number.isInteger(tries) || tries < 1 || tries > 100) throw new Error(`--tries "${opts.tries}" is not valid; expected a whole number from 1 to 100`);
    const replay = await loadReplay(path, opts.store);
    const original = readStoredResults(replay.of);
    const failing = original.valid === false ? invalidCheckerNames(original) : [];
    if (failing.length === 0) throw new Error(`${relative(process.cwd(), replay.of) || '.'} is ${verdictWord(original.valid)}; shrink needs an invalid run (its failing checkers say what "still fails" means)`);
    const began = Date.now();
    const elapsed = (): string => `${Math.round((Date.now() - began) / 1000)}s/${budgetS}s`;
    // Candidates are not shrunk to witnesses: `faultline check` of the smallest one makes its witness.
    const quiet = { registry: replay.registry, status: new NullStatus() as unknown as NodeJS.WriteStream, report: renderStoredRun, shrink: { ...DEFAULT_SHRINK, budgetS: 0 } };
    let smallestDir: string | undefined;
    const stillFails = async (candidate: ShrinkCandidate, what: string): Promise<boolean> => {
      for (let i = 1; i <= tries; i++) {
        const outcome = await runTest({ ...replay.spec, timeLimitS: candidate.timeLimitS }, { ...quiet, replay: { of: replay.of, schedule: candidate.schedule } });
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
      console.log(`the whole schedule did not fail again in ${tries} replays: nothing to shrink (try --tries ${tries * 3}, or measure its rate with faultline replay --times 10)`);
      await exitWith(2);
    }
    const out = await shrinkSchedule(start, stillFails, () => Date.now() - began > budgetS * 1000);
    console.log(`from: ${describeSize(sizeOf(start))}`);
    console.log(`to:   ${describeSize(sizeOf(out.best))}${out.outOfBudget ? ' (the budget ran out: maybe not the smallest)' : ''}; ${out.steps.length} candidates in ${Math.round((Date.now() - began) / 1000)} s`);
    console.log(`replay: ${replayRunCommand(smallestDir!)}`);
    await exitWith(1);
  });

program
  .command('export')
  .description("write a run's history for Jepsen, Elle and elle-cli: edn as Jepsen's history.edn, json as elle-cli's, jsonl as faultline's")
  .argument('<run>', 'a run directory (store/latest, store/<test>/<time>) or its history.jsonl')
  .option('--format <format>', 'edn | jsonl | json', 'edn')
  .option('--out <file>', 'write to this file instead of stdout')
  .action(async (run: string, opts: { format: string; out?: string }) => {
    const { exportRun } = await import('./export-history.js');
    await exportRun(run, opts);
  });

program
  .command('images')
  .description('build, list or remove the node images of --runtime docker (docker/<image>, cached by a hash of each definition)')
  .addArgument(new Argument('<action>', 'build | list | rm').choices(['build', 'list', 'rm']))
  .argument('[images...]', 'build: which images (default: all of them)')
  .option('--base-from <source>', 'build the base from a debootstrapped Debian rootfs (no registry needed) or from the registry image', 'debootstrap')
  .option('--force', 'build: rebuild even when the current definition is already built')
  .option('--all', 'rm: remove every faultline image and the rootfs cache, not only images of older definitions')
  .action(async (action: string, names: string[], opts: { baseFrom: string; force?: boolean; all?: boolean }) => {
    const images = await import('./runtime/docker-images.js');
    if (action === 'list') {
      const list = await images.listImages();
      if (list.length === 0) console.log('no faultline images; build them with `faultline images build`');
      for (const i of list) console.log(`${i.tag.padEnd(34)} ${i.id}  ${String(i.sizeMb).padStart(5)} MB  ${i.createdAt}  ${i.current ? 'current' : 'stale'}`);
      return;
    }
    if (action === 'rm') {
      const removed = await images.removeImages(opts.all ? 'all' : 'stale');
      console.log(removed.length ? `removed ${removed.join(' ')}` : 'no stale faultline images (use --all to remove current ones too)');
      return;
    }
    if (!(images.BASE_SOURCES as readonly string[]).includes(opts.baseFrom)) {
      throw new Error(`--base-from "${opts.baseFrom}" is not known; expected one of: ${images.BASE_SOURCES.join(', ')}`);
    }
    for (const name of names) {
      if (!(images.IMAGE_NAMES as readonly string[]).includes(name)) throw new Error(`image "${name}" is not known; expected one of: ${images.IMAGE_NAMES.join(', ')}`);
    }
    const wanted = (names.length ? names : images.IMAGE_NAMES) as readonly (typeof images.IMAGE_NAMES)[number][];
    const started = Date.now();
    for (const name of wanted) {
      const tag = await images.ensureImage(name, { force: Boolean(opts.force), baseFrom: opts.baseFrom as (typeof images.BASE_SOURCES)[number], log: (line) => console.error(line) });
      console.log(`${name.padEnd(10)} ${tag}`);
    }
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

const cleanupCommand = program
  .command('cleanup')
  .description('remove the containers and networks (and so the fault rules inside them), the local memory cgroups and the faultfs mounts of runs whose controller died; with --runtime ssh, what faultline left on the hosts')
  .option('--all', 'also remove the containers, networks and faultfs mounts of runs that are still running')
  .addOption(new Option('--runtime <name>', 'ssh: clean the hosts given by --hosts instead of this machine').choices(['ssh']));
addSshOptions(cleanupCommand)
  .action(async (opts: { all?: boolean; runtime?: string } & Record<string, unknown>) => {
    if (opts.runtime === 'ssh') {
      // Every run's marks on these hosts: processes, faultline's chain, directories and cache (a run still going there loses them too).
      const { cleanupSshHosts } = await import('./runtime/ssh-cleanup.js');
      const report = await cleanupSshHosts(sshSpecOf(opts));
      for (const [host, removed] of Object.entries(report.removed).sort()) console.log(`${host}: ${removed.length === 0 ? 'nothing to remove' : `removed ${removed.join(', ')}`}`);
      for (const [, why] of Object.entries(report.failed).sort()) console.error(`faultline: ${why}`);
      if (Object.keys(report.failed).length > 0) await exitWith(CRASHED_EXIT_CODE);
      return;
    }
    if (givesSshFlags(cleanupCommand)) throw new Error('--hosts and the --ssh-* flags are for --runtime ssh');
    // Local runs' memory cgroups (a run killed with SIGKILL whose reaper was killed too): never a live run's.
    const { sweepDeadRunsCgroups } = await import('./runtime/local-reaper.js');
    const cgroups = await sweepDeadRunsCgroups();
    if (cgroups.removed.length > 0) console.log(`removed ${cgroups.removed.length} memory cgroups (${cgroups.removed.join(' ')})`);
    if (cgroups.left.length > 0) console.error(`faultline: could not remove the memory cgroups ${cgroups.left.join(', ')}: processes are still in them`);
    const { cleanup } = await import('./runtime/docker-cleanup.js');
    // What could not be removed is the engine's failure, not bad input: 255, like a crashed run.
    const report = await cleanup({ all: Boolean(opts.all) }).catch(async (err: unknown) => {
      console.error(`faultline: ${err instanceof Error ? err.message : String(err)}`);
      return exitWith(CRASHED_EXIT_CODE);
    });
    console.log(`removed ${report.containers.length} containers${report.containers.length ? ` (${report.containers.join(' ')})` : ''}, ${report.networks.length} networks${report.networks.length ? ` (${report.networks.join(' ')})` : ''}; unmounted ${report.mounts.length} faultfs mounts${report.mounts.length ? ` (${report.mounts.join(' ')})` : ''}`);
    if (report.spared.length) console.log(`spared running: ${report.spared.join(', ')} (use --all to remove them too)`);
  });

program
  .command('serve')
  .description('browse the runs in the store: verdicts, filters, reports, files, zip downloads (read-only; binds 127.0.0.1 unless --host)')
  .option('--host <host>', 'address to listen on (anything but loopback exposes every run to the network)', '127.0.0.1')
  .option('--port <n>', 'port to listen on; 0 picks a free one', '8080')
  .option('--store <dir>', 'where runs are', DEFAULTS.storeDir)
  .action(async (opts: { host: string; port: string; store: string }) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port "${opts.port}" is not valid; expected a whole number from 0 to 65535`);
    const { startServer } = await import('./serve/server.js');
    const server = await startServer({ storeDir: opts.store, host: opts.host, port });
    console.log(`faultline serve: ${server.url} (runs in ${opts.store}); Ctrl-C stops it`);
  });

program
  .command('nightly')
  .description('run a matrix of tests (db x workload x nemesis x seeds) within a time budget; write <out>/<date>/summary.html, junit.xml, summary.json and <out>/trend.html')
  .argument('<matrix>', 'matrix JSON file (see examples/nightly-matrix.json)')
  .option('--out <dir>', 'where nights are written', 'nightly')
  .option('--store <dir>', 'where runs are written', DEFAULTS.storeDir)
  .option('--budget <s>', "overall time budget in seconds (default: the matrix's budgetS)")
  .option('--dry-run', 'print the runs the matrix expands to, with their commands, and exit')
  .action(async (matrix: string, opts: { out: string; store: string; budget?: string; dryRun?: boolean }) => {
    const budgetS = opts.budget === undefined ? undefined : Number(opts.budget);
    if (budgetS !== undefined && !(budgetS > 0)) throw new Error(`--budget "${opts.budget}" is not valid; expected a positive number of seconds`);
    const { nightlyCommand } = await import('./nightly/nightly-command.js');
    const abort = new AbortController();
    const stop = () => {
      if (abort.signal.aborted) process.exit(130);
      process.stderr.write('\nstopping: the running test checks what it has, the rest are skipped (again to quit now)\n');
      abort.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.exitCode = await nightlyCommand(matrix, {
      registry, out: opts.out, store: opts.store, ...(budgetS !== undefined && { budgetS }), ...(opts.dryRun && { dryRun: true }),
    }, { log: (line) => console.log(line), signal: abort.signal });
  });

program
  .command('kv')
  .description('run one node of the bundled store (started by the harness; see src/kv/README.md)')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async () => {
    const { runKvServer } = await import('./kv/main.js');
    const at = process.argv.indexOf('kv');
    await runKvServer(process.argv.slice(at + 1));
  });

/** Runs one test (or a replay), with Ctrl-C handling, and prints its summary; resolves with its exit code. */
async function runAndPrint(spec: TestSpec, parts: Registry, shrink: ShrinkSettings, replay?: { of: string; schedule: Schedule }): Promise<number> {
  const abort = new AbortController();
  // First SIGINT/SIGTERM: end the workload, heal, tear down, check and report. Second: stop now
  // (the history on disk stays whole lines; local nodes are killed by their recorded PIDs).
  // npx forwards the terminal's SIGINT to the controller, which also got it from the terminal:
  // a second signal within a second of the first is the same Ctrl-C.
  let firstAt = 0;
  const interrupt = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted && Date.now() - firstAt < 1000) return;
    if (abort.signal.aborted) {
      process.stderr.write(`\n${signal} again: stopping now; re-check what was recorded with \`npx faultline check store/latest\`\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    process.stderr.write(`\n${signal}: stopping the workload, healing, tearing down and checking what was recorded (again to stop at once)\n`);
    firstAt = Date.now();
    abort.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  console.log(`faultline test ${spec.name}: seed ${spec.seed}, ${spec.nodes.length} nodes, ${spec.concurrency} processes, ${spec.timeLimitS} s, nemesis ${spec.nemesis.faults.map((f) => f.name).join(',') || 'none'}`);
  const outcome = await runTest(spec, { registry: parts, status: process.stderr, signal: abort.signal, report: renderStoredRun, shrink, ...(replay && { replay }) });
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
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  return outcome.exitCode;
}

/** A stored run to replay (`of`: its real path): its test (writing to `store`, else where the default store is), the definitions it names, and its schedule. */
async function loadReplay(path: string, store: string | undefined): Promise<{ spec: TestSpec; registry: Registry; of: string; schedule: Schedule }> {
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

/** The shrink budget of --shrink-budget-s (default DEFAULT_SHRINK's), with progress lines on stderr. */
function shrinkSettings(budgetS: string | undefined): ShrinkSettings {
  const seconds = budgetS === undefined ? DEFAULT_SHRINK.budgetS : Number(budgetS);
  if (!(seconds >= 0)) throw new Error(`--shrink-budget-s "${budgetS}" is not valid; expected a number of seconds, 0 or more`);
  return { ...DEFAULT_SHRINK, budgetS: seconds, progress: (line) => process.stderr.write(`${line}\n`) };
}

function verdictWord(valid: CheckResult['valid']): string {
  return valid === true ? 'VALID' : valid === false ? 'INVALID' : 'UNKNOWN';
}

// Usage hints name the command they are about.
for (const command of program.commands) {
  if (command.name() !== 'kv') command.showHelpAfterError(`(run faultline ${command.name()} --help for usage)`);
}

/** The version in package.json, found by walking up from this module (src/ or dist/src/). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

try {
  // Bare `faultline` asks what it can do: the help, on stdout, like `faultline help`.
  if (process.argv.length <= 2) program.outputHelp();
  else await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 254;
  } else {
    console.error(`faultline: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 254;
  }
}

/** Sets the exit code and exits once stdout and stderr have drained. */
async function exitWith(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((done) => stream.write('', () => done()))));
  process.exit(code);
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
