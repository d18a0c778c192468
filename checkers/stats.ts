// The stats checker: counts by f and type, latency quantiles, throughput. Valid unless some f
// never succeeded (a run where nothing worked tells nothing).
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
  const counts: Record<string, FStats> = {};
  const latencies: Record<string, number[]> = {};
  for (const { invoke, complete } of pairOps(clientOps)) {
    if (!complete) continue;
    const c = (counts[invoke.f] ??= { ok: 0, fail: 0, info: 0 });
    c[complete.type as keyof FStats]++;
    if (complete.type === 'ok') (latencies[invoke.f] ??= []).push((complete.time - invoke.time) / 1e6);
  }
  const latencyMs: StatsResult['latencyMs'] = {};
  for (const [f, values] of Object.entries(latencies)) {
    values.sort((a, b) => a - b);
    latencyMs[f] = { p50: quantile(values, 0.5), p90: quantile(values, 0.9), p99: quantile(values, 0.99), max: values.at(-1) ?? 0 };
  }
  const completed = Object.values(counts).reduce((n, c) => n + c.ok + c.fail + c.info, 0);
  const spanS = clientOps.length > 1 ? ((clientOps.at(-1)?.time ?? 0) - (clientOps[0]?.time ?? 0)) / 1e9 : 0;
  const neverOk = Object.entries(counts).filter(([, c]) => c.ok === 0).map(([f]) => f);
  const total = (k: keyof FStats) => Object.values(counts).reduce((n, c) => n + c[k], 0);
  return {
    valid: neverOk.length === 0,
    summary: neverOk.length
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
