// Each node's clock offset over a run, read back from the clock nemesis's ops: every start-clock
// and stop-clock completion records `offsetsS`, every node's offset just after the change.
import type { History } from '../src/op.js';

/** One step: from `atNs` on, each node's clock was `offsetsS[node]` seconds off. */
export interface ClockStep {
  atNs: number;
  offsetsS: Record<string, number>;
  /** What the nemesis did, e.g. "n2 bump +0.512 s" or "reset n2". */
  label: string;
}

/** The steps in time order, starting from all clocks at 0; empty when no clock fault ran. */
export function clockSteps(history: History): ClockStep[] {
  const steps: ClockStep[] = [];
  for (const op of history) {
    if (op.process !== 'nemesis' || op.type === 'invoke' || !/^(start|stop)-clock$/.test(op.f)) continue;
    const value = op.value as { offsetsS?: unknown; description?: unknown } | null;
    const offsets = value?.offsetsS;
    if (typeof offsets !== 'object' || offsets === null) continue;
    const offsetsS = Object.create(null) as Record<string, number>; // keyed by node names from the history
    for (const [node, s] of Object.entries(offsets)) if (typeof s === 'number' && Number.isFinite(s)) offsetsS[node] = s;
    if (steps.length === 0) steps.push({ atNs: 0, offsetsS: Object.fromEntries(Object.keys(offsetsS).map((n) => [n, 0])), label: 'start' });
    steps.push({ atNs: op.time, offsetsS, label: typeof value?.description === 'string' ? value.description : op.f });
  }
  return steps;
}

/** A node's clock offset in seconds at `atNs` (0 before the first step or for an unknown node). */
export function offsetAtS(steps: readonly ClockStep[], node: string, atNs: number): number {
  let offset = 0;
  for (const step of steps) {
    if (step.atNs > atNs) break;
    offset = step.offsetsS[node] ?? offset;
  }
  return offset;
}
