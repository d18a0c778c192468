// `faultline check FILE --workload W | --model M --witness OUT`: a history file of any format the
// check reads, shrunk with the same file checker to the smallest sub-history it still finds invalid
// with the same anomaly class, written to OUT as faultline jsonl (check OUT with the same options).
import { writeFileSync } from 'node:fs';
import { checkHistory } from '../../checkers/linearizable/index.js';
import type { CheckResult } from '../checker.js';
import { checkWorkloadHistory, isFileWorkload, readWorkloadHistoryFile, workloadFormats, type FileWorkload, type WorkloadFileOptions, type WorkloadFormat } from '../check-workload-files.js';
import { formatOfFile } from '../formats/format-of-file.js';
import { readHistoryFile } from '../formats/read-history.js';
import type { History } from '../op.js';
import { anomalyClassesOf } from './anomaly-class.js';
import { shrinkHistory } from './shrink-history.js';
import type { ShrinkSettings } from './shrink-run.js';

/** Which checker of the anomaly-class table each file workload runs. */
const checkerOfWorkload: Record<FileWorkload, string> = { 'list-append': 'cycle', 'rw-register': 'cycle', set: 'set', 'set-full': 'set', counter: 'counter', bank: 'bank' };

export interface ShrinkFileOptions extends WorkloadFileOptions {
  workload?: string | undefined;
  model?: string | undefined;
  format?: string | undefined;
  timeoutS?: number;
}

/** Shrinks `file` to `out`; prints one line; returns 1 when a witness was written, 0 when the file is valid, 2 when unknown. */
export async function shrinkHistoryFile(file: string, out: string, options: ShrinkFileOptions, settings: ShrinkSettings, print: (line: string) => void): Promise<number> {
  const { format } = formatOfFile(file, options.format);
  let history: History;
  let checker: string;
  let check: (h: History) => Promise<CheckResult>;
  if (options.workload !== undefined) {
    if (!isFileWorkload(options.workload)) throw new Error(`unknown workload "${options.workload}" for history files; expected one of ${Object.keys(checkerOfWorkload).join(', ')}`);
    if (!(workloadFormats as readonly string[]).includes(format)) throw new Error(`format ${format} cannot be checked with --workload; expected one of ${workloadFormats.join(', ')}`);
    const workload = options.workload;
    history = readWorkloadHistoryFile(file, format as WorkloadFormat, workload);
    checker = checkerOfWorkload[workload];
    check = (h) => checkWorkloadHistory(h, workload, options);
  } else {
    const model = options.model ?? 'cas-register';
    history = await readHistoryFile(file, format);
    checker = 'linearizable';
    check = (h) => checkHistory(h, { model, timeoutMs: (options.timeoutS ?? 60) * 1000 });
  }
  const result = await check(history);
  const anomaly = anomalyClassesOf(checker, result)[0];
  if (anomaly === undefined) {
    print(`${file}: ${result.valid === true ? 'valid' : 'not invalid'} (${result.summary ?? ''}); nothing to shrink, ${out} not written`);
    return result.valid === true ? 0 : 2;
  }
  const shrunk = await shrinkHistory(history, async (h) => anomalyClassesOf(checker, await check(h)).includes(anomaly), {
    budgetMs: settings.budgetS * 1000, maxCalls: settings.maxCalls, ...(settings.progress && { progress: settings.progress }),
  });
  writeFileSync(out, shrunk.witness.map((op) => JSON.stringify(op) + '\n').join(''));
  const { before: b, after: a } = shrunk;
  print(`${out}: ${a.ops} of ${b.ops} ops, ${a.processes} of ${b.processes} processes, ${a.keys} of ${b.keys} keys still show ${checker} ${anomaly} ` +
    `(${shrunk.checkerCalls} checker calls, ${(shrunk.ms / 1000).toFixed(1)} s${shrunk.minimal ? '' : '; the budget ran out: smaller, maybe not minimal'})`);
  return 1;
}
