// Latency quantiles over time: for each time bucket, the p50, p90, p99 and max latency of the ok
// client ops that completed in it, in ms (null for a bucket with none).
import type { History, Op } from '../src/op.js';

export interface LatencyQuantiles {
  p50: (number | null)[];
  p90: (number | null)[];
  p99: (number | null)[];
  max: (number | null)[];
}

/** Buckets ops by completion time (`bucketS` wide, the last one absorbing the rest), as the throughput chart does. */
export function latencyQuantiles(history: History, bucketS: number, bucketCount: number): LatencyQuantiles {
  const buckets: number[][] = Array.from({ length: bucketCount }, () => []);
  const invokes = new Map<Op['process'], number>();
  for (const op of history) {
    if (op.process === 'nemesis') continue;
    if (op.type === 'invoke') {
      invokes.set(op.process, op.time);
      continue;
    }
    const invokedAt = invokes.get(op.process);
    invokes.delete(op.process);
    if (op.type !== 'ok' || invokedAt === undefined) continue;
    const bucket = Math.min(bucketCount - 1, Math.floor(op.time / 1e9 / bucketS));
    buckets[bucket]!.push((op.time - invokedAt) / 1e6);
  }
  const out: LatencyQuantiles = { p50: [], p90: [], p99: [], max: [] };
  for (const latencies of buckets) {
    latencies.sort((a, b) => a - b);
    const at = (q: number): number | null => (latencies.length === 0 ? null : round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!));
    out.p50.push(at(0.5));
    out.p90.push(at(0.9));
    out.p99.push(at(0.99));
    out.max.push(latencies.length === 0 ? null : round(latencies[latencies.length - 1]!));
  }
  return out;
}

function round(ms: number): number {
  return Number(Math.max(ms, 0.001).toPrecision(3));
}
