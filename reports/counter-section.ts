// The counter checker's evidence: the first read outside the bounds the adds imply, then every
// read over time with its lower and upper bound.
import type { CounterResult } from '../checkers/counter.js';
import type { CheckResult } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { escapeHtml } from '../src/html-escape.js';
import type { FaultColor } from './fault-colors.js';
import { renderTimePlot } from './svg-plot.js';
import { formatCount } from './time-format.js';
import { witnessTable } from './witness-table.js';

export const counterKeys = ['valid', 'summary', 'error', 'reads', 'errors', 'series'];

/** True for a result with a read series and errors (the counter checker's shape). */
export function isCounterResult(result: CheckResult): result is CounterResult {
  return Array.isArray(result.series) && Array.isArray(result.errors) && typeof result.reads === 'number';
}

export function renderCounterBody(result: CounterResult, windows: readonly FaultWindow[], colors: ReadonlyMap<string, FaultColor>): string {
  const parts: string[] = [];
  if (result.errors.length > 0) {
    const rows = result.errors.map((e) => ({ op: e.op, note: escapeHtml(`read ${e.value}, outside [${e.lower}, ${e.upper}]`) }));
    parts.push(`<div class="witness"><h4>Reads outside their bounds: ${formatCount(result.errors.length)}${result.errors.length > 1 ? ', earliest first' : ''}</h4>${witnessTable(rows, 'value and bounds')}</div>`);
  }
  parts.push(`<p>${formatCount(result.reads)} reads checked.</p>`);
  const series = result.series;
  parts.push(
    renderTimePlot(
      [
        { label: 'read value', color: '#4e79a7', points: series.map(([t, v]) => [t, v] as const) },
        { label: 'lower bound', color: '#1a7f37', points: series.map(([t, , lo]) => [t, lo] as const), line: true },
        { label: 'upper bound', color: '#bc4c00', points: series.map(([t, , , hi]) => [t, hi] as const), line: true },
      ],
      { yLabel: 'counter', windows, colors },
    ),
  );
  return parts.join('\n');
}
