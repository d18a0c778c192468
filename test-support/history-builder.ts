// Hand-made histories for checker tests: invoke and complete ops by process, with times that
// advance 1 ms per event unless given, and indexes equal to positions.
import type { Op, OpType, Process } from '../src/op.js';

export interface HistoryBuilder {
  readonly history: Op[];
  /** Starts an op; `node` is recorded on the invocation and its completion. */
  invoke(process: Process, f: string, value: unknown, node?: string): HistoryBuilder;
  /** Completes the process's open op; the value defaults to the invocation's. */
  complete(process: Process, type: Exclude<OpType, 'invoke'>, value?: unknown): HistoryBuilder;
  ok(process: Process, value?: unknown): HistoryBuilder;
  fail(process: Process): HistoryBuilder;
  info(process: Process): HistoryBuilder;
  /** An invocation immediately followed by its completion. */
  run(process: Process, f: string, value: unknown, result?: unknown, type?: Exclude<OpType, 'invoke'>, node?: string): HistoryBuilder;
  /** A nemesis op pair, e.g. start-partition. */
  nemesis(f: string, value?: unknown): HistoryBuilder;
  /** Moves the clock to `ms` (it never goes back). */
  at(ms: number): HistoryBuilder;
}

/** A builder whose clock starts at 0 ms. */
export function historyBuilder(): HistoryBuilder {
  const history: Op[] = [];
  const open = new Map<Process, Op>();
  let timeMs = 0;
  const push = (op: Omit<Op, 'index' | 'time'>): void => {
    timeMs += 1;
    history.push({ ...op, index: history.length, time: timeMs * 1e6 });
  };
  const builder: HistoryBuilder = {
    history,
    invoke(process, f, value, node) {
      if (open.has(process)) throw new Error(`process ${String(process)} already has an open op`);
      push({ process, type: 'invoke', f, value, ...(node === undefined ? {} : { node }) });
      open.set(process, history.at(-1)!);
      return builder;
    },
    complete(process, type, value) {
      const invocation = open.get(process);
      if (!invocation) throw new Error(`process ${String(process)} has no open op`);
      open.delete(process);
      const node = invocation.node === undefined ? {} : { node: invocation.node };
      push({ process, type, f: invocation.f, value: value === undefined ? invocation.value : value, ...node });
      return builder;
    },
    ok: (process, value) => builder.complete(process, 'ok', value),
    fail: (process) => builder.complete(process, 'fail'),
    info: (process) => builder.complete(process, 'info'),
    run: (process, f, value, result, type = 'ok', node) => builder.invoke(process, f, value, node).complete(process, type, result),
    nemesis(f, value = null) {
      push({ process: 'nemesis', type: 'invoke', f, value });
      push({ process: 'nemesis', type: 'info', f, value });
      return builder;
    },
    at(ms) {
      timeMs = Math.max(timeMs, ms - 1);
      return builder;
    },
  };
  return builder;
}
