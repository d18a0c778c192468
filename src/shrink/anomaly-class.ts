// What "still invalid" means when a history is shrunk: each checker's result mapped to the anomaly
// classes it found. A shrunk history must keep the class the original's first class names, found
// by the same checker (docs/shrinking.md has this table in words).
import { anomaliesProhibitedBy } from '../../checkers/cycle/consistency-models.js';
import type { CheckResult } from '../checker.js';

/** The anomaly classes in an invalid result, most telling first; none for a result that is not invalid. */
export type AnomalyClassesOf = (result: CheckResult) => string[];

/** By the name workloads give their checkers. A checker not named here has the one class "invalid". */
export const anomalyClasses: Readonly<Record<string, AnomalyClassesOf>> = {
  // Not linearizable on the same key: a witness of one key's failure stays on that key.
  linearizable: (r) => records(r['failures']).map((f) => (f['key'] === undefined ? 'nonlinearizable' : `nonlinearizable on key ${JSON.stringify(f['key'])}`)),
  // Set-full, per key: lost (acknowledged, then missing) or unexpected (never added).
  set: (r) => perKeyResults(r).flatMap((k) => counted(k['counts'], ['lost', 'unexpected'])),
  // Per key: a read above what every attempted add allows, or below what the acknowledged ones require.
  counter: (r) => perKeyResults(r).flatMap((k) => records(k['errors']).map((e) => (Number(e['value']) > Number(e['upper']) ? 'read-above-bounds' : 'read-below-bounds'))),
  // The bank's error types: wrong-total, negative-value, nil-balance, missing-account, unexpected-account.
  bank: (r) => Object.keys(record(r['errors'])),
  // Elle's anomaly types the consistency models asked for prohibit (G0, G1c, G-single-item, ...).
  cycle: (r) => {
    const prohibited = anomaliesProhibitedBy(strings(r['consistencyModels']));
    return strings(r['anomalyTypes']).filter((t) => prohibited.has(t));
  },
  // Final reads that disagree between nodes, or values the acknowledged ops do not explain (lost, superseded, ...).
  convergence: (r) => [...(records(r['diverged']).length > 0 ? ['diverged'] : []), ...new Set(records(r['unexplained']).map((u) => String(u['problem'])))],
  // The session guarantees broken, and reads of values never written.
  session: (r) => counted(r['counts'], ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads', 'unwritten']),
  // An f that never succeeded, and faults never applied, say nothing a sub-history could show.
  stats: () => [],
  faults: () => [],
};

/** The anomaly classes of checker `name`'s result: none unless it is invalid. */
export function anomalyClassesOf(name: string, result: CheckResult): string[] {
  if (result.valid !== false) return [];
  const classes = Object.hasOwn(anomalyClasses, name) ? anomalyClasses[name]!(result) : ['invalid'];
  return [...new Set(classes)];
}

/** The first checker of a composed result with an anomaly class, and that class: what a witness must keep. */
export function targetAnomaly(results: CheckResult): { checker: string; anomaly: string } | undefined {
  for (const [checker, result] of Object.entries(record(results['results']))) {
    const anomaly = anomalyClassesOf(checker, result as CheckResult)[0];
    if (anomaly !== undefined) return { checker, anomaly };
  }
  return undefined;
}

/** A per-key result's results by key (perKey lists the keys that are not valid), or the result itself. */
function perKeyResults(r: CheckResult): Record<string, unknown>[] {
  return r['byKey'] === undefined ? [r] : Object.values(record(r['byKey'])).filter((k): k is Record<string, unknown> => isRecord(k) && k['valid'] === false);
}

function counted(counts: unknown, names: readonly string[]): string[] {
  const c = record(counts);
  return names.filter((n) => Number(c[n] ?? 0) > 0);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function record(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
