// Deterministic fake runs for the report's tests and for looking at a report by eye: a 30 s
// register test with partitions, a kill and a linearizability failure, and big synthetic histories.
import type { CheckResult, LinearizabilityFailure, WitnessOp } from '../src/checker.js';
import { pairOps, type History, type Op, type OpPair } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { NodeAnnotation } from '../reports/node-annotations.js';
import type { ReportInput } from '../reports/report-input.js';

const s = 1e9;
const ms = 1e6;

interface Fault {
  f: string;
  startNs: number;
  stopNs: number | null;
  value: unknown;
}

interface RunShape {
  seed: number;
  durationS: number;
  concurrency: number;
  nodes: string[];
  keys: number;
  /** Mean pause between a process's ops. */
  thinkMs: number;
  faults: Fault[];
}

const sampleFaults: Fault[] = [
  { f: 'partition', startNs: 5 * s, stopNs: 12 * s, value: { grudge: { n1: ['n2', 'n3', 'n4', 'n5'], n2: ['n1'], n3: ['n1'], n4: ['n1'], n5: ['n1'] }, description: 'n1 | n2 n3 n4 n5' } },
  { f: 'kill', startNs: 16 * s, stopNs: 21 * s, value: { nodes: ['n2'], description: 'n2' } },
  { f: 'partition', startNs: 24 * s, stopNs: null, value: { grudge: { n1: ['n4', 'n5'], n2: ['n4', 'n5'], n3: ['n4', 'n5'], n4: ['n1', 'n2', 'n3'], n5: ['n1', 'n2', 'n3'] }, description: 'n1 n2 n3 | n4 n5' } },
];

