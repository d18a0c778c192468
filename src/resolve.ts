// Resolves a plain test spec into live objects: runtime, db, workload, nemesis and checkers, each
// made by its definition from the registry. Nothing here names a database, workload or fault.
import { join } from 'node:path';
import { faults as faultsChecker } from '../checkers/faults.js';
import { stats } from '../checkers/stats.js';
import type { Checker } from './checker.js';
import type { Db, DbContext } from './db-contract.js';
import type { RuntimeName } from './define/db.js';
import type { Registry } from './define/registry.js';
import { combineNemeses, type CombinedNemesis } from './nemesis-schedule.js';
import { createRandom } from './random.js';
import { DockerRuntime } from './runtime/docker.js';
import { LocalRuntime } from './runtime/local.js';
import { SshRuntime } from './runtime/ssh.js';
import type { Runtime } from './runtime/runtime.js';
import { optionsOf, partsOf, type PartSpec, type TestSpec } from './spec.js';
import { RUN_FILES } from './store.js';
import type { Workload } from './workload.js';

/** What a run's faults need of its runtime from the first node's start. */
interface RuntimeNeeds {
  fakeClock: boolean;
  faultyDisks: boolean;
  memoryLimits: boolean;
}

const runtimes = {
  local: (spec: TestSpec, needs: RuntimeNeeds): Runtime => new LocalRuntime([...spec.nodes], needs),
  docker: (spec: TestSpec, needs: RuntimeNeeds, runDir: string): Runtime =>
    new DockerRuntime({ nodes: [...spec.nodes], runDir, fakeClock: needs.fakeClock, faultyDisks: needs.faultyDisks, log: (line) => process.stderr.write(`${line}\n`) }),
  ssh: (spec: TestSpec, needs: RuntimeNeeds, runDir: string): Runtime => {
    if (!spec.ssh) throw new Error('--runtime ssh needs its hosts: --hosts n1.example,n2.example or --hosts-file FILE');
    return new SshRuntime({ nodes: [...spec.nodes], runDir, ssh: spec.ssh, fakeClock: needs.fakeClock, log: (line) => process.stderr.write(`${line}\n`) });
  },
} satisfies Record<RuntimeName, (spec: TestSpec, needs: RuntimeNeeds, runDir: string) => Runtime>;

export { probeRuntime } from './runtime/probe.js';

/** Whether any of the spec's faults needs nodes to start under a fake clock. */
export function needsFakeClock(spec: TestSpec, registry: Registry): boolean {
  return partsOf(spec, registry).faults.some((fault) => fault.fakeClock);
}

/** Whether any of the spec's faults needs the nodes' data directories under faultfs. */
export function needsFaultyDisks(spec: TestSpec, registry: Registry): boolean {
  return partsOf(spec, registry).faults.some((fault) => fault.faultyDisk);
}

/** The database adapter of a spec, made but not started: what it serves and how its reads behave. */
export function dbOf(spec: TestSpec, registry: Registry): Db {
  const { db } = partsOf(spec, registry);
  const where = `db ${db.name}${db.source === undefined ? '' : ` (${db.source})`}`;
  let adapter: Db;
  try {
    adapter = db.create(optionsOf(spec.db) as never);
  } catch (err) {
    throw new Error(`${where}: create() threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  const missing = ['start', 'awaitReady'].filter((method) => typeof (adapter as unknown as Record<string, unknown> | undefined)?.[method] !== 'function');
  if (missing.length > 0) throw new Error(`${where}: create() returned an adapter without ${missing.join(' and ')}; expected an object with start(node, ctx) and awaitReady(nodes, ctx, deadlineMs)`);
  return adapter;
}

export interface LiveTest {
  runtime: Runtime;
  db: Db;
  dbCtx: DbContext;
  workload: Workload;
  nemesis: CombinedNemesis;
}

/** Builds the live objects of a run in `runDir`. */
export function resolveTest(spec: TestSpec, runDir: string, registry: Registry): LiveTest {
  const parts = partsOf(spec, registry);
  const needs = { fakeClock: needsFakeClock(spec, registry), faultyDisks: needsFaultyDisks(spec, registry), memoryLimits: parts.faults.some((fault) => fault.memoryLimits) };
  const runtime = runtimes[spec.runtime](spec, needs, runDir);
  const db = dbOf(spec, registry);
  const dbCtx: DbContext = {
    runtime,
    nodeDir: (node) => join(runDir, RUN_FILES.nodes, node),
    test: spec as unknown as DbContext['test'],
  };
  const workload = parts.workload.create({ db, dbCtx, nodes: spec.nodes, concurrency: spec.concurrency, rate: spec.rate, options: optionsOf(spec.workload) as never });
  const random = createRandom(spec.seed).fork('nemesis');
  const nemesisCtx = { runtime, db, dbCtx, nodes: spec.nodes, random };
  const nemesis = combineNemeses(parts.faults.map((fault, i) => ({ nemesis: fault.create({ ...nemesisCtx, options: optionsOf(spec.nemesis.faults[i] as PartSpec) as never }), healRank: fault.healRank })), spec.nemesis.intervalS);
  return { runtime, db, dbCtx, workload, nemesis };
}

/** The checkers of a spec: the workload's, then whether the requested faults happened, then stats. */
export function checkersFor(spec: TestSpec, registry: Registry): Record<string, Checker> {
  const { workload } = partsOf(spec, registry);
  const checkers = workload.checkers({ options: optionsOf(spec.workload) as never, db: dbOf(spec, registry), checkTimeoutMs: spec.checkTimeoutS * 1000 });
  return { ...checkers, faults: faultsChecker, stats };
}
