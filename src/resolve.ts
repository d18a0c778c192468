// Resolves a plain test spec into live objects: runtime, db, workload, nemesis and checkers.
// The registries live here, typed by the names the spec allows.
import { join } from 'node:path';
import { convergence } from '../checkers/convergence.js';
import { faults } from '../checkers/faults.js';
import { stats } from '../checkers/stats.js';
import { builtinFaults } from '../nemesis/index.js';
import { combineNemeses, type CombinedNemesis } from '../nemesis/nemesis.js';
import { bankCheckers, bankWorkload, DEFAULT_BANK } from '../workloads/bank.js';
import { counterCheckers, counterWorkload } from '../workloads/counter.js';
import { DEFAULT_LIST_APPEND, listAppendCheckers, listAppendWorkload } from '../workloads/list-append.js';
import { registerCheckers, registerWorkload } from '../workloads/register.js';
import { sessionCheckers, sessionWorkload, DEFAULT_SESSION_KEYS } from '../workloads/session.js';
import { setCheckers, setWorkload } from '../workloads/set.js';
import type { Checker } from './checker.js';
import { bundledDb } from './db/bundled.js';
import { modeServes } from './kv/mode-ops.js';
import { etcdDb } from './db/etcd.js';
import { redisDb } from './db/redis.js';
import { zookeeperDb } from './db/zookeeper.js';
import type { Db, DbContext } from './db-contract.js';
import { createRandom } from './random.js';
import { DockerRuntime } from './runtime/docker.js';
import { LocalRuntime } from './runtime/local.js';
import type { Runtime } from './runtime/runtime.js';
import { RUN_FILES } from './store.js';
import type { TestSpec } from './spec.js';
import type { Workload } from './workload.js';

const runtimes = {
  local: (spec: TestSpec): Runtime => new LocalRuntime(spec.nodes, { fakeClock: spec.nemesis.includes('clock') }),
  docker: (spec: TestSpec, runDir: string): Runtime =>
    new DockerRuntime({ nodes: spec.nodes, runDir, fakeClock: spec.nemesis.includes('clock'), log: (line) => process.stderr.write(`${line}\n`) }),
} satisfies Record<TestSpec['runtime'], (spec: TestSpec, runDir: string) => Runtime>;

/** Where each database can run: the bundled store is a program faultline ships; the others come in node images. */
export const dbRuntimes: Record<TestSpec['db'], readonly TestSpec['runtime'][]> = {
  bundled: ['local', 'docker'],
  etcd: ['docker'],
  redis: ['docker'],
  zookeeper: ['docker'],
};

/** Workloads that give each key to a group of processes, one per node: concurrency must be a multiple of the group. */
export function usesKeyGroups(workload: TestSpec['workload']): boolean {
  return workload === 'register' || workload === 'set' || workload === 'counter';
}

/** Whether a runtime can make a fault at all (true), or why not; the machine's own tools are checked at preflight. */
export function runtimeCan(runtime: TestSpec['runtime'], fault: TestSpec['nemesis'][number]): true | string {
  const probe = runtimes[runtime]({ nodes: ['n1'], nemesis: [] } as unknown as TestSpec, '');
  return builtinFaults[fault].canRunOn(probe);
}

const dbs = {
  bundled: (spec: TestSpec): Db =>
    bundledDb({ storeMode: spec.storeMode, readMode: spec.readMode, replicas: spec.replicas, r: spec.r, w: spec.w, antiEntropy: spec.antiEntropy }),
  etcd: (): Db => etcdDb(),
  redis: (): Db => redisDb(),
  zookeeper: (): Db => zookeeperDb(),
} satisfies Record<TestSpec['db'], (spec: TestSpec) => Db>;

/** Each workload's checkers, buildable from the spec alone so a stored run can be re-checked. */
const workloadCheckers = {
  register: (spec: TestSpec) => ({
    ...registerCheckers({ checkTimeoutMs: spec.checkTimeoutS * 1000 }),
    // Registers without cas change only by writes, so convergence can name lost updates (a write
    // acknowledged after another completed, yet overwritten by it: LWW under clock skew).
    ...(spec.db === 'bundled' && !modeServes(spec.storeMode, 'cas') && { convergence: convergence({ type: 'register' }) }),
  }),
  set: () => setCheckers(),
  counter: () => counterCheckers(),
  bank: () => bankCheckers(DEFAULT_BANK),
  // Local reads are a consistent but possibly stale prefix: serializable at best.
  'list-append': (spec: TestSpec) =>
    listAppendCheckers({ consistencyModels: [spec.db === 'bundled' && spec.readMode === 'local' ? 'serializable' : 'strict-serializable'] }),
  session: () => sessionCheckers(),
} satisfies Record<TestSpec['workload'], (spec: TestSpec) => Record<string, Checker>>;

/** Seconds the set, counter, bank and session workloads wait after healing before their final reads (anti-entropy rounds). */
const FINAL_QUIESCE_S = 5;

const workloads = {
  register: (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    registerWorkload(db, dbCtx, {
      nodes: spec.nodes,
      concurrency: spec.concurrency,
      rate: spec.rate,
      opsPerKey: spec.opsPerKey,
      valueRange: 5,
    }),
  set: (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    setWorkload(db, dbCtx, { nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, opsPerKey: spec.opsPerKey, quiesceS: FINAL_QUIESCE_S }),
  counter: (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    counterWorkload(db, dbCtx, { nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, opsPerKey: spec.opsPerKey, quiesceS: FINAL_QUIESCE_S }),
  bank: (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    bankWorkload(db, dbCtx, { nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, ...DEFAULT_BANK, quiesceS: FINAL_QUIESCE_S }),
  'list-append': (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    listAppendWorkload(db, dbCtx, { nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, ...DEFAULT_LIST_APPEND }),
  session: (spec: TestSpec, db: Db, dbCtx: DbContext): Workload =>
    sessionWorkload(db, dbCtx, { nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, session: spec.session, keys: DEFAULT_SESSION_KEYS, quiesceS: FINAL_QUIESCE_S }),
} satisfies Record<TestSpec['workload'], (spec: TestSpec, db: Db, dbCtx: DbContext) => Workload>;

export interface LiveTest {
  runtime: Runtime;
  db: Db;
  dbCtx: DbContext;
  workload: Workload;
  nemesis: CombinedNemesis;
}

/** Builds the live objects of a run in `runDir`. */
export function resolveTest(spec: TestSpec, runDir: string): LiveTest {
  const runtime = runtimes[spec.runtime](spec, runDir);
  const db = dbs[spec.db](spec);
  const dbCtx: DbContext = {
    runtime,
    nodeDir: (node) => join(runDir, RUN_FILES.nodes, node),
    test: spec as unknown as DbContext['test'],
  };
  const workload = workloads[spec.workload](spec, db, dbCtx);
  const random = createRandom(spec.seed).fork('nemesis');
  const nemesisCtx = { runtime, db, dbCtx, nodes: spec.nodes, random };
  const nemesis = combineNemeses(spec.nemesis.map((name) => ({ nemesis: builtinFaults[name].create(nemesisCtx), healRank: builtinFaults[name].healRank })), spec.nemesisIntervalS);
  return { runtime, db, dbCtx, workload, nemesis };
}

/** The checkers of a spec: the workload's, then whether the requested faults happened, then stats. */
export function checkersFor(spec: TestSpec): Record<string, Checker> {
  return { ...workloadCheckers[spec.workload](spec), faults, stats };
}
