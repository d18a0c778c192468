// The worker thread that renders the report of a big stored run (see render-stored-run.ts): it reads
// the run itself, so the history never crosses threads, and answers with nothing or one line.
import { workerData } from 'node:worker_threads';
import { answerParent } from '../src/check-stored-run.js';
import { renderStoredRunHere } from './render-stored-run.js';

await answerParent(() => {
  renderStoredRunHere(workerData as string);
  return '';
});
