// The worker pool: the real executor. One worker per thread runs one op at a time against its
// node, under a deadline; an op that overruns it, throws, or loses its connection ends `info`.
import type { Thread } from './generator.js';
import type { Completion, Executor } from './interpreter.js';
import type { Op } from './op.js';
import type { Client, ClientResult } from './workload.js';

export interface WorkerPoolOptions {
  nodes: readonly string[];
  open(node: string): Promise<Client>;
  /** Performs nemesis ops; their completions are always `info` (Jepsen's convention). */
  nemesis?: (op: Op) => Promise<unknown>;
  opTimeoutMs: number;
  nemesisTimeoutMs: number;
}

/** How long the interpreter's loop may go without letting timers and I/O run (ops that complete at once never wait). */
const YIELD_EVERY_MS = 20;

export class WorkerPool implements Executor {
  private readonly startedAt = process.hrtime.bigint();
  private readonly clients = new Map<Thread, Client>();
  private readonly done: Completion[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly deadlines: Deadlines;
  private yieldedAtMs = performance.now();

  constructor(private readonly options: WorkerPoolOptions) {
    this.deadlines = new Deadlines(options.opTimeoutMs + 1000);
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.startedAt);
  }

  /** The node a client thread talks to: threads are spread round-robin over nodes. */
  nodeOf(thread: Thread): string | undefined {
    return thread === 'nemesis' ? undefined : this.options.nodes[thread % this.options.nodes.length];
  }

  start(thread: Thread, invoke: Op): void {
    const client = thread === 'nemesis' ? undefined : this.clients.get(thread);
    if (client) {
      this.invokeOn(thread as number, client, invoke);
      return;
    }
    const run = thread === 'nemesis' ? this.runNemesis(invoke) : this.runClient(thread, invoke);
    void run.then((result) => {
      if (result !== NO_RESULT) this.finish(thread, result);
    });
  }

