// The worker thread that renders the report of a big stored run (see render-stored-run.ts): it reads
// the run itself, so the history never crosses threads, and answers with nothing or one line.
import { workerData } from 'node:worker_threads';
import { answerParent, registryInWorker } from '../src/check-stored-run.js';
import { renderStoredRunHere, type RenderJob } from './render-stored-run.js';

const job = workerData as RenderJob;
await answerParent(async () => {
  renderStoredRunHere(job.dir, await registryInWorker(job.modules));
  return '';
});