/** Builds a register history: processes cycle read / write / cas on integer keys against nodes, faults bite the affected nodes. */
export function generateHistory(shape: RunShape): Op[] {
  const draw = createRandom(shape.seed);
  const random = (): number => draw.next();
  const events: Omit<Op, 'index'>[] = [];
  const cut = (node: string, t: number): 'partitioned' | 'killed' | undefined => {
    for (const fault of shape.faults) {
      if (t < fault.startNs || (fault.stopNs !== null && t >= fault.stopNs)) continue;
      const v = fault.value as { nodes?: string[]; grudge?: Record<string, string[]> };
      if (fault.f === 'kill' && v.nodes?.includes(node)) return 'killed';
      // A node cut off from a majority cannot commit.
      if (fault.f === 'partition' && (v.grudge?.[node]?.length ?? 0) * 2 >= shape.nodes.length) return 'partitioned';
    }
    return undefined;
  };
  for (let worker = 0; worker < shape.concurrency; worker++) {
    let process = worker;
    let t = Math.floor(random() * shape.thinkMs * ms);
    const node = shape.nodes[worker % shape.nodes.length]!;
    while (t < shape.durationS * s) {
      const key = Math.floor(random() * shape.keys);
      const roll = random();
      const f = roll < 0.5 ? 'read' : roll < 0.8 ? 'write' : 'cas';
      const value = f === 'read' ? [key, null] : f === 'write' ? [key, Math.floor(random() * 5)] : [key, [Math.floor(random() * 5), Math.floor(random() * 5)]];
      events.push({ time: t, process, type: 'invoke', f, value, node });
      const trouble = cut(node, t);
      let end: number;
      if (trouble === 'partitioned') {
        end = t + 1000 * ms;
        events.push({ time: end, process, type: 'info', f, value, node, error: 'timeout after 1000 ms' });
        process += shape.concurrency;
      } else if (trouble === 'killed') {
        end = t + Math.floor((0.2 + random()) * ms);
        events.push({ time: end, process, type: 'fail', f, value, node, error: 'connection refused' });
      } else {
        // Log-normal-ish latency around 3 ms with a long tail.
        const latencyNs = Math.floor(Math.exp(Math.log(3) + 0.6 * gaussian(random)) * ms);
        end = t + latencyNs;
        const failed = f === 'cas' && random() < 0.4;
        const result = f === 'read' ? [key, Math.floor(random() * 5)] : value;
        events.push({ time: end, process, type: failed ? 'fail' : 'ok', f, value: failed ? value : result, node, ...(failed ? { error: 'cas mismatch' } : {}) });
      }
      t = end + Math.floor(random() * 2 * shape.thinkMs * ms);
    }
  }
  for (const fault of shape.faults) {
    events.push({ time: fault.startNs - 2 * ms, process: 'nemesis', type: 'invoke', f: `start-${fault.f}`, value: null });
    events.push({ time: fault.startNs, process: 'nemesis', type: 'info', f: `start-${fault.f}`, value: fault.value });
    if (fault.stopNs !== null) {
      events.push({ time: fault.stopNs - 2 * ms, process: 'nemesis', type: 'invoke', f: `stop-${fault.f}`, value: null });
      events.push({ time: fault.stopNs, process: 'nemesis', type: 'info', f: `stop-${fault.f}`, value: null });
    }
  }
  // A stable sort keeps each process's invoke before its completion even at equal times.
  events.sort((a, b) => a.time - b.time);
  return events.map((e, index) => ({ index, ...e }));
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A register failure built from real ops of the history: the last ops on `key` before `atNs`, then a read nobody wrote. */
export function fakeFailure(history: History, key: number, atNs: number): LinearizabilityFailure {
  const pairs = pairOps(history).filter((p) => p.invoke.process !== 'nemesis' && (p.invoke.value as [number, unknown])[0] === key && p.complete?.type !== 'fail');
  const before = pairs.filter((p) => p.invoke.time < atNs);
  const stuckPair = pairs.find((p) => p.invoke.time >= atNs && p.invoke.f === 'read' && p.complete?.type === 'ok') ?? before.pop()!;
  // The last 30 ops, plus the latest op that timed out: an info op may take effect any time after
  // its invocation, so a checker typically linearizes it late, as here, three from the end.
  const recent = before.filter((p) => p.complete?.type !== 'info').slice(-30);
  const timedOut = before.filter((p) => p.complete?.type === 'info').slice(-1);
  const chosen = [...recent.slice(0, -3), ...timedOut, ...recent.slice(-3)];
  let state = 0;
  const linearized = chosen.map((p) => {
    const [, arg] = p.invoke.value as [number, unknown];
    if (p.invoke.f === 'write') state = arg as number;
    if (p.invoke.f === 'cas' && state === (arg as number[])[0]) state = (arg as number[])[1]!;
    const op = witness(p, p.invoke.f === 'read' ? state : undefined);
    return { op, stateAfter: String(state) };
  });
  const impossible = 7;
  const stuckOp = witness(stuckPair, impossible);
  return {
    key,
    linearized,
    state: String(state),
    stuck: [{ op: stuckOp, reason: `read returned ${impossible}, but the register holds ${state} and no write of ${impossible} is pending` }],
  };
}

function witness({ invoke, complete }: OpPair, readValue?: number): WitnessOp {
  const [key, arg] = invoke.value as [number, unknown];
  const unknown = complete?.type !== 'ok';
  const what = invoke.f === 'read' ? `read k${key} -> ${unknown ? '?' : readValue}` : invoke.f === 'write' ? `write k${key} ${arg}` : `cas k${key} ${(arg as number[])[0]}->${(arg as number[])[1]}`;
  return {
    index: invoke.index,
    process: invoke.process as number,
    f: invoke.f,
    value: invoke.value,
    result: unknown ? 'unknown' : invoke.f === 'read' ? [key, readValue] : complete!.value,
    start: invoke.time,
    end: unknown ? null : complete!.time,
    ...(invoke.node === undefined ? {} : { node: invoke.node }),
    description: `${what}${unknown ? ' (unknown)' : ''}`,
  };
}

/** Counts and latency percentiles per f, shaped like the stats checker's result. */
export function fakeStats(history: History): CheckResult {
  const counts: Record<string, { ok: number; fail: number; info: number }> = {};
  const latencies: Record<string, number[]> = {};
  let okCount = 0;
  let endNs = 0;
  for (const { invoke, complete } of pairOps(history)) {
    if (invoke.process === 'nemesis' || !complete) continue;
    const c = (counts[invoke.f] ??= { ok: 0, fail: 0, info: 0 });
    c[complete.type as 'ok' | 'fail' | 'info']++;
    if (complete.type === 'ok') {
      okCount++;
      (latencies[invoke.f] ??= []).push((complete.time - invoke.time) / ms);
    }
    endNs = Math.max(endNs, complete.time);
  }
  const latencyMs = Object.fromEntries(
    Object.entries(latencies).map(([f, l]) => {
      l.sort((a, b) => a - b);
      const at = (q: number): number => l[Math.min(l.length - 1, Math.floor(q * l.length))]!;
      return [f, { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: l[l.length - 1]! }];
    }),
  );
  return { valid: true, summary: `${okCount} ok ops in ${(endNs / s).toFixed(1)} s`, counts, latencyMs, throughputPerS: okCount / (endNs / s) };
}

const sampleShape: RunShape = { seed: 42, durationS: 30, concurrency: 5, nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], keys: 4, thinkMs: 8, faults: sampleFaults };

