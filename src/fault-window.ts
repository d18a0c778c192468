// Fault windows: when each fault was in effect, derived from the nemesis ops of a history.
//
// Convention: a fault kind K is started by a nemesis op with f = `start-K` and ended by `stop-K`
// (e.g. start-partition / stop-partition, start-kill / stop-kill, which restarts the nodes).
// A window runs from the completion of its start op to the completion of a stop op that did not
// fail (a failed stop may have left the fault in effect: its window stays open until a later stop
// succeeds); a fault still active when the history ends has `end: null`.
import type { History, Op } from './op.js';

export interface FaultWindow {
  /** The fault kind: partition, kill, pause, clock, packet, ... */
  fault: string;
  /** Nanoseconds since the test started. */
  start: number;
  end: number | null;
  /** The value of the start op's completion (what was done: grudge, nodes, offsets). */
  value: unknown;
  /** A short human label, e.g. "partition n1 | n2 n3 n4 n5". */
  label: string;
}

/** Finds every fault window in a history, in start order. */
export function faultWindows(history: History): FaultWindow[] {
  const open = new Map<string, FaultWindow[]>();
  const windows: FaultWindow[] = [];
  for (const op of history) {
    if (op.process !== 'nemesis' || op.type === 'invoke') continue;
    const match = /^(start|stop)-(.+)$/.exec(op.f);
    if (!match) continue;
    const [, edge, fault] = match as unknown as [string, 'start' | 'stop', string];
    if (edge === 'start') {
      if (op.type === 'fail' || op.error !== undefined) continue; // the fault never took hold
      const window: FaultWindow = { fault, start: op.time, end: null, value: op.value, label: labelOf(op) };
      windows.push(window);
      open.set(fault, [...(open.get(fault) ?? []), window]);
    } else {
      if (op.type === 'fail' || op.error !== undefined) continue; // the fault may still be in effect
      for (const window of open.get(fault) ?? []) window.end = op.time;
      open.delete(fault);
    }
  }
  return windows;
}

function labelOf(op: Op): string {
  const fault = op.f.replace(/^start-/, '');
  if (typeof op.value === 'string') return `${fault} ${op.value}`;
  const described = (op.value as { description?: unknown } | null)?.description;
  return typeof described === 'string' ? `${fault} ${described}` : fault;
}
