// Usage checks of `faultline check` arguments, made before any checking: a bad format, a path that
// does not exist or cannot be read, an option that does not apply to a run directory. Each is one
// line naming what was received and what was expected (the CLI exits 254).
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import { historyFormats } from './formats/read-history.js';

/**
 * The workloads `check --workload` has a checker for, and the formats their histories may come in.
 * Named here, apart from the checkers (check-workload-files.ts, whose table these names type), so
 * the command line lists them without loading the checkers.
 */
export const FILE_WORKLOADS = ['list-append', 'rw-register', 'set', 'set-full', 'counter', 'bank'] as const;
export const WORKLOAD_FORMATS = ['edn', 'json', 'jsonl'] as const;

/** Every --format of `check`: the linearizability formats and the workload formats. */
export const CHECK_FORMATS: readonly string[] = [...new Set<string>([...Object.keys(historyFormats), ...WORKLOAD_FORMATS])];

/** Throws unless `format` is one `check` knows, whatever the paths are. */
export function assertCheckFormat(format: string): void {
  if (!CHECK_FORMATS.includes(format)) throw new Error(`--format "${format}" is not known; expected one of: ${CHECK_FORMATS.join(', ')}`);
}

/**
 * Throws for the first path that is not a readable file: a missing file is a usage error, not a
 * per-file unknown verdict. `checker` is the option that asked for history files (--model or
 * --workload), or undefined when none was given.
 */
export function assertHistoryFiles(paths: readonly string[], checker: string | undefined): void {
  for (const path of paths) {
    if (!existsSync(path)) {
      throw new Error(checker === undefined
        ? `${path} does not exist; expected a run directory (e.g. store/latest), or history files with --model or --workload`
        : `history file ${path} does not exist`);
    }
    if (statSync(path).isDirectory()) {
      throw new Error(`${path} is a directory; ${checker ?? '--model'} expects history files (a run directory is re-checked alone, without --model or --workload)`);
    }
    try {
      closeSync(openSync(path, 'r'));
    } catch (err) {
      throw new Error(`history file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

/** Throws when options meant for history files were given with a run directory, which they would not change. */
export function refuseRunDirOptions(given: readonly string[], dir: string): void {
  if (given.length === 0) return;
  const verb = given.length === 1 ? 'does' : 'do';
  throw new Error(`${given.join(', ')} ${verb} not apply to a run directory (${dir} is re-checked with the checkers of its test.json); ${given.length === 1 ? 'it is' : 'they are'} for history files`);
}
