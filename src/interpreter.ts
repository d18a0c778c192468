// The interpreter: asks the generator for ops, hands each to its thread's worker, records every
// invocation and completion, and feeds them back to the generator. One loop serves both real runs
// (the worker pool) and simulated ones (virtual time, in tests), through the Executor interface.
import { op as nextOp, reacts, update, withFields, type Gen, type GenContext, type Thread } from './generator.js';
import type { Op, OpType, Process } from './op.js';
import type { Random } from './random.js';

/** A completion reported by an executor: the invocation's thread and what happened. */
export interface Completion {
  thread: Thread;
  time: number;
  type: Exclude<OpType, 'invoke'>;
  value: unknown;
  error?: string;
  node?: string;
}

/** Where ops actually run: real workers with real time, or a simulation. */
export interface Executor {
  /** Nanoseconds since the test started. */
  now(): number;
  /** Starts an invocation on a thread; its completion later comes out of `next`. */
  start(thread: Thread, invoke: Op): void;
  /** The next completion, or null once `untilNs` is reached first (Infinity: wait for a completion). */
  next(untilNs: number): Promise<Completion | null>;
}

export interface InterpreterOptions {
  concurrency: number;
  nemesis: boolean;
  executor: Executor;
  random: Random;
  /** Called for every op, in history order, as soon as it happens. */
  record(op: Op): void;
  /** The node a thread's ops go to, recorded on its invocations. */
  nodeOf?(thread: Thread): string | undefined;
}

/** Runs generators against an executor, keeping processes and op indices across phases. */
export class Interpreter {
  private readonly processes = new Map<Thread, Process>();
  /** The f of each thread's op in flight: completions carry it, so executors need not. */
  private readonly busy = new Map<Thread, string>();
  /** Threads kept idle by a sleep, and when each wakes. */
  private readonly sleepers = new Map<Thread, number>();
  private readonly threads: Thread[];
  /** The idle threads in the order of `threads`, kept as `busy` changes (no scan of every thread per op). */
  private readonly idle: Thread[];
  /** A copy of `idle` handed to generators, made again only after `idle` changed. */
  private idleShown: readonly Thread[] | undefined;
  private index = 0;
  private readonly processOf = (thread: Thread): Process => this.processes.get(thread) as Process;
  private readonly threadOfProcess = (process: Process): Thread => (process === 'nemesis' ? 'nemesis' : process % this.options.concurrency);

  constructor(private readonly options: InterpreterOptions) {
    const clientThreads = Array.from({ length: options.concurrency }, (_, i) => i);
    this.threads = options.nemesis ? [...clientThreads, 'nemesis'] : clientThreads;
    this.idle = [...this.threads];
    for (const thread of this.threads) this.processes.set(thread, thread === 'nemesis' ? 'nemesis' : thread);
  }

