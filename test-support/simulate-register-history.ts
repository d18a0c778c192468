// Seeded register histories that are linearizable by construction, for tests and benchmarks: each
// op takes effect at one instant inside its interval against a real register per key, so the
// order of those instants is a witness. Crashed ops end `info` and take effect or not, possibly
// after the crash was reported. `corruptRead` then makes an illegal variant.
import type { Op } from '../src/op.js';

export interface SimulationOptions {
  seed: number;
  /** Client ops to issue in all. */
  ops: number;
  /** Concurrent client processes. */
  processes: number;
  /** Keys; processes are split into this many groups' worth of keys, like independentKeys. */
  keys?: number;
  /** Processes working on one key at a time (default: all of them, on one key after another). */
  groupSize?: number;
  /** Fraction of ops that crash (end `info`). */
  crashRate?: number;
  /** Values are drawn from 0..valueRange-1. */
  valueRange?: number;
  /** Issue cas ops (default true); false gives a plain read/write register. */
  cas?: boolean;
}

interface Planned {
  process: number;
  group: number;
  f: 'read' | 'write' | 'cas';
  arg: unknown;
  invoke: number;
  effect: number;
  complete: number;
  crashed: boolean;
  key: number;
  result: unknown;
  type: 'ok' | 'fail' | 'info';
}

/** A small seeded PRNG (mulberry32); tests and benchmarks must replay exactly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A linearizable history of read/write/cas ops with `[key, v]` values, faultline's register workload shape. */
export function simulateRegisterHistory(options: SimulationOptions): Op[] {
  const random = seededRandom(options.seed);
  const int = (n: number): number => Math.floor(random() * n);
  const keys = options.keys ?? 1;
  const groupSize = Math.min(options.groupSize ?? options.processes, options.processes);
  const groups = Math.ceil(options.processes / groupSize);
  const crashRate = options.crashRate ?? 0.02;
  const valueRange = options.valueRange ?? 5;
  const opsPerKey = Math.ceil(options.ops / keys);

  // 1. Timings: each process runs one op at a time; latencies vary, so ops overlap.
  const planned: Planned[] = [];
  const perProcess = Math.ceil(options.ops / options.processes);
  for (let p = 0; p < options.processes; p++) {
    let t = int(1000);
    let process = p;
    for (let i = 0; i < perProcess && planned.length < options.ops; i++) {
      const latency = 100 + int(2000);
      const roll = random();
      const f = roll < 0.4 ? 'read' : roll < 0.7 || options.cas === false ? 'write' : 'cas';
      const arg = f === 'read' ? null : f === 'write' ? int(valueRange) : [int(valueRange), int(valueRange)];
      const crashed = random() < crashRate;
      const invoke = t;
      const complete = t + latency;
      // Effects fall strictly inside the interval. A crashed op takes effect or not; if it does,
      // maybe only after the crash was reported.
      const effect = crashed ? (random() < 0.5 ? invoke + 1 + int(latency * 3) : Infinity) : invoke + 1 + int(latency - 1);
      planned.push({ process, group: Math.floor(p / groupSize), f, arg, invoke, effect, complete, crashed, key: 0, result: null, type: 'ok' });
      t = complete + int(300);
      if (crashed) process += options.processes;
    }
  }

  // 2. Keys: each group takes keys in turn, opsPerKey invocations per key.
  const byInvoke = planned.slice().sort((a, b) => a.invoke - b.invoke);
  const issued = new Array<number>(groups).fill(0);
  const keysPerGroup = Math.ceil(keys / groups);
  for (const op of byInvoke) {
    const slot = Math.min(Math.floor(issued[op.group]! / opsPerKey), keysPerGroup - 1);
    op.key = Math.min(op.group + slot * groups, keys - 1);
    issued[op.group]!++;
  }

  // 3. Effects in time order against a real register per key.
  const registers = new Map<number, unknown>();
  for (const op of planned.filter((o) => o.effect !== Infinity).sort((a, b) => a.effect - b.effect)) {
    const value = registers.has(op.key) ? registers.get(op.key) : null;
    if (op.f === 'read') op.result = value;
    else if (op.f === 'write') registers.set(op.key, op.arg);
    else {
      const [from, to] = op.arg as [number, number];
      if (value === from) registers.set(op.key, to);
      else op.type = 'fail';
    }
  }

  // 4. Events in time order; a crash is reported as info whatever happened.
  const events: { time: number; op: Planned; invoke: boolean }[] = [];
  for (const op of planned) {
    events.push({ time: op.invoke, op, invoke: true });
    events.push({ time: op.complete, op, invoke: false });
  }
  events.sort((a, b) => a.time - b.time || Number(a.invoke) - Number(b.invoke));
  return events.map(({ time, op, invoke }, index) => {
    const type = invoke ? 'invoke' : op.crashed ? 'info' : op.type;
    const value = invoke ? (op.f === 'read' ? null : op.arg) : op.f === 'read' && type === 'ok' ? op.result : op.arg;
    return { index, time, process: op.process, type, f: op.f, value: [op.key, value] } satisfies Op;
  });
}

/**
 * The same history with one ok read (the first at or after `at`, a fraction of the history) changed
 * to a value no op ever wrote, which no linearization can explain. Returns the changed op's index.
 */
export function corruptRead(history: readonly Op[], at: number): { history: Op[]; index: number } {
  const copy = history.map((op) => ({ ...op }));
  const start = Math.floor(at * copy.length);
  for (let i = 0; i < copy.length; i++) {
    const op = copy[(start + i) % copy.length]!;
    if (op.type === 'ok' && op.f === 'read') {
      op.value = [(op.value as [unknown, unknown])[0], 1_000_003];
      return { history: copy, index: op.index };
    }
  }
  throw new Error(`history of ${history.length} ops has no ok read to corrupt; expected at least one`);
}

/**
 * The hard shapes of issue 18: a simulated history with one ok read (30-90% of the way in) changed
 * to another value the register could hold, so no write is obviously missing. A: 20 processes,
 * 2,000 ops, 3% crashed, values 0-4. B: 8 processes, 20,000 ops, 1% crashed, values 0 to 50-200.
 */
export function hardShapeHistory(shape: 'A' | 'B', seed: number): { history: Op[]; options: SimulationOptions; corrupted: { index: number; from: unknown; to: number } } {
  const options: SimulationOptions =
    shape === 'A'
      ? { seed, ops: 2000, processes: 20, crashRate: 0.03, valueRange: 5 }
      : { seed, ops: 20_000, processes: 8, crashRate: 0.01, valueRange: 50 + Math.floor(seededRandom(seed * 7)() * 151) };
  const history = simulateRegisterHistory(options);
  const random = seededRandom(seed * 31 + 1);
  const reads = history.filter((op) => op.type === 'ok' && op.f === 'read');
  const victim = reads[Math.floor((0.3 + 0.6 * random()) * reads.length)]!;
  const [key, from] = victim.value as [unknown, unknown];
  let to: number;
  do to = Math.floor(random() * options.valueRange!);
  while (to === from);
  victim.value = [key, to];
  return { history, options, corrupted: { index: victim.index, from, to } };
}
