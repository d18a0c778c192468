// The worker thread that checks a big stored run (see check-stored-run.ts): it reads the history
// itself, so the history never crosses threads, and answers with results.json's text or one line.
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { answerParent, checkRun, registryInWorker, type CheckJob } from './check-stored-run.js';
import { readStoredHistory } from './run-history.js';
import { RUN_FILES } from './store.js';

const job = workerData as CheckJob;
await answerParent(async () => {
  const registry = await registryInWorker(job.modules);
  return JSON.stringify(await checkRun(job.spec, readStoredHistory(join(job.dir, RUN_FILES.history)), job.dir, job.facts, registry, { ...job.shrink, progress: (line) => process.stderr.write(`${line}\n`) }));
});
