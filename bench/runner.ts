// Benchmark of the harness itself: the real interpreter, worker pool, generator (the register
// workload's) and history writer, wired as a run wires them, against a no-op client and against
// an in-process fake database that answers after a random delay. Prints ops/s, the generator's
// share of the time, and the controller's memory, then checks the history file it recorded.
//
//   npm run bench:runner -- [--seconds 5] [--delayMs 2] [--seed 1] [--repeat 1]
//   npm run bench:runner -- --concurrency 10 --db 0     (one case: no-op client at concurrency 10)
//
// Each case runs in a child process of its own, so its peak RSS is its own. An op is an
// invocation and its completion: ops/s counts completed ops, the history holds two lines per op.
// ops/CPU s divides by the controller's CPU time instead of wall time: on a loaded machine it
// moves less than ops/s. The generator's share is of wall time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { Db, DbContext, RegisterConnection } from '../src/db-contract.js';
import { any, clients, nemesis, op as nextOf, timeLimit, update as updateOf, type Gen, type GenNode } from '../src/generator.js';
import { HistoryWriter } from '../src/history-file.js';
import { Interpreter } from '../src/interpreter.js';
import { pairOps, type Op } from '../src/op.js';
import { Progress } from '../src/progress.js';
import { createRandom, type Random } from '../src/random.js';
import { readStoredHistory } from '../src/run-history.js';
import type { Client } from '../src/workload.js';
import { WorkerPool } from '../src/worker-pool.js';
import { registerWorkload } from '../workloads/register.js';
import { parseBenchArgs } from './bench-args.js';

const defaults = { seconds: 5, delayMs: 2, seed: 1, repeat: 1, concurrency: 0, db: -1 };
const CONCURRENCIES = [1, 10, 50, 200];
const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];

interface CaseResult {
  client: string;
  concurrency: number;
  ops: number;
  seconds: number;
  /** CPU time of the controller (user + system) over the same span: less at the mercy of the machine's load than wall time. */
  cpuSeconds: number;
  generatorMs: number;
  /** Sampled while the workload runs (every 4,096 ops and at its end), so reading the history back afterwards does not count. */
  peakRssBytes: number;
  peakHeapBytes: number;
  historyBytes: number;
}

const options = parseBenchArgs(process.argv.slice(2), defaults);
if (options.concurrency > 0 && options.db >= 0) {
  console.log(JSON.stringify(await runCase(options.concurrency, options.db === 1)));
} else {
  printTable();
}