  async next(untilNs: number): Promise<Completion | null> {
    // Ops that complete at once would keep this loop in microtasks for good, and the history's
    // flush timer, the progress line and signals would never run: let them, now and then.
    if (performance.now() - this.yieldedAtMs >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.yieldedAtMs = performance.now();
    }
    for (;;) {
      const completion = this.done.shift();
      if (completion) return completion;
      const waitMs = (untilNs - this.now()) / 1e6;
      if (waitMs <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = untilNs === Infinity ? undefined : setTimeout(resolve, Math.ceil(waitMs));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      this.yieldedAtMs = performance.now();
    }
  }

  /** Closes every open client. */
  async close(): Promise<void> {
    this.closed = true;
    this.deadlines.clear();
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }

  private finish(thread: Thread, result: Omit<Completion, 'thread' | 'time'>): void {
    // Field by field, not spread: see withFields in generator.ts.
    const completion: Completion = { thread, time: this.now(), type: result.type, value: result.value };
    if (result.error !== undefined) completion.error = result.error;
    if (result.node !== undefined) completion.node = result.node;
    this.done.push(completion);
    this.wake?.();
  }

  /** Connects the thread's client (its first op, or the first after its process retired), then runs the op. */
  private async runClient(thread: number, invoke: Op): Promise<Omit<Completion, 'thread' | 'time'>> {
    const home = this.nodeOf(thread) as string;
    // A generator may send an op to another node than its process's own (the client routes it there).
    const node = invoke.node ?? home;
    let client: Client;
    try {
      client = await withDeadline(this.options.open(home), this.options.opTimeoutMs, 'connect');
      if (this.closed) {
        // The pool closed while this client was connecting: nobody else will close it.
        void client.close().catch(() => undefined);
        return { type: 'fail', value: invoke.value, node, error: 'worker pool closed while connecting' };
      }
      this.clients.set(thread, client);
    } catch (err) {
      // Nothing was sent: the op certainly did not happen.
      return { type: 'fail', value: invoke.value, node, error: `could not connect to ${home}: ${messageOf(err)}` };
    }
    this.invokeOn(thread, client, invoke);
    return NO_RESULT;
  }

  /**
   * Runs one op on a connected client under the op deadline. No promise chain or timer of its
   * own per op: the client's promise settles it, or the shared deadline queue does.
   */
  private invokeOn(thread: number, client: Client, invoke: Op): void {
    let settled = false;
    const settle = (result: ClientResult | undefined): void => {
      if (settled) return;
      settled = true;
      deadline.done = true;
      this.deadlines.settled();
      this.finish(thread, this.completionOf(thread, client, invoke, result));
    };
    const ms = this.options.opTimeoutMs + 1000;
    const deadline = this.deadlines.add(() => settle({ type: 'info', value: invoke.value, error: `op timed out after ${ms} ms` }));
    let pending: Promise<ClientResult>;
    try {
      // Promise.resolve: the same promise for a real one, and a client answering without one still works.
      pending = Promise.resolve(client.invoke(invoke));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(settle, (err: unknown) => settle({ type: 'info', value: invoke.value, error: messageOf(err) }));
  }

  private completionOf(thread: number, client: Client, invoke: Op, answer: ClientResult | undefined): Omit<Completion, 'thread' | 'time'> {
    const node = invoke.node ?? (this.nodeOf(thread) as string);
    let result = answer;
    if (result?.type !== 'ok' && result?.type !== 'fail' && result?.type !== 'info') {
      result = { type: 'info', value: invoke.value, error: `client returned type "${String(result?.type)}" for op ${invoke.index} (f=${invoke.f}); expected ok | fail | info` };
    }
    if (result.type === 'info') {
      // The process retires; its successor gets a fresh connection.
      if (this.clients.get(thread) === client) this.clients.delete(thread);
      void client.close().catch(() => undefined);
    }
    const completion: Omit<Completion, 'thread' | 'time'> = { type: result.type, value: result.value ?? invoke.value, node };
    if (result.error !== undefined) completion.error = result.error;
    return completion;
  }

  private async runNemesis(invoke: Op): Promise<Omit<Completion, 'thread' | 'time'>> {
    const nemesis = this.options.nemesis;
    if (!nemesis) return { type: 'info', value: null, error: 'no nemesis configured' };
    try {
      return { type: 'info', value: await withDeadline(nemesis(invoke), this.options.nemesisTimeoutMs, 'nemesis op') };
    } catch (err) {
      return { type: 'info', value: null, error: messageOf(err) };
    }
  }
}

/** Stands for "the completion comes through invokeOn", so runClient's own promise adds none. */
const NO_RESULT = Symbol('no result') as unknown as Omit<Completion, 'thread' | 'time'>;

/**
 * The deadlines of the ops in flight. Every op has the same timeout, so deadlines fall in the
 * order ops start: one timer, for the oldest op still running, serves them all.
 */
export class Deadlines {
  private readonly queue: { atMs: number; done: boolean; expire: () => void }[] = [];
  private head = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** How many entries the queue holds (finished ones not yet dropped included). */
  get held(): number {
    return this.queue.length - this.head;
  }

  add(expire: () => void): { done: boolean } {
    const entry = { atMs: performance.now() + this.timeoutMs, done: false, expire };
    this.queue.push(entry);
    if (this.running++ === 0) this.timer?.ref();
    if (this.timer === undefined) this.arm(this.timeoutMs);
    return entry;
  }

  /**
   * One op finished (or expired). With none left running the timer no longer holds the process
   * open; it stays armed, as ops that finish at once would otherwise set and clear it all the time.
   */
  settled(): void {
    if (--this.running === 0) this.timer?.unref();
    // Finished ops leave the front as they finish (ops end roughly in start order), not only when
    // the timer fires: at 80k ops/s a timeout's worth of finished entries is 250k closures.
    while (this.queue[this.head]?.done === true) this.head++;
    this.compact();
  }

  /** Drops the entries before the head once they are most of the queue. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
    this.running = 0;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expireDue(), Math.max(0, Math.ceil(ms)));
    if (this.running === 0) this.timer.unref();
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as (typeof this.queue)[number];
      if (!entry.done && entry.atMs > now) break;
      this.head++;
      if (!entry.done) entry.expire();
    }
    this.compact();
    const next = this.queue[this.head];
    if (next !== undefined && this.timer === undefined) this.arm(next.atMs - now);
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
