// `faultline check FILE... --format F --model M`: checks history files for linearizability, one
// line per file (FILE<TAB>ok|illegal|unknown<TAB>check-ms) or one JSON object per file with the
// counterexample. Check time excludes reading and parsing the file.
import { writeFileSync } from 'node:fs';
import { checkHistory, DEFAULT_TIMEOUT_MS, type LinearizableResult } from '../checkers/linearizable/index.js';
import { resolveModel } from '../checkers/linearizable/models/registry.js';
import { formatOfFile, withFormatNote } from './formats/format-of-file.js';
import { historyFormats, isHistoryFormat, readHistoryFile, type HistoryFormat } from './formats/read-history.js';
import type { History } from './op.js';
import { untestedReason } from './untested-history.js';

export interface CheckFilesOptions {
  /** The format of every file; default: each file's by its extension (formats/format-of-file.ts). */
  format?: HistoryFormat | undefined;
  /** A model name, with options if any: "cas-register", "cas-register;init=0;nil-read=any". */
  model: string;
  /** Budget per file in seconds (default 60); past it the verdict is unknown. */
  timeoutS?: number;
  json: boolean;
  /** One file only: where to write the linearization behind an ok verdict (tools/replay-linearization.mjs replays it). */
  linearization?: string | undefined;
}

/** Whether a format's values are `[key, v]` pairs: etcd logs are one register; kv logs are keyed. */
const keyedByFormat: Record<HistoryFormat, boolean | 'auto'> = { jsonl: 'auto', edn: 'auto', json: 'auto', 'etcd-log': false, 'kv-log': true };

/** Checks each file and prints its line; returns the exit code: 0 all ok, 1 any illegal, 2 any unknown (and none illegal). */
export async function checkFiles(files: string[], options: CheckFilesOptions, out: (line: string) => void): Promise<number> {
  if (options.format !== undefined && !isHistoryFormat(options.format)) {
    throw new Error(`unknown history format "${String(options.format)}"; expected one of ${Object.keys(historyFormats).join(', ')}`);
  }
  resolveModel(options.model); // fail before the first file on a bad model name
  if (options.linearization !== undefined && files.length !== 1) {
    throw new Error(`--linearization ${options.linearization} needs one history file; got ${files.length}`);
  }
  const timeoutMs = options.timeoutS === undefined ? DEFAULT_TIMEOUT_MS : options.timeoutS * 1000;
  let anyIllegal = false;
  let anyUnknown = false;
  for (const file of files) {
    let line: { file: string; result: 'ok' | 'illegal' | 'unknown'; checkMs: number; [more: string]: unknown };
    const choice = formatOfFile(file, options.format);
    try {
      if (!isHistoryFormat(choice.format)) throw new Error(`no reader for format "${choice.format}"; expected one of ${Object.keys(historyFormats).join(', ')}`);
      let history: History;
      try {
        history = await readHistoryFile(file, choice.format);
      } catch (err) {
        throw new Error(withFormatNote(err instanceof Error ? err.message : String(err), file, choice));
      }
      const untested = untestedReason(history);
      if (untested !== undefined) {
        line = { file, result: 'unknown', checkMs: 0, error: untested, ops: history.length };
      } else {
        const linearization = options.linearization !== undefined;
        const result = await checkHistory(history, { model: options.model, keyed: keyedByFormat[choice.format], timeoutMs, linearization });
        line = { file, result: result.outcome, checkMs: result.checkMs, summary: result.summary, ops: result.ops };
        if (linearization) line['linearization'] = writeLinearization(options.linearization!, options.model, history, result);
        if (result.failures[0]) line['counterexample'] = result.failures[0];
      }
    } catch (err) {
      line = { file, result: 'unknown', checkMs: 0, error: err instanceof Error ? err.message : String(err) };
    }
    anyIllegal ||= line.result === 'illegal';
    anyUnknown ||= line.result === 'unknown';
    if (options.json) out(JSON.stringify(line));
    else out([file, line.result, line.checkMs.toFixed(3), ...(line['error'] ? [String(line['error'])] : [])].join('\t'));
    if (!options.json && line['linearization'] !== undefined) out(`linearization ${String(line['linearization'])}`);
  }
  return anyIllegal ? 1 : anyUnknown ? 2 : 0;
}

/**
 * Writes the evidence of an ok verdict: the history as read and each independent part's order
 * (positions of invocations in it), for tools/replay-linearization.mjs. Not ok: nothing to write
 * (an illegal verdict's evidence is its counterexample); says so instead.
 */
function writeLinearization(path: string, model: string, history: History, result: LinearizableResult): string {
  if (result.outcome !== 'ok') return `not written: the verdict is ${result.outcome}${result.outcome === 'illegal' ? ' (its evidence is the counterexample)' : ''}`;
  const witness = {
    format: 'faultline-linearization',
    version: 1,
    model,
    keyed: result.keyed,
    history: history.map((op) => ({ type: op.type, process: op.process, f: op.f, value: op.value })),
    orders: result.keys.flatMap((key) => key.linearization ?? []),
  };
  writeFileSync(path, `${JSON.stringify(witness)}\n`);
  return `written to ${path}`;
}
