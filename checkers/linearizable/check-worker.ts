// A worker thread's entry point: rebuilds the model from its name and checks the groups it was sent.
import { parentPort, workerData } from 'node:worker_threads';
import { checkGroup } from './check-group.js';
import { resolveModel } from './models/registry.js';
import { unpackGroup, type WorkerTask } from './parallel.js';

const task = workerData as WorkerTask;
const model = resolveModel(task.modelSpec);
const deadlineAt = task.deadlineEpochMs - performance.timeOrigin;
const verdicts = task.groups.map((packed) => {
  const operations = unpackGroup(packed);
  return checkGroup(model, { key: undefined, operations }, deadlineAt, task.memoryBytes);
});
parentPort?.postMessage(verdicts);
