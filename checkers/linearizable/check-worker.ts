// A worker thread's entry point: rebuilds the model from its name and checks the groups it was sent.
import { parentPort, workerData } from 'node:worker_threads';
import { checkGroups } from './check-group.js';
import { resolveModel } from './models/registry.js';
import { unpackGroup, type WorkerTask } from './parallel.js';

const task = workerData as WorkerTask;
const verdicts = checkGroups(
  resolveModel(task.modelSpec),
  task.groups.map((packed) => ({ key: undefined, operations: unpackGroup(packed) })),
  { deadlineAt: task.deadlineEpochMs - performance.timeOrigin, memoryBytes: task.memoryBytes, exhaustive: task.exhaustive, stop: task.stop },
);
parentPort?.postMessage(verdicts);
