// The library's entry points for running and checking tests from code, with the built-ins and any
// definitions the caller adds: what `faultline test` and `faultline check` do, without the CLI.
import { renderStoredRun } from '../reports/render-stored-run.js';
import { builtins } from './builtins.js';
import { storedRunRegistry } from './cli-registry.js';
import { extendRegistry, type Definition, type Registry } from './define/registry.js';
import { preflight } from './preflight.js';
import { recheckRun as recheckStoredRun, runTest as runResolvedTest, type RunOutcome } from './run.js';
import { resolveSpec, type SpecOptions, type TestSpec } from './spec.js';

export interface RunOptions {
  /** Definitions to add to the built-ins (a user's database, workload or faults). */
  definitions?: readonly Definition[];
  /** Progress and status lines; default: stderr. */
  status?: NodeJS.WritableStream;
  /** Aborting interrupts the run: the workload ends, the run still heals, tears down, checks and reports. */
  signal?: AbortSignal;
}

/** The built-ins with the caller's definitions added. */
export function registryWith(definitions: readonly Definition[] = []): Registry {
  return definitions.length === 0 ? builtins : extendRegistry(builtins, definitions, []);
}

/**
 * Runs one test, as `faultline test` would with these options (the command line's names: `db`,
 * `workload`, `nemesis`, `timeLimitS`, and each part's options by their flags in camel case, e.g.
 * `storeMode`). Refuses what cannot run before starting anything; writes the run under `storeDir`.
 */
export async function runTest(options: SpecOptions, run: RunOptions = {}): Promise<RunOutcome & { spec: TestSpec }> {
  const registry = registryWith(run.definitions);
  const spec = resolveSpec(options, registry);
  await preflight(spec, registry);
  const outcome = await runResolvedTest(spec, {
    registry,
    status: (run.status ?? process.stderr) as NodeJS.WriteStream,
    report: renderStoredRun,
    ...(run.signal !== undefined && { signal: run.signal }),
  });
  return { ...outcome, spec };
}

/**
 * Checks a stored run again (`faultline check <dir>`): its checkers, results.json and report.html.
 * Definitions its test.json names by path are loaded from there; ones a run was given in code
 * (which test.json cannot name) must be given again.
 */
export async function recheckRun(dir: string, run: Pick<RunOptions, 'definitions'> = {}): ReturnType<typeof recheckStoredRun> {
  return recheckStoredRun(dir, await storedRunRegistry(registryWith(run.definitions), dir), {}, renderStoredRun);
}
