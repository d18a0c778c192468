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

export class WorkerPool implements Executor {
  private readonly startedAt = process.hrtime.bigint();
  private readonly clients = new Map<Thread, Client>();
  private readonly done: Completion[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  now(): number {
    return Number(process.hrtime.bigint() - this.startedAt);
  }

  /** The node a client thread talks to: threads are spread round-robin over nodes. */
  nodeOf(thread: Thread): string | undefined {
    return thread === 'nemesis' ? undefined : this.options.nodes[thread % this.options.nodes.length];
  }

  start(thread: Thread, invoke: Op): void {
    const run = thread === 'nemesis' ? this.runNemesis(invoke) : this.runClient(thread, invoke);
    void run.then((result) => {
      this.done.push({ thread, time: this.now(), ...result });
      this.wake?.();
    });
  }

  async next(untilNs: number): Promise<Completion | null> {
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
    }
  }

  /** Closes every open client. */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }

  private async runClient(thread: number, invoke: Op): Promise<Omit<Completion, 'thread' | 'time'>> {
    const home = this.nodeOf(thread) as string;
    // A generator may send an op to another node than its process's own (the client routes it there).
    const node = invoke.node ?? home;
    let client = this.clients.get(thread);
    if (!client) {
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
    }
    let result: ClientResult;
    try {
      result = await withDeadline(client.invoke(invoke), this.options.opTimeoutMs + 1000, 'op');
    } catch (err) {
      result = { type: 'info', value: invoke.value, error: messageOf(err) };
    }
    if (result.type !== 'ok' && result.type !== 'fail' && result.type !== 'info') {
      result = { type: 'info', value: invoke.value, error: `client returned type "${String(result.type)}" for op ${invoke.index} (f=${invoke.f}); expected ok | fail | info` };
    }
    if (result.type === 'info') {
      // The process retires; its successor gets a fresh connection.
      this.clients.delete(thread);
      void client.close().catch(() => undefined);
    }
    return { type: result.type, value: result.value ?? invoke.value, node, ...(result.error !== undefined && { error: result.error }) };
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
