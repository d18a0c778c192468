// The stats checker: counts by f and type, latency quantiles, throughput. Invalid when some f
// never succeeded, and unknown when no client op completed ok at all: a history in which
// nothing happened proves nothing, so no run (and no re-check) can be valid on it.
import type { Checker, CheckResult } from '../src/checker.js';
import { pairOps, type History } from '../src/op.js';

export interface FStats {
  ok: number;
  fail: number;
  info: number;
}

export interface StatsResult extends CheckResult {
  counts: Record<string, FStats>;
  /** Latency of ok ops in ms, by f. */
  latencyMs: Record<string, { p50: number; p90: number; p99: number; max: number }>;
  /** Completed client ops per second over the span of the history. */
  throughputPerS: number;
}

export const stats: Checker = (history: History): StatsResult => {
  const clientOps = history.filter((op) => op.process !== 'nemesis');
  // Keyed by f, which is data: no prototype, so "__proto__" or "constructor" is just another f.
  const counts: Record<string, FStats> = Object.create(null) as Record<string, FStats>;
  const latencies = new Map<string, number[]>();
  for (const { invoke, complete } of pairOps(clientOps)) {
    if (!complete) continue;
    const c = (counts[invoke.f] ??= { ok: 0, fail: 0, info: 0 });
    c[complete.type as keyof FStats]++;
    if (complete.type === 'ok') {
      const values = latencies.get(invoke.f) ?? [];
      values.push((complete.time - invoke.time) / 1e6);
      latencies.set(invoke.f, values);
    }
  }
  const latencyMs: StatsResult['latencyMs'] = Object.create(null) as StatsResult['latencyMs'];
  for (const [f, values] of latencies) {
    values.sort((a, b) => a - b);
    latencyMs[f] = { p50: quantile(values, 0.5), p90: quantile(values, 0.9), p99: quantile(values, 0.99), max: values.at(-1) ?? 0 };
  }
  const completed = Object.values(counts).reduce((n, c) => n + c.ok + c.fail + c.info, 0);
  const spanS = clientOps.length > 1 ? ((clientOps.at(-1)?.time ?? 0) - (clientOps[0]?.time ?? 0)) / 1e9 : 0;
  const neverOk = Object.entries(counts).filter(([, c]) => c.ok === 0).map(([f]) => f);
  const total = (k: keyof FStats) => Object.values(counts).reduce((n, c) => n + c[k], 0);
  const nothingOk = total('ok') === 0;
  return {
    valid: nothingOk ? 'unknown' : neverOk.length === 0,
    summary: nothingOk
      ? `no client op completed ok (${completed} completed: ${total('fail')} fail, ${total('info')} info): nothing was tested`
      : neverOk.length
      ? `no ${neverOk.join(', ')} ever succeeded`
      : `${completed} ops: ${total('ok')} ok, ${total('fail')} fail, ${total('info')} info; ${spanS > 0 ? Math.round(completed / spanS) : 0} ops/s`,
    counts,
    latencyMs,
    throughputPerS: spanS > 0 ? completed / spanS : 0,
  };
};

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
