// The worker thread that checks a big stored run (see check-stored-run.ts): it reads the history
// itself, so the history never crosses threads, and answers with results.json's text or one line.
import { parentPort, workerData } from 'node:worker_threads';
import { checkRun, type CheckAnswer, type CheckJob } from './check-stored-run.js';
import { readStoredHistory } from './run-history.js';
import { RUN_FILES } from './store.js';
import { join } from 'node:path';
import { loadRegistry } from './define/registry.js';

const job = workerData as CheckJob;
let answer: CheckAnswer;
try {
  const registry = await loadRegistry(job.modules.map(compiled));
  const results = await checkRun(job.spec, readStoredHistory(join(job.dir, RUN_FILES.history)), job.dir, job.facts, registry);
  answer = { results: JSON.stringify(results) };
} catch (err) {
  answer = { error: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(answer);

/** A module of faultline's own source (a test runs from it) as its compiled file in dist, which the worker can import. */
function compiled(module: string): string {
  const match = /^(file:\/\/.*)\/(src|workloads|nemesis|checkers)\/(.*)\.ts$/.exec(module);
  return match === null || module.includes('/dist/') ? module : `${match[1]}/dist/${match[2]}/${match[3]}.js`;
}
