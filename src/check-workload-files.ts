// `faultline check FILE... --workload W`: checks history files of another tool (Jepsen EDN, elle-cli
// JSON) or of faultline (jsonl) with a workload's checker: list-append and rw-register (cycle), set,
// set-full, counter, bank. One line per file (FILE<TAB>valid|invalid|unknown<TAB>check-ms<TAB>summary) or one
// JSON object per file with the whole result. Set and counter histories on independent keys
// (values `[k x]`) are checked key by key.
import { performance } from 'node:perf_hooks';
import { checkBank } from '../checkers/bank.js';
import { checkCounter } from '../checkers/counter.js';
import { checkListAppend, checkRwRegister } from '../checkers/cycle/index.js';
import { checkSet } from '../checkers/set.js';
import { perKey } from '../checkers/per-key.js';
import { FILE_WORKLOADS, WORKLOAD_FORMATS } from './check-args.js';
import type { CheckResult, Validity } from './checker.js';
import { readElleJson } from './formats/elle-json.js';
import { formatOfFile, withFormatNote } from './formats/format-of-file.js';
import { hasIndependentKeys, readJepsenWorkloadEdn, type JepsenWorkload } from './formats/jepsen-edn-workloads.js';
import { readHistoryText } from './formats/history-text.js';
import { readJsonlFile, readJsonlHistory } from './formats/jsonl.js';
import type { History } from './op.js';
import { untestedReason } from './untested-history.js';

export interface WorkloadFileOptions {
  /** Consistency models for list-append and rw-register (default strict-serializable). */
  consistencyModels?: readonly string[];
  /** rw-register: what the database guarantees per key, to infer version orders from (Elle's options of these names). */
  sequentialKeys?: boolean;
  linearizableKeys?: boolean;
  wfrKeys?: boolean;
  /** bank: whether balances may go below zero. */
  negativeAllowed?: boolean;
}

/** Each checkable workload: the reader's workload and the check. set judges by the final read (Jepsen's set); set-full by every read. */
const fileWorkloads = {
  'list-append': { reads: 'list-append', check: (h, o) => checkListAppend(h, o.consistencyModels ? { consistencyModels: o.consistencyModels } : {}) },
  'rw-register': {
    reads: 'rw-register',
    check: (h, o) => checkRwRegister(h, { ...(o.consistencyModels && { consistencyModels: o.consistencyModels }), sequentialKeys: o.sequentialKeys === true, linearizableKeys: o.linearizableKeys === true, wfrKeys: o.wfrKeys === true }),
  },
  set: { reads: 'set', check: (h) => checkSet(h, { finalFrom: 'after-last-fault' }) },
  'set-full': { reads: 'set', check: (h) => checkSet(h) },
  counter: { reads: 'counter', check: (h) => checkCounter(h) },
  bank: { reads: 'bank', check: (h, o) => checkBank(h, { negativeAllowed: o.negativeAllowed ?? false }) },
} satisfies Record<FileWorkload, { reads: JepsenWorkload; check: (history: History, options: WorkloadFileOptions) => CheckResult }>;

export type FileWorkload = (typeof FILE_WORKLOADS)[number];

export const fileWorkloadNames: readonly FileWorkload[] = FILE_WORKLOADS;

/** The formats a workload history may come in. */
export const workloadFormats = WORKLOAD_FORMATS;

export type WorkloadFormat = (typeof workloadFormats)[number];

/** Reads one history file of `workload` in `format`. */
export function parseWorkloadHistory(text: string, format: WorkloadFormat, workload: FileWorkload, source: string): History {
  const reads = fileWorkloads[workload].reads;
  switch (format) {
    case 'edn':
      return readJepsenWorkloadEdn(text, reads, source);
    case 'json':
      return readElleJson(text, source, reads === 'list-append' || reads === 'rw-register' ? 'txn' : undefined);
    case 'jsonl':
      return readJsonlHistory(text, source);
  }
}

/** The Jepsen EDN reader's workload for a checkable workload (set-full histories are sets). */
export function ednWorkloadOf(workload: FileWorkload): JepsenWorkload {
  return fileWorkloads[workload].reads;
}

/** True when `name` is a workload history files can be checked with. */
export function isFileWorkload(name: string): name is FileWorkload {
  return Object.hasOwn(fileWorkloads, name);
}

/** Reads one history file of `workload` in `format`, refusing a file that cannot be one from its first bytes (formats/history-text.ts). */
export function readWorkloadHistoryFile(path: string, format: WorkloadFormat, workload: FileWorkload): History {
  return format === 'jsonl' ? readJsonlFile(path) : parseWorkloadHistory(readHistoryText(path, format), format, workload, path);
}

/** Checks a history with a workload's checker; set and counter histories on independent keys key by key; a history with no ok client op is unknown. */
export async function checkWorkloadHistory(history: History, workload: FileWorkload, options: WorkloadFileOptions = {}): Promise<CheckResult> {
  const { reads, check } = fileWorkloads[workload];
  const untested = untestedReason(history);
  if (untested !== undefined) return { valid: 'unknown', summary: untested };
  if (!hasIndependentKeys(history, reads)) return check(history, options);
  return perKey((h) => check(h, options))(history, {});
}

/** Checks each file and prints its line; returns 0 all valid, 1 any invalid, 2 any unknown (none invalid). */
export async function checkWorkloadFiles(
  files: readonly string[],
  options: WorkloadFileOptions & { workload: string; format?: string | undefined; json: boolean },
  out: (line: string) => void,
): Promise<number> {
  const { workload, format } = options;
  if (!Object.hasOwn(fileWorkloads, workload)) throw new Error(`unknown workload "${workload}" for history files; expected one of ${fileWorkloadNames.join(', ')}`);
  if (format !== undefined && !(workloadFormats as readonly string[]).includes(format)) {
    throw new Error(`--format "${format}" cannot be used with --workload; expected one of ${workloadFormats.join(', ')}`);
  }
  const validities: Validity[] = [];
  for (const file of files) {
    let line: { file: string; valid: Validity; checkMs: number; summary?: string; error?: string; result?: CheckResult };
    const choice = formatOfFile(file, format);
    try {
      let history: History;
      try {
        if (!(workloadFormats as readonly string[]).includes(choice.format)) throw new Error(`format ${choice.format} cannot be checked with --workload; expected one of ${workloadFormats.join(', ')}`);
        history = readWorkloadHistoryFile(file, choice.format as WorkloadFormat, workload as FileWorkload);
      } catch (err) {
        throw new Error(withFormatNote(err instanceof Error ? err.message : String(err), file, choice));
      }
      const started = performance.now();
      const result = await checkWorkloadHistory(history, workload as FileWorkload, options);
      line = { file, valid: result.valid, checkMs: performance.now() - started, result, ...(result.summary !== undefined && { summary: result.summary }) };
    } catch (err) {
      line = { file, valid: 'unknown', checkMs: 0, error: err instanceof Error ? err.message : String(err) };
    }
    validities.push(line.valid);
    if (options.json) out(JSON.stringify(line));
    else out([file, verdictWord(line.valid), line.checkMs.toFixed(3), line.error ?? line.summary ?? ''].join('\t'));
  }
  return validities.includes(false) ? 1 : validities.includes('unknown') ? 2 : 0;
}

function verdictWord(valid: Validity): string {
  return valid === true ? 'valid' : valid === false ? 'invalid' : 'unknown';
}
