// Checking independent keys in worker threads. It pays only for big histories with many keys on
// machines with cores to spare: the ops must be copied to the worker, and a fresh isolate starts
// cold. Only named models can cross (a worker rebuilds the model from its name; functions cannot
// be sent).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GroupCheckOptions, GroupVerdict } from './check-group.js';
import type { KeyGroup } from './history-operations.js';
import { UNKNOWN, type Operation } from './model.js';

/** What a worker is sent: a model spec, a shared deadline, and its groups' operations in columns. */
export interface WorkerTask {
  modelSpec: string;
  /** Deadline as epoch ms (performance.timeOrigin differs per thread). */
  deadlineEpochMs: number;
  memoryBytes: number;
  exhaustive: boolean;
  /** Shared with every thread: 1 once any key is illegal. */
  stop: Int32Array;
  groups: PackedGroup[];
}

/** A group's operations in columns; inputs and outputs as one JSON text each (cheaper to copy than objects). */
export interface PackedGroup {
  inputs: string;
  outputs: string;
  known: Uint8Array;
  call: Float64Array;
  ret: Float64Array;
  id: Int32Array;
}

/**
 * "auto" uses workers only for at least this many operations, and only with 4 or more cores:
 * measured on 2 cores, copying the ops and warming a fresh isolate cost more than the second core
 * gave back (1,000,000 ops over 1,000 keys: 3.2 s on one thread, 6.7 s with a worker).
 */
const minOpsForWorkers = 200_000;
const minCoresForWorkers = 4;
const workerUrl = new URL('./check-worker.js', import.meta.url);

/** True when the history is big enough, has enough keys, and the compiled worker exists. */
export function shouldUseWorkers(groups: readonly KeyGroup[], workers: number | 'auto'): boolean {
  if (workers === 0 || groups.length < 2) return false;
  if (workers === 'auto') {
    if (availableParallelism() < minCoresForWorkers) return false;
    let ops = 0;
    for (const g of groups) ops += g.operations.length;
    if (ops < minOpsForWorkers) return false;
  }
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl));
}

/** Packs one group's operations into columns; UNKNOWN (a symbol) becomes known=0. Inputs and outputs must be JSON data, as the registry's models' are. */
export function packGroup(operations: readonly Operation<unknown, unknown>[]): PackedGroup {
  const n = operations.length;
  const inputs = new Array<unknown>(n);
  const outputs = new Array<unknown>(n);
  const packed: PackedGroup = {
    inputs: '',
    outputs: '',
    known: new Uint8Array(n),
    call: new Float64Array(n),
    ret: new Float64Array(n),
    id: new Int32Array(n),
  };
  operations.forEach((op, i) => {
    inputs[i] = op.input;
    packed.known[i] = op.output === UNKNOWN ? 0 : 1;
    outputs[i] = op.output === UNKNOWN ? null : op.output;
    packed.call[i] = op.call;
    packed.ret[i] = op.return;
    packed.id[i] = op.id;
  });
  packed.inputs = JSON.stringify(inputs);
  packed.outputs = JSON.stringify(outputs);
  return packed;
}

/** The operations a packed group stands for. */
export function unpackGroup(packed: PackedGroup): Operation<unknown, unknown>[] {
  const outputs = JSON.parse(packed.outputs) as unknown[];
  return (JSON.parse(packed.inputs) as unknown[]).map((input, i) => ({
    input,
    output: packed.known[i] ? outputs[i] : UNKNOWN,
    call: packed.call[i]!,
    return: packed.ret[i]!,
    id: packed.id[i]!,
  }));
}

/**
 * Checks groups across threads: the main thread takes one share, each worker another, balanced by
 * op count, all sharing one stop flag. Verdicts come back in the groups' order.
 */
export async function checkGroupsInWorkers(
  modelSpec: string,
  groups: readonly KeyGroup[],
  options: GroupCheckOptions & { workers: number | 'auto' },
  checkHere: (groups: KeyGroup[], options: GroupCheckOptions) => GroupVerdict[],
): Promise<GroupVerdict[]> {
  const threads = Math.max(1, Math.min(options.workers === 'auto' ? availableParallelism() : options.workers + 1, groups.length));
  const shares: number[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  const order = groups.map((_, i) => i).sort((a, b) => groups[b]!.operations.length - groups[a]!.operations.length);
  for (const g of order) {
    let least = 0;
    for (let t = 1; t < threads; t++) if (load[t]! < load[least]!) least = t;
    shares[least]!.push(g);
    load[least]! += groups[g]!.operations.length + 1;
  }
  // Keep each share in history order, so rounds visit keys as the history did.
  for (const share of shares) share.sort((a, b) => a - b);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const shared: GroupCheckOptions = { deadlineAt: options.deadlineAt, memoryBytes: options.memoryBytes, exhaustive: options.exhaustive, stop };
  const verdicts = new Array<GroupVerdict>(groups.length);
  const running = shares.slice(1).map((share) => {
    const task: WorkerTask = {
      modelSpec,
      deadlineEpochMs: performance.timeOrigin + options.deadlineAt,
      memoryBytes: options.memoryBytes,
      exhaustive: options.exhaustive,
      stop,
      groups: share.map((g) => packGroup(groups[g]!.operations)),
    };
    return runWorker(task).then((results) => results.forEach((v, i) => (verdicts[share[i]!] = v)));
  });
  const mine = checkHere(shares[0]!.map((g) => groups[g]!), shared);
  mine.forEach((v, i) => (verdicts[shares[0]![i]!] = v));
  await Promise.all(running);
  return verdicts;
}

function runWorker(task: WorkerTask): Promise<GroupVerdict[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: task });
    worker.once('message', (results: GroupVerdict[]) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`linearizability worker exited with code ${code}`));
    });
  });
}
