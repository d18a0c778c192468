// `faultline check <run>/witness.jsonl`: a history file beside a run's test.json (a witness, or any
// history in that format) checked with the checkers of that run's test, as the run itself was.
// Nothing is written; each checker's verdict and anomaly classes are printed. A file other than the
// run's own history.jsonl is a part of a run (a witness keeps only the ops of one anomaly): the
// checkers of the whole run (faults applied, every f succeeding) say nothing true about it and are
// named as not checked.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { composeCheckers, type CheckResult } from './checker.js';
import type { Registry } from './define/registry.js';
import { readJsonlFile } from './formats/jsonl.js';
import { checkersFor } from './resolve.js';
import { anomalyClassesOf } from './shrink/anomaly-class.js';
import { readStoredSpec } from './stored-spec.js';
import { RUN_FILES } from './store.js';

/** True for a file (not a directory) whose directory holds a run's test.json. */
export function isRunHistoryFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && existsSync(join(dirname(path), RUN_FILES.test));
}

/** Checks the history in `file` with the checkers of the run beside it; returns 0 valid, 1 invalid, 2 unknown. */
export async function checkRunHistoryFile(file: string, registry: Registry, out: (line: string) => void): Promise<number> {
  const spec = readStoredSpec(dirname(file), registry);
  const history = readJsonlFile(file);
  const all = checkersFor(spec, registry);
  const part = basename(file) !== RUN_FILES.history;
  const skipped = part ? WHOLE_RUN_CHECKERS.filter((name) => Object.hasOwn(all, name)) : [];
  const checkers = Object.fromEntries(Object.entries(all).filter(([name]) => !skipped.includes(name)));
  const results = await composeCheckers(checkers)(history, { test: spec as unknown as Record<string, unknown> });
  out(`${file}: ${history.length} events, checked with the checkers of ${join(dirname(file), RUN_FILES.test)}`);
  for (const [name, result] of Object.entries(results['results'] as Record<string, CheckResult>)) {
    const classes = anomalyClassesOf(name, result);
    out(`  ${name.padEnd(14)} ${verdictWord(result.valid)}${classes.length > 0 ? ` [${classes.join(', ')}]` : ''}${result.summary ? `  ${result.summary}` : ''}`);
  }
  for (const name of skipped) out(`  ${name.padEnd(14)} not checked: it judges a whole run, and this file is a part of one`);
  out(`verdict:  ${verdictWord(results.valid)}`);
  return results.valid === true ? 0 : results.valid === false ? 1 : 2;
}

/** Checkers of a whole run (was each fault applied, did every f succeed), meaningless on a part of its history. */
const WHOLE_RUN_CHECKERS = ['faults', 'stats'];

function verdictWord(valid: CheckResult['valid']): string {
  return valid === true ? 'VALID' : valid === false ? 'INVALID' : 'UNKNOWN';
}
