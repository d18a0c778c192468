// The stats checker's result as a table: per f, how many ops ended ok / fail / info and their latency percentiles.
import type { CheckResult } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatCount, formatMs } from './time-format.js';

type Counts = { ok?: number; fail?: number; info?: number };
type Percentiles = { p50?: number; p90?: number; p99?: number; max?: number };

export type StatsResult = CheckResult & {
  counts: Record<string, Counts>;
  latencyMs?: Record<string, Percentiles>;
  throughputPerS?: unknown;
};

/** True for a result with per-f `counts` of outcomes (the stats checker's shape; a set's counts are plain numbers). */
export function isStatsResult(result: CheckResult): result is StatsResult {
  return isRecord(result.counts) && Object.values(result.counts).every(isRecord);
}

/** The keys of a stats result that this section renders; the rest are shown as raw JSON. */
export const statsKeys = ['valid', 'summary', 'error', 'counts', 'latencyMs', 'throughputPerS'];

/** Renders a stats result: one row per f, a totals row, and the overall throughput. */
export function renderStatsBody(result: StatsResult): string {
  const latency: Record<string, unknown> = isRecord(result.latencyMs) ? result.latencyMs : {};
  const fs = [...new Set([...Object.keys(result.counts), ...Object.keys(latency)])];
  const total = { ok: 0, fail: 0, info: 0 };
  const rows = fs.map((f) => {
    const c = (isRecord(result.counts[f]) ? result.counts[f] : {}) as Counts;
    const l = (isRecord(latency[f]) ? latency[f] : {}) as Percentiles;
    total.ok += num(c.ok);
    total.fail += num(c.fail);
    total.info += num(c.info);
    return (
      `<tr><th scope="row"><code>${escapeHtml(f)}</code></th>${countCell(c.ok, 'ok')}${countCell(c.fail, 'fail')}${countCell(c.info, 'info')}` +
      `<td class="num">${escapeHtml(formatMs(l.p50))}</td><td class="num">${escapeHtml(formatMs(l.p90))}</td><td class="num">${escapeHtml(formatMs(l.p99))}</td><td class="num">${escapeHtml(formatMs(l.max))}</td></tr>`
    );
  });
  const totals = `<tr class="total"><th scope="row">all</th>${countCell(total.ok, 'ok')}${countCell(total.fail, 'fail')}${countCell(total.info, 'info')}<td colspan="4"></td></tr>`;
  const throughput = result.throughputPerS;
  const throughputLine =
    throughput === undefined
      ? ''
      : `<p>Throughput: ${typeof throughput === 'number' ? `${escapeHtml(throughput.toFixed(1))} ops/s` : `<code>${escapeHtml(JSON.stringify(throughput))}</code>`}</p>`;
  return (
    `<table class="stats"><thead><tr><th>f</th><th class="num">ok</th><th class="num">fail</th><th class="num">info</th><th class="num">p50 ms</th><th class="num">p90 ms</th><th class="num">p99 ms</th><th class="num">max ms</th></tr></thead>` +
    `<tbody>${rows.join('')}${fs.length > 1 ? totals : ''}</tbody></table>${throughputLine}`
  );
}

function countCell(n: unknown, type: 'ok' | 'fail' | 'info'): string {
  const value = num(n);
  return `<td class="num${value > 0 && type !== 'ok' ? ` count-${type}` : ''}">${n === undefined ? '' : typeof n === 'number' ? formatCount(n) : escapeHtml(n)}</td>`;
}

function num(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
