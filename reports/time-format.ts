// How the report writes times and durations: history nanoseconds as seconds, latencies as ms.

/** Nanoseconds since the test started, as seconds with millisecond precision ("12.345"). */
export function formatSeconds(ns: number): string {
  return (ns / 1e9).toFixed(3);
}

/** A wall-clock duration in ms as "1 m 02.3 s", "4.56 s" or "120 ms". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms - minutes * 60_000) / 1000;
  return `${minutes} m ${seconds.toFixed(1).padStart(4, '0')} s`;
}

/** A latency in ms with three significant digits ("0.412", "12.3", "1520"). */
export function formatMs(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return ms === undefined ? '' : String(ms);
  if (ms >= 100) return String(Math.round(ms));
  return ms.toPrecision(3);
}

/** An integer with thousands separators ("1,000,000"), independent of the machine's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