  /**
   * Runs one generator until it is exhausted and every op it issued has completed. Once `signal`
   * is aborted no new op is issued; ops in flight still complete.
   */
  async run(initial: Gen, signal?: AbortSignal): Promise<void> {
    const { executor } = this.options;
    let gen = initial;
    for (;;) {
      const now = executor.now();
      if (this.sleepers.size > 0) this.wakeSleepers(now);
      const ctx = this.context(now);
      // With every thread busy running an op, no generator can issue one (an op needs an idle
      // thread): the answer would be 'pending' or null, and a null is seen at the next ask, after
      // the next completion, just as well. Not asking halves the asks when ops are quick.
      const saturated = ctx.free.length === 0 && this.sleepers.size === 0 && this.busy.size > 0;
      const result = signal?.aborted ? null : saturated ? 'pending' : nextOp(gen, ctx);
      const wakeAt = this.sleepers.size > 0 ? this.earliestWake() : Infinity;
      if (result === null) {
        // Nothing more will be issued: a sleeping thread has nothing left to wake up for.
        for (const thread of this.sleepers.keys()) this.setIdle(thread);
        this.sleepers.clear();
      }
      if (result === null || result === 'pending') {
        if (this.busy.size === 0) {
          if (result === null) return;
          throw new Error(`generator is pending but no op is in flight at ${(ctx.time / 1e9).toFixed(3)} s: it waits for a completion that cannot come`);
        }
        gen = this.complete(gen, await executor.next(wakeAt));
        continue;
      }
      const [planned, next] = result;
      if (planned.time > ctx.time) {
        const completion = await executor.next(Math.min(planned.time, wakeAt));
        // A completion or a waking sleeper may change what the generator wants.
        if (completion || executor.now() < planned.time) {
          gen = this.complete(gen, completion);
          continue;
        }
      }
      if (planned.type === 'sleep') {
        const thread = this.threadOf(planned.process);
        if (thread === undefined || this.busy.has(thread)) throw new Error(`generator put process ${String(planned.process)} to sleep, but it is ${thread === undefined ? 'unknown' : 'busy'}`);
        this.setBusy(thread, 'sleep');
        this.sleepers.set(thread, executor.now() + planned.durationNs);
        gen = next;
        continue;
      }
      const thread = this.threadOf(planned.process);
      if (thread === undefined || this.busy.has(thread)) {
        throw new Error(`generator issued op f=${planned.f} for process ${String(planned.process)}, which is ${thread === undefined ? 'unknown' : 'busy'}; expected an idle process`);
      }
      const node = planned.node ?? this.options.nodeOf?.(thread);
      const invoke: Op = withFields(planned, { index: this.index++, time: executor.now(), type: 'invoke' as const });
      if (node !== undefined) invoke.node = node;
      this.options.record(invoke);
      this.setBusy(thread, planned.f);
      gen = reacts(next) ? update(next, this.context(invoke.time), invoke) : next;
      executor.start(thread, invoke);
    }
  }

  private wakeSleepers(now: number): void {
    for (const [thread, wakeAt] of this.sleepers) {
      if (wakeAt <= now) {
        this.sleepers.delete(thread);
        this.setIdle(thread);
      }
    }
  }

  private earliestWake(): number {
    let earliest = Infinity;
    for (const wakeAt of this.sleepers.values()) earliest = Math.min(earliest, wakeAt);
    return earliest;
  }

  private setBusy(thread: Thread, f: string): void {
    this.busy.set(thread, f);
    const i = this.idle.indexOf(thread);
    if (i >= 0) {
      this.idle.splice(i, 1);
      this.idleShown = undefined;
    }
  }

  private setIdle(thread: Thread): void {
    if (!this.busy.delete(thread)) return;
    // Threads are 0..concurrency-1, then the nemesis: insert in that order.
    const rank = (t: Thread) => (t === 'nemesis' ? Infinity : t);
    let at = this.idle.length;
    while (at > 0 && rank(this.idle[at - 1] as Thread) > rank(thread)) at--;
    this.idle.splice(at, 0, thread);
    this.idleShown = undefined;
  }

  private complete(gen: Gen, completion: Completion | null): Gen {
    if (!completion) return gen;
    const { thread } = completion;
    const process = this.processes.get(thread);
    if (process === undefined) throw new Error(`completion for unknown thread ${String(thread)}`);
    const done: Op = {
      index: this.index++,
      time: completion.time,
      process,
      type: completion.type,
      f: this.busy.get(thread) ?? '',
      value: completion.value,
    };
    // Set one by one, not spread in: see withFields.
    if (completion.node !== undefined) done.node = completion.node;
    if (completion.error !== undefined) done.error = completion.error;
    this.options.record(done);
    this.setIdle(thread);
    // An info op may still be running inside the database: retire its process for good.
    if (completion.type === 'info' && thread !== 'nemesis') {
      this.processes.set(thread, (process as number) + this.options.concurrency);
    }
    return reacts(gen) ? update(gen, this.context(completion.time), done) : gen;
  }

  private threadOf(process: Process): Thread | undefined {
    if (process === 'nemesis') return this.options.nemesis ? 'nemesis' : undefined;
    const thread = process % this.options.concurrency;
    return this.processes.get(thread) === process ? thread : undefined;
  }

  private context(time: number): GenContext {
    this.idleShown ??= this.idle.slice();
    return {
      time,
      free: this.idleShown,
      all: this.threads,
      processOf: this.processOf,
      threadOf: this.threadOfProcess,
      random: this.options.random,
    };
  }
}
