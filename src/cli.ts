// The faultline command line: test, check, serve, nightly, kv. Options are validated once here
// (via the spec) and errors are one line naming the bad value and what was expected. This module
// is the grammar and stays cheap to load: what a command does is imported by its action, on use
// (docs/DESIGN.md, "Heavy modules load on use").
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, CommanderError, Option } from 'commander';
import { assertCheckFormat, assertHistoryFiles, CHECK_FORMATS, FILE_WORKLOADS, refuseRunDirOptions } from './check-args.js';
import { exitWith } from './cli-exit.js';
import { partOptions } from './cli-part-options.js';
import { addSshOptions, givesSshFlags } from './cli-ssh.js';
import type { CommandLineRegistry } from './cli-registry.js';
import { createRegistry, type Registry } from './define/registry.js';
import { DEFAULT_SHRINK, type ShrinkSettings } from './shrink/shrink-settings.js';
import { DEFAULTS, RUNTIMES } from './spec-defaults.js';

/**
 * The definitions this command line can name: the built-ins, a faultline.config.ts here (for test
 * and nightly), and the files `test` names by path. A file that cannot be loaded is refused before
 * anything else. Loaded only for the commands whose options list them (test, and its help) or that
 * take them from the command line (nightly); the others load the built-ins when their action needs
 * them (actionRegistry), and --help or checking a history file loads no definition at all.
 */
const command = process.argv[2];
const parts: CommandLineRegistry | undefined = command === 'test' || command === 'nightly' || (command === 'help' && process.argv[3] === 'test')
  ? await commandLineParts(command === 'test' ? process.argv.slice(3) : []).catch((err: unknown) => {
    console.error(`faultline: ${err instanceof Error ? err.message : String(err)}`);
    return process.exit(254);
  })
  : undefined;
/** The parts the options of test list: none when another command runs (its options are not shown). */
const registry: Registry = parts?.registry ?? createRegistry([]);

const program = new Command();
program
  .name('faultline')
  .description('Jepsen-style chaos testing: run a workload against a cluster while faults are injected, record the history, check it, write an HTML report.')
  .version(packageVersion(), '-V, --version', 'print the version')
  // One prefix for every error: commander's usage errors read like the ones the actions throw.
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'faultline: ')) })
  .showHelpAfterError('(run faultline --help for usage)')
  // A subcommand's options are its own: `nightly merge ... --out x` is merge's --out, not nightly's.
  .enablePositionalOptions()
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
    const run = await import('./cli-run.js');
    if (opts.replay !== undefined) {
      const given = testCommand.options.filter((o) => testCommand.getOptionValueSource(o.attributeName()) === 'cli' && !['replay', 'store', 'shrinkBudgetS'].includes(o.attributeName()));
      if (given.length > 0) throw new Error(`--replay runs the stored test as it was; ${given.map((o) => o.long ?? o.flags).join(', ')} cannot be given with it (only --store)`);
      await run.runReplayCommand(opts.replay, opts.store, registry, shrinkSettings(opts.shrinkBudgetS));
    }
    const ssh = opts.runtime === 'ssh' ? (await import('./cli-ssh-spec.js')).sshSpecOf(opts) : undefined;
    if (ssh === undefined && givesSshFlags(testCommand)) throw new Error(`--hosts and the --ssh-* flags are for --runtime ssh; this run's runtime is ${opts.runtime}`);
    // On ssh, the hosts are the nodes: --nodes only when given.
    await run.runTestCommand(opts, parts!, shrinkSettings(opts.shrinkBudgetS), ssh && { ssh, nodesGiven: testCommand.getOptionValueSource('nodes') === 'cli' });
  });

