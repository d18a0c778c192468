// A simulated run: the real interpreter loop on virtual time, so generator tests never sleep.
import type { Gen, Thread } from './generator.js';
import { Interpreter, type Completion, type Executor } from './interpreter.js';
import type { Op, OpType } from './op.js';
import { createRandom } from './random.js';

export interface SimulateOptions {
  concurrency: number;
  nemesis?: boolean;
  seed?: number;
  /** How long each op takes, in ns (default 1 ms). */
  latencyNs?: number | ((invoke: Op) => number);
  /** How each op ends (default: ok with the invocation's value). */
  complete?: (invoke: Op) => { type: Exclude<OpType, 'invoke'>; value?: unknown };
  /** The node each thread's ops go to, recorded on invocations and completions (default: none). */
  nodeOf?: (thread: Thread) => string | undefined;
  /** Stop after this many ops, as a guard against infinite generators (default 100,000). */
  maxOps?: number;
}

/** Runs a generator against instant fake clients on virtual time and returns the history. */
export async function simulate(gen: Gen, options: SimulateOptions): Promise<Op[]> {
  const history: Op[] = [];
  const maxOps = options.maxOps ?? 100_000;
  const executor = new VirtualExecutor(options);
  const controller = new AbortController();
  const interpreter = new Interpreter({
    concurrency: options.concurrency,
    nemesis: options.nemesis ?? false,
    executor,
    random: createRandom(options.seed ?? 0),
    ...(options.nodeOf && { nodeOf: options.nodeOf }),
    record: (op) => {
      history.push(op);
      if (history.length >= maxOps) controller.abort();
    },
  });
  await interpreter.run(gen, controller.signal);
  return history;
}

class VirtualExecutor implements Executor {
  private time = 0;
  private readonly inFlight: Completion[] = [];

  constructor(private readonly options: SimulateOptions) {}

  now(): number {
    return this.time;
  }

  start(thread: Thread, invoke: Op): void {
    const { latencyNs = 1e6, complete } = this.options;
    const latency = typeof latencyNs === 'function' ? latencyNs(invoke) : latencyNs;
    const outcome = complete ? complete(invoke) : { type: 'ok' as const, value: invoke.value };
    this.inFlight.push({ thread, time: this.time + latency, type: outcome.type, value: outcome.value ?? invoke.value, ...(invoke.node !== undefined && { node: invoke.node }) });
    this.inFlight.sort((a, b) => a.time - b.time);
  }

  async next(untilNs: number): Promise<Completion | null> {
    const soonest = this.inFlight[0];
    if (!soonest || soonest.time > untilNs) {
      if (untilNs === Infinity) throw new Error('simulation waits for a completion but no op is in flight');
      this.time = Math.max(this.time, untilNs);
      return null;
    }
    this.inFlight.shift();
    this.time = Math.max(this.time, soonest.time);
    return soonest;
  }
}
