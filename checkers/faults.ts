// The faults checker: did the faults the test asked for happen? It counts each fault kind's start
// and stop ops and their errors. A run whose requested fault never once took effect tested the
// system without that fault, so it cannot be valid; stop ops that failed are named, because a
// fault that was never healed may still be in effect when the final reads ran.
import type { Checker, CheckResult } from '../src/checker.js';
import type { History } from '../src/op.js';

export interface FaultCount {
  /** start-<fault> ops that completed without an error. */
  applied: number;
  /** start-<fault> ops whose completion carries an error. */
  failed: number;
  stopped: number;
  stopFailed: number;
  /** The first error of each distinct kind, as recorded. */
  errors: string[];
}

export interface FaultsResult extends CheckResult {
  faults: Record<string, FaultCount>;
  /** Requested faults that never took effect. */
  neverApplied: string[];
}

/** Checks the nemesis ops of a history against the faults the test requested (ctx.test.nemesis.faults). */
export const faults: Checker = (history: History, ctx): FaultsResult => {
  const requested = requestedFaults(ctx.test?.['nemesis']);
  const counts = new Map<string, FaultCount>(requested.map((f) => [f, emptyCount()]));
  for (const op of history) {
    if (op.process !== 'nemesis' || op.type === 'invoke') continue;
    const m = /^(start|stop)-(.+)$/.exec(op.f);
    if (!m) continue;
    const [, edge, fault] = m as unknown as [string, 'start' | 'stop', string];
    const c = counts.get(fault) ?? emptyCount();
    counts.set(fault, c);
    const failed = typeof op.error === 'string';
    if (edge === 'start') failed ? c.failed++ : c.applied++;
    else failed ? c.stopFailed++ : c.stopped++;
    if (failed && c.errors.length < 3 && !c.errors.includes(op.error as string)) c.errors.push(op.error as string);
  }
  const neverApplied = requested.filter((f) => (counts.get(f)?.applied ?? 0) === 0);
  const problems = [
    ...neverApplied.map((f) => {
      const c = counts.get(f) as FaultCount;
      return c.failed === 0 ? `${f} never started (the run ended first)` : `${f} never took effect: ${c.failed} of ${c.failed} start ops failed (${c.errors[0]})`;
    }),
    ...[...counts].filter(([f, c]) => c.failed > 0 && !neverApplied.includes(f)).map(([f, c]) => `${c.failed} of ${c.failed + c.applied} ${f} ops failed (${c.errors[0]})`),
    ...[...counts].filter(([, c]) => c.stopFailed > 0).map(([f, c]) => `${c.stopFailed} stop-${f} ops failed (${c.errors.at(-1)})`),
  ];
  const applied = [...counts].filter(([, c]) => c.applied > 0).map(([f, c]) => `${f} ${c.applied}x`);
  return {
    valid: neverApplied.length > 0 ? 'unknown' : true,
    summary: requested.length === 0 && counts.size === 0
      ? 'no faults requested'
      : [applied.length ? `applied ${applied.join(', ')}` : 'no fault applied', ...problems].join('; '),
    faults: Object.fromEntries(counts),
    neverApplied,
  };
};

function emptyCount(): FaultCount {
  return { applied: 0, failed: 0, stopped: 0, stopFailed: 0, errors: [] };
}

/** The fault names a spec requested: `{ faults: [{ name }] }`, or a list of names (a test.json from before specVersion 2). */
function requestedFaults(nemesis: unknown): string[] {
  const list = Array.isArray(nemesis) ? nemesis : (nemesis as { faults?: unknown } | undefined)?.faults;
  if (!Array.isArray(list)) return [];
  return list.map((f: unknown) => (typeof f === 'string' ? f : (f as { name?: unknown } | null)?.name)).filter((f): f is string => typeof f === 'string');
}