/** What a primary-replica store's nodes would log around the sample's faults: failovers, a rollback, resyncs. */
function sampleNodeEvents(): NodeAnnotation[] {
  const at = (s_: number, node: string, event: string, message: string, detail: Record<string, unknown> = {}): NodeAnnotation => ({ atNs: s_ * s, node, event, message, detail });
  return [
    at(-0.8, 'n1', 'failover', 'became primary in epoch 1 with 5 votes, at index 0', { epoch: 1 }),
    at(6.1, 'n2', 'election', 'no word from n1 for 1000 ms; standing for primary in epoch 2', { epoch: 2 }),
    at(6.2, 'n2', 'failover', 'became primary in epoch 2 with 4 votes, at index 812', { epoch: 2 }),
    at(12.3, 'n1', 'rollback', 'rolled back 17 writes after index 812 that primary n2 never had; resynced to 840', { discarded: 17 }),
    at(12.3, 'n1', 'role', 'became replica in epoch 2 (a primary of a newer epoch)', { epoch: 2 }),
    at(17.0, 'n3', 'election', 'no word from n2 for 1000 ms; standing for primary in epoch 3', { epoch: 3 }),
    at(17.1, 'n3', 'failover', 'became primary in epoch 3 with 4 votes, at index 1633', { epoch: 3 }),
    at(21.4, 'n2', 'resync', 'resynced from n3 in epoch 3', { epoch: 3 }),
  ];
}

/** The sample run: 30 s, 5 processes, two partitions and a kill, an invalid linearizable result, the nodes' events. */
export function sampleRun(): ReportInput {
  const history = generateHistory(sampleShape);
  // Fail on the key of the last op that timed out before 9.5 s, so the witness has an op in flight.
  const timedOut = history.filter((op) => op.type === 'info' && op.process !== 'nemesis' && op.time < 9.5 * s).pop();
  const key = timedOut ? (timedOut.value as [number, unknown])[0] : 2;
  const failure = fakeFailure(history, key, 9.5 * s);
  const stuck = failure.stuck[0]!.op;
  const results: CheckResult = {
    valid: false,
    results: {
      stats: fakeStats(history),
      linearizable: {
        valid: false,
        summary: `not linearizable: key ${key}: ${stuck.description} (op ${stuck.index}) cannot be linearized`,
        keys: { checked: 4, failed: [key] },
        failures: [failure],
      },
      convergence: { valid: 'unknown', summary: 'no final read from n2', missingFinalReads: ['n2'], replicas: { n1: [0, 3], n3: [0, 3] } },
    },
  };
  return {
    test: {
      name: 'register-partition-kill',
      nodes: sampleShape.nodes,
      concurrency: 5,
      timeLimitS: 30,
      workload: 'register',
      nemesis: ['partition', 'kill'],
      nemesisIntervalS: 5,
      seed: 42,
      runtime: 'local',
      db: 'bundled',
      storeMode: 'primary',
    },
    history,
    results,
    nodeEvents: sampleNodeEvents(),
    nodeLogs: sampleShape.nodes.map((node) => ({ node, href: `nodes/${node}/node.log`, bytes: 48_000 })),
    run: {
      dir: 'store/register-partition-kill/20250301T120000.000Z',
      startedAt: '2025-03-01T12:00:00.000Z',
      durationMs: 34_120,
      replayCommand: 'npx faultline test --workload register --nemesis partition,kill --db bundled --store-mode primary --time-limit 30 --seed 42',
      recheckCommand: 'npx faultline check store/register-partition-kill/20250301T120000.000Z',
    },
  };
}

/** A valid run of exactly `opCount` ops (50 processes over 600 s, faults every 2 min) to measure rendering at scale. */
export function syntheticRun(opCount: number): ReportInput {
  const concurrency = 50;
  const durationS = 600;
  // Each op is an invoke and a completion, ~3.6 ms apart: aim 10% over opCount events, then cut.
  const pairsPerProcess = (opCount * 1.1) / 2 / concurrency;
  const thinkMs = Math.max(0.1, (durationS * 1000) / pairsPerProcess - 3.6);
  const faults: Fault[] = [];
  for (let t = 60; t < durationS - 60; t += 120) {
    faults.push({ f: 'partition', startNs: t * s, stopNs: (t + 30) * s, value: { grudge: { n1: ['n2', 'n3', 'n4', 'n5'] }, description: 'n1 | n2 n3 n4 n5' } });
    faults.push({ f: 'kill', startNs: (t + 60) * s, stopNs: (t + 75) * s, value: { nodes: ['n3'], description: 'n3' } });
  }
  const history = generateHistory({ seed: 7, durationS, concurrency, nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], keys: 100, thinkMs, faults }).slice(0, opCount);
  return {
    test: { name: 'synthetic-large', concurrency, timeLimitS: durationS, workload: 'register', nemesis: ['partition', 'kill'], seed: 7 },
    history,
    results: { valid: true, results: { stats: fakeStats(history) } },
    run: { dir: 'store/synthetic-large/x', startedAt: '2025-03-01T12:00:00.000Z', durationMs: durationS * 1000, replayCommand: 'npx faultline test --seed 7', recheckCommand: 'npx faultline check store/synthetic-large/x' },
  };
}
