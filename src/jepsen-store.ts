// `faultline check <a Jepsen run directory>`: Jepsen's store/<test>/<time>/ holds history.edn (one
// vector of op maps, or one op map per line), often results.edn, and binary files faultline ignores
// (test.fressian, test.jepsen). The history is read with the EDN reader, its workload inferred
// (infer-jepsen-workload.ts) unless --workload or --model names it, and checked; nothing is written.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, DEFAULT_TIMEOUT_MS } from '../checkers/linearizable/index.js';
import { models, resolveModel } from '../checkers/linearizable/models/registry.js';
import { checkWorkloadHistory, ednWorkloadOf, fileWorkloadNames, isFileWorkload } from './check-workload-files.js';
import type { CheckResult, Validity } from './checker.js';
import { EdnKeyword, EdnMap, readEdn, type EdnValue } from './formats/edn.js';
import { readHistoryText } from './formats/history-text.js';
import { ednOpForms, historyFromEdnOps } from './formats/jepsen-edn.js';
import { jepsenWorkloadHistory } from './formats/jepsen-edn-workloads.js';
import { inferJepsenWorkload, type Inference } from './infer-jepsen-workload.js';
import { RUN_FILES } from './store.js';
import { untestedReason } from './untested-history.js';

export const JEPSEN_FILES = { history: 'history.edn', results: 'results.edn' } as const;

/** The `check` options that apply to a Jepsen directory, as the command line gives them. */
export interface JepsenCheckOptions {
  format?: string | undefined;
  workload?: string | undefined;
  model?: string | undefined;
  /** Comma-separated, for list-append and rw-register. */
  consistencyModels?: string | undefined;
  sequentialKeys?: boolean | undefined;
  linearizableKeys?: boolean | undefined;
  wfrKeys?: boolean | undefined;
  negativeAllowed?: boolean | undefined;
  timeoutS?: string | undefined;
  json?: boolean | undefined;
}

/** True for a directory holding Jepsen's history.edn and none of a faultline run's history.jsonl or test.json. */
export function isJepsenStoreDir(dir: string): boolean {
  return (
    existsSync(dir) &&
    statSync(dir).isDirectory() &&
    existsSync(join(dir, JEPSEN_FILES.history)) &&
    !existsSync(join(dir, RUN_FILES.history)) &&
    !existsSync(join(dir, RUN_FILES.test))
  );
}

/** Checks a Jepsen run directory, prints what it inferred and the verdict; returns 0 valid, 1 invalid, 2 unknown. */
export async function checkJepsenStore(dir: string, options: JepsenCheckOptions, out: (line: string) => void): Promise<number> {
  const chosen = chosenByFlags(options);
  const historyPath = join(dir, JEPSEN_FILES.history);
  const forms = ednOpForms(readEdn(readHistoryText(historyPath, 'edn'), historyPath));
  const results = await readResults(join(dir, JEPSEN_FILES.results));
  const inference: Inference = chosen ?? inferJepsenWorkload(forms.map((f) => f.value), results.value);
  if (inference.kind === 'unknown') {
    throw new Error(
      `cannot tell the workload of ${historyPath}: ${inference.reason}; give --workload (${fileWorkloadNames.join(', ')}) or --model (${Object.keys(models).join(', ')})`,
    );
  }
  const timeoutS = options.timeoutS === undefined ? undefined : Number(options.timeoutS);
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new Error(`--timeout-s "${options.timeoutS}" is not valid; expected a positive number of seconds`);
  const consistencyModels = options.consistencyModels?.split(',').map((m) => m.trim()).filter((m) => m !== '');

  let name: string;
  let result: CheckResult;
  if (inference.kind === 'workload') {
    name = inference.workload;
    const history = jepsenWorkloadHistory(forms, ednWorkloadOf(inference.workload), historyPath);
    result = await checkWorkloadHistory(history, inference.workload, {
      negativeAllowed: Boolean(options.negativeAllowed),
      sequentialKeys: Boolean(options.sequentialKeys),
      linearizableKeys: Boolean(options.linearizableKeys),
      wfrKeys: Boolean(options.wfrKeys),
      ...(consistencyModels !== undefined && { consistencyModels }),
    });
  } else {
    name = 'linearizable';
    const history = historyFromEdnOps(forms, historyPath);
    const untested = untestedReason(history);
    result = untested !== undefined
      ? { valid: 'unknown', summary: untested }
      : await checkHistory(history, { model: inference.model, keyed: 'auto', timeoutMs: timeoutS === undefined ? DEFAULT_TIMEOUT_MS : timeoutS * 1000 });
  }

  const what = inference.kind === 'workload' ? `workload: ${inference.workload}` : `model:    ${inference.model} (linearizability)`;
  const from = chosen ? `from ${inference.kind === 'workload' ? '--workload' : '--model'}` : `inferred from ${inference.evidence.join(' and ')}`;
  if (options.json) {
    out(JSON.stringify({
      dir,
      history: historyPath,
      ops: forms.length,
      ...(inference.kind === 'workload' ? { workload: inference.workload } : { model: inference.model }),
      from,
      ...(results.valid !== undefined && { jepsenValid: results.valid }),
      valid: result.valid,
      result,
    }));
  } else {
    const jepsenSaid = results.valid !== undefined ? `; results.edn says :valid? ${String(results.valid)}` : results.error ? `; results.edn not read: ${results.error}` : '';
    out(`jepsen run ${dir}: ${JEPSEN_FILES.history}, ${forms.length} ops${jepsenSaid}`);
    out(`${what}, ${from}`);
    out(`  ${name.padEnd(14)} ${verdictWord(result.valid)}${result.summary ? `  ${result.summary}` : ''}`);
    out(`verdict:  ${verdictWord(result.valid)}`);
  }
  return result.valid === true ? 0 : result.valid === false ? 1 : 2;
}

/** The workload or model the flags name, validated; undefined when neither is given. */
function chosenByFlags(options: JepsenCheckOptions): Inference | undefined {
  if (options.format !== undefined && options.format !== 'edn') {
    throw new Error(`--format "${options.format}" does not apply to a Jepsen run directory; its history is ${JEPSEN_FILES.history} (edn)`);
  }
  if (options.workload !== undefined && options.model !== undefined) {
    throw new Error('--model and --workload both given; expected one: --model for linearizability, --workload for a workload checker');
  }
  if (options.workload !== undefined) {
    if (!isFileWorkload(options.workload)) throw new Error(`unknown workload "${options.workload}" for history files; expected one of ${fileWorkloadNames.join(', ')}`);
    return { kind: 'workload', workload: options.workload, evidence: [] };
  }
  if (options.model !== undefined) {
    resolveModel(options.model);
    return { kind: 'model', model: options.model, evidence: [] };
  }
  return undefined;
}

/** results.edn's value and Jepsen's :valid? in it; a missing file is nothing, an unreadable one a note. */
async function readResults(path: string): Promise<{ value?: EdnValue; valid?: Validity; error?: string }> {
  if (!existsSync(path)) return {};
  try {
    const value = readEdn(readHistoryText(path, 'edn'), path)[0]?.value;
    if (value === undefined) return {};
    const valid = value instanceof EdnMap ? value.get('valid?') : undefined;
    return { value, ...(valid === true || valid === false ? { valid } : valid instanceof EdnKeyword && valid.name === 'unknown' ? { valid: 'unknown' as const } : {}) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function verdictWord(valid: Validity): string {
  return valid === true ? 'VALID' : valid === false ? 'INVALID' : 'UNKNOWN';
}