/** Runs every case in a child process and prints one row per case. */
function printTable(): void {
  const self = fileURLToPath(import.meta.url);
  console.log(`bench:runner: register workload's generator, ${NODES.length} nodes, ${options.seconds} s per case, fake db delay 0-${options.delayMs} ms, seed ${options.seed}, node ${process.version}`);
  console.log(['client', 'conc', 'ops', 'ops/s', 'ops/CPU s', 'lines/s', 'gen share', 'peak RSS', 'peak heap', 'history'].map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(10))).join(''));
  for (let r = 0; r < options.repeat; r++) {
    for (const db of [0, 1]) {
      for (const concurrency of CONCURRENCIES) {
        const args = [self, '--concurrency', String(concurrency), '--db', String(db), '--seconds', String(options.seconds), '--delayMs', String(options.delayMs), '--seed', String(options.seed)];
        const out = execFileSync(process.execPath, [...process.execArgv, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        const result = JSON.parse(out.trim().split('\n').pop() as string) as CaseResult;
        const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
        console.log([
          result.client.padEnd(8),
          String(result.concurrency).padStart(10),
          String(result.ops).padStart(10),
          Math.round(result.ops / result.seconds).toLocaleString('en').padStart(10),
          Math.round(result.ops / result.cpuSeconds).toLocaleString('en').padStart(10),
          Math.round((2 * result.ops) / result.seconds).toLocaleString('en').padStart(10),
          `${((100 * result.generatorMs) / (result.seconds * 1000)).toFixed(1)}%`.padStart(10),
          mb(result.peakRssBytes).padStart(10),
          mb(result.peakHeapBytes).padStart(10),
          mb(result.historyBytes).padStart(10),
        ].join(''));
      }
    }
  }
}

/** One case: a run's main phase for `seconds`, then the recorded history checked against what the clients saw. */
async function runCase(concurrency: number, fakeDb: boolean): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-runner-'));
  try {
    const random = createRandom(options.seed);
    const delays = random.fork('delays');
    let invoked = 0;
    const db = fakeDatabase(fakeDb ? delays : undefined, options.delayMs, () => invoked++);
    const dbCtx = {} as DbContext;
    const workload = registerWorkload(db, dbCtx, { nodes: NODES, concurrency, rate: 1e12, opsPerKey: 100, valueRange: 5 });
    const noop: Client = {
      invoke: async (op) => {
        invoked++;
        return { type: 'ok', value: op.value };
      },
      close: async () => undefined,
    };
    const pool = new WorkerPool({
      nodes: NODES,
      open: async (node) => (fakeDb ? workload.open(node) : noop),
      nemesis: async () => null,
      opTimeoutMs: 5000,
      nemesisTimeoutMs: 60_000,
    });
    const path = join(dir, 'history.jsonl');
    const writer = new HistoryWriter(path, { onError: (message) => { throw new Error(message); } });
    const progress = new Progress(process.stderr, options.seconds, () => pool.now());
    let recorded = 0;
    let peakHeap = 0;
    let peakRss = 0;
    const sampleMemory = () => {
      peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    };
    const interpreter = new Interpreter({
      concurrency,
      nemesis: true,
      executor: pool,
      random: random.fork('generator'),
      record: (op) => {
        writer.append(op);
        progress.record(op);
        if ((++recorded & 4095) === 0) sampleMemory();
      },
      nodeOf: (thread) => pool.nodeOf(thread),
    });
    const clock = { ns: 0 };
    const generator = timed(any(clients(workload.generator), nemesis(null)), clock);
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    await interpreter.run(timeLimit(options.seconds * 1e9, generator));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    await pool.close();
    writer.close();
    sampleMemory();
    const ops = verifyHistory(path, recorded, invoked);
    return {
      client: fakeDb ? 'fake-db' : 'no-op',
      concurrency,
      ops,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      generatorMs: clock.ns / 1e6,
      peakRssBytes: peakRss,
      peakHeapBytes: peakHeap,
      historyBytes: statSync(path).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the history back and checks it is whole: every op recorded, in order, each invocation completed once. */
function verifyHistory(path: string, recorded: number, invoked: number): number {
  const history = readStoredHistory(path);
  const fail = (why: string): never => {
    throw new Error(`history ${path} is not what the run recorded: ${why}`);
  };
  if (history.length !== recorded) fail(`${history.length} lines, but ${recorded} ops were recorded`);
  history.forEach((op: Op, i) => {
    if (op.index !== i) fail(`line ${i + 1} has index ${op.index}`);
  });
  const pairs = pairOps(history);
  for (const { invoke, complete } of pairs) {
    if (complete === undefined) fail(`op ${invoke.index} (f=${invoke.f}) never completed`);
    else if (complete.time < invoke.time || complete.f !== invoke.f) fail(`op ${complete.index} does not complete op ${invoke.index} (f=${invoke.f})`);
  }
  if (pairs.length !== invoked) fail(`${pairs.length} ops in the history, but the clients were invoked ${invoked} times`);
  if (2 * pairs.length !== history.length) fail(`${history.length} lines for ${pairs.length} ops`);
  return pairs.length;
}

/** A register database in memory: each call answers after a delay drawn from 0..maxDelayMs (none without `delays`). */
function fakeDatabase(delays: Random | undefined, maxDelayMs: number, onCall: () => void): Db {
  const registers = new Map<string, unknown>();
  const answer = <T>(value: () => T): Promise<T> => {
    onCall();
    const ms = delays ? delays.int(maxDelayMs + 1) : 0;
    return new Promise((resolve) => setTimeout(() => resolve(value()), ms));
  };
  const connection: RegisterConnection = {
    read: (key) => answer(() => registers.get(key) ?? null),
    write: (key, value) => answer(() => void registers.set(key, value)),
    cas: (key, from, to) =>
      answer(() => {
        if ((registers.get(key) ?? null) !== from) return false;
        registers.set(key, to);
        return true;
      }),
    close: async () => undefined,
  };
  return { name: 'fake', openRegister: async () => connection } as unknown as Db;
}

/** Wraps a generator so the time spent asking and updating it (and everything it returns) adds up in `clock`. */
function timed(gen: Gen, clock: { ns: number }): Gen {
  if (gen == null) return gen;
  const node: GenNode = {
    op(ctx) {
      const start = performance.now();
      const result = nextOf(gen, ctx);
      clock.ns += (performance.now() - start) * 1e6;
      return result === null || result === 'pending' ? result : [result[0], timed(result[1], clock)];
    },
  };
  // A generator that ignores events is given none (the interpreter skips them), as without the wrapper.
  if (reacts(gen)) {
    node.update = (ctx, event) => {
      const start = performance.now();
      const next = updateOf(gen, ctx, event);
      clock.ns += (performance.now() - start) * 1e6;
      return timed(next, clock);
    };
  }
  return node;
}

/** Whether a generator reacts to events (as generator.ts's `reacts`, which main before this bench's changes lacks). */
function reacts(gen: Gen): boolean {
  return gen != null && typeof gen === 'object' && !Array.isArray(gen) && typeof (gen as GenNode).update === 'function';
}