program
  .command('check')
  .description('re-run the checkers on a stored run (store/latest) or a Jepsen run directory (history.edn), or check history files with a model')
  .argument('<paths...>', 'a run directory (faultline or Jepsen), or history files with --model or --workload')
  .option('--format <format>', `history file format: ${CHECK_FORMATS.join(', ')} (json: elle-cli; default: by extension, .edn .jsonl .json; else jsonl)`)
  .option('--model <name>', 'linearizability model for history files: register, cas-register, kv, mutex, set, fifo-queue')
  .option('--workload <name>', `check history files with a workload's checker instead: ${FILE_WORKLOADS.join(', ')} (formats edn, json, jsonl)`)
  .option('--consistency-models <list>', 'list-append, rw-register: the models the history must satisfy, comma-separated (default strict-serializable)')
  .option('--sequential-keys', 'rw-register: each key is sequentially consistent (versions ordered along each process)')
  .option('--linearizable-keys', 'rw-register: each key is linearizable (versions ordered along real time)')
  .option('--wfr-keys', 'rw-register: within a transaction writes follow reads')
  .option('--negative-allowed', 'bank: balances may go below zero')
  .option('--timeout-s <s>', 'per-file budget; past it the verdict is unknown')
  .option('--json', 'print one JSON object per file, with the counterexample')
  .option('--shrink-budget-s <s>', `seconds to shrink an invalid history: a run directory's to witness.jsonl, a file's to --witness (0: do not; default ${DEFAULT_SHRINK.budgetS})`)
  .option('--witness <out>', 'one history file with --model or --workload: shrink it to the fewest ops still invalid the same way, written to <out> (jsonl)')
  .option('--linearization <out>', 'one history file with --model: when it is linearizable, write the order found to <out> (json), which tools/replay-linearization.mjs replays on its own')
  .action(async (paths: string[], opts: { format?: string; model?: string; workload?: string; consistencyModels?: string; sequentialKeys?: boolean; linearizableKeys?: boolean; wfrKeys?: boolean; negativeAllowed?: boolean; timeoutS?: string; json?: boolean; shrinkBudgetS?: string; witness?: string; linearization?: string }, command: Command) => {
    const first = paths[0] as string;
    if (opts.format !== undefined) assertCheckFormat(opts.format);
    if (paths.length === 1 && existsSync(first) && statSync(first).isDirectory()) {
      const { checkJepsenStore, isJepsenStoreDir } = await import('./jepsen-store.js');
      if (isJepsenStoreDir(first)) {
        process.exitCode = await checkJepsenStore(first, opts, (line) => console.log(line));
        return;
      }
      const { resolveRunDir } = await import('./store.js');
      const dir = resolveRunDir(first);
      refuseRunDirOptions(command.options.filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli' && o.long !== '--shrink-budget-s').map((o) => o.long ?? o.flags), first);
      const { recheckRunDir } = await import('./cli-run.js');
      await recheckRunDir(dir, await actionRegistry(), shrinkSettings(opts.shrinkBudgetS));
      return;
    }
    if (paths.length === 1 && opts.workload === undefined && opts.model === undefined) {
      const { checkRunHistoryFile, isRunHistoryFile } = await import('./check-run-history-file.js');
      if (isRunHistoryFile(first)) {
        // A witness.jsonl (or any history beside a run's test.json): checked with that run's checkers.
        const { storedRunRegistry } = await import('./cli-registry.js');
        process.exitCode = await checkRunHistoryFile(first, await storedRunRegistry(await actionRegistry(), dirname(first)), (line) => console.log(line));
        return;
      }
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
    if (opts.linearization !== undefined && opts.model === undefined) throw new Error(`--linearization ${opts.linearization} needs --model: it is the order behind a linearizability verdict`);
    if (opts.workload !== undefined) {
      const { checkWorkloadFiles } = await import('./check-workload-files.js');
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
      throw new Error(`"${first}" is not a run directory; to check history files give --model (register, cas-register, kv, mutex, set, fifo-queue) or --workload (${FILE_WORKLOADS.join(', ')})`);
    }
    const timeoutS = opts.timeoutS === undefined ? undefined : Number(opts.timeoutS);
    if (timeoutS !== undefined && !(timeoutS > 0)) throw new Error(`--timeout-s "${opts.timeoutS}" is not valid; expected a positive number of seconds`);
    const { checkFiles } = await import('./check-files.js');
    process.exitCode = await checkFiles(paths, {
      format: opts.format as Parameters<typeof checkFiles>[1]['format'],
      model: opts.model,
      json: Boolean(opts.json),
      ...(timeoutS !== undefined && { timeoutS }),
      ...(opts.linearization !== undefined && { linearization: opts.linearization }),
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
    const { replayTimes } = await import('./cli-run.js');
    await replayTimes(path, times, opts, await actionRegistry());
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
    const { shrinkRun } = await import('./cli-run.js');
    await shrinkRun(path, budgetS, tries, opts.store, await actionRegistry());
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
  .option('--all', 'also remove the containers, networks and faultfs mounts (with --runtime ssh, the marks on the hosts) of runs that are still running')
  .addOption(new Option('--runtime <name>', 'ssh: clean the hosts given by --hosts instead of this machine').choices(['ssh']));
addSshOptions(cleanupCommand)
  .action(async (opts: { all?: boolean; runtime?: string } & Record<string, unknown>) => {
    if (opts.runtime === 'ssh') {
      // Every dead run's marks on these hosts: processes, faultline's chain, directories and cache (a run whose controller lives here is spared, unless --all).
      const { sshSpecOf } = await import('./cli-ssh-spec.js');
      const { cleanupSshHosts } = await import('./runtime/ssh-cleanup.js');
      const report = await cleanupSshHosts(sshSpecOf(opts), { all: Boolean(opts.all) });
      for (const [host, removed] of Object.entries(report.removed).sort()) console.log(`${host}: ${removed.length === 0 ? 'nothing to remove' : `removed ${removed.join(', ')}`}`);
      for (const [host, spared] of Object.entries(report.spared).sort()) console.log(`${host}: spared running: ${spared.join(', ')}, and the chain and cache they use (use --all to remove them too)`);
      for (const [, why] of Object.entries(report.failed).sort()) console.error(`faultline: ${why}`);
      // A host that could not be cleaned is the harness's failure, not bad input: 255, like a crashed run.
      if (Object.keys(report.failed).length > 0) await exitWith((await import('./run.js')).CRASHED_EXIT_CODE);
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
      const { CRASHED_EXIT_CODE } = await import('./run.js');
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

const nightly = program
  .command('nightly')
  .description('run a matrix of tests (db x workload x nemesis x seeds) within a time budget; write <out>/<date>/summary.html, junit.xml, summary.json and <out>/trend.html')
  .argument('<matrix>', 'matrix JSON file (see examples/nightly-matrix.json)')
  .option('--out <dir>', 'where nights are written (and past nights are read, for the trend and for balancing shards)', 'nightly')
  .option('--store <dir>', 'where runs are written', DEFAULTS.storeDir)
  .option('--budget <s>', "overall time budget in seconds, per shard when sharded (default: the matrix's budgetS)")
  .option('--shard <K/N>', 'run only the K-th of N slices of the matrix (balanced by expected time), into <out>/<date>.shard-K-of-N/; then `faultline nightly merge`')
  .option('--dry-run', 'print the runs the matrix (or the shard) expands to, with their commands, and exit')
  .enablePositionalOptions()
  .action(async (matrix: string, opts: { out: string; store: string; budget?: string; shard?: string; dryRun?: boolean }) => {
    const budgetS = opts.budget === undefined ? undefined : Number(opts.budget);
    if (budgetS !== undefined && !(budgetS > 0)) throw new Error(`--budget "${opts.budget}" is not valid; expected a positive number of seconds`);
    const { parseShard } = await import('./nightly/shard.js');
    const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
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
      registry, out: opts.out, store: opts.store, ...(budgetS !== undefined && { budgetS }), ...(shard && { shard }), ...(opts.dryRun && { dryRun: true }),
    }, { log: (line) => console.log(line), signal: abort.signal });
  });

nightly
  .command('merge')
  .description('merge the night directories of a night\'s shards (--shard K/N) into <out>/<date>/ (summary, JUnit) and <out>/trend.html, as one runner would have written them')
  .argument('<dirs...>', 'the shards\' night directories, e.g. nightly/2026-11-23.shard-*-of-3')
  .option('--out <dir>', 'where the merged night is written', 'nightly')
  .action(async (dirs: string[], opts: { out: string }) => {
    const { mergeNights } = await import('./nightly/merge-nights.js');
    process.exitCode = mergeNights(dirs, opts.out, { log: (line) => console.log(line) });
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

// Usage hints name the command they are about.
for (const command of program.commands) {
  if (command.name() !== 'kv') command.showHelpAfterError(`(run faultline ${command.name()} --help for usage)`);
}

/** The built-ins and the definitions of the command line (`argv`: the arguments after the command). */
async function commandLineParts(argv: readonly string[]): Promise<CommandLineRegistry> {
  const [{ builtins }, { commandLineRegistry }] = await Promise.all([import('./builtins.js'), import('./cli-registry.js')]);
  return commandLineRegistry(builtins, argv, process.cwd());
}

/** The registry an action works with: the command line's where it was loaded (test, nightly), else the built-ins. */
async function actionRegistry(): Promise<Registry> {
  return parts?.registry ?? (await import('./builtins.js')).builtins;
}

/** The shrink budget of --shrink-budget-s (default DEFAULT_SHRINK's), with progress lines on stderr. */
function shrinkSettings(budgetS: string | undefined): ShrinkSettings {
  const seconds = budgetS === undefined ? DEFAULT_SHRINK.budgetS : Number(budgetS);
  if (!(seconds >= 0)) throw new Error(`--shrink-budget-s "${budgetS}" is not valid; expected a number of seconds, 0 or more`);
  return { ...DEFAULT_SHRINK, budgetS: seconds, progress: (line) => process.stderr.write(`${line}\n`) };
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

