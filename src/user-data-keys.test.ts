// Names that are properties of every plain object (`__proto__`, `constructor`, `toString`) used as
// f, keys, node names, errors and bank accounts, through the whole check and report path: every
// checker gives a verdict of its own (no "is not a function"), the report is written, and no
// object's prototype is touched.
import { builtins } from './builtins.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Op } from './op.js';
import { checkAvailability } from '../checkers/availability.js';
import { clockSteps } from '../reports/clock-offsets.js';
import { renderStoredRun } from '../reports/render-stored-run.js';
import { recheckRun } from './run.js';
import { readRunSummary } from './run-summary.js';
import { resolveSpec } from './spec.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

/** A history of one workload whose user data is all named after Object.prototype's properties. */
function hostileHistory(workload: string): Omit<Op, 'index' | 'time'>[] {
  const ops: Omit<Op, 'index' | 'time'>[] = [];
  const pair = (process: number, f: string, invoke: unknown, ok: unknown, node: string): void => {
    ops.push({ process, type: 'invoke', f, value: invoke, node }, { process, type: 'ok', f, value: ok, node });
  };
  NAMES.forEach((name, i) => {
    switch (workload) {
      case 'register':
        pair(i, 'write', [name, 1], [name, 1], name);
        pair(i, 'read', [name, null], [name, 1], name);
        break;
      case 'set':
        pair(i, 'add', [name, name], [name, name], name);
        pair(i, 'read', [name, null], [name, [name]], name);
        break;
      case 'counter':
        pair(i, 'add', [name, 1], [name, 1], name);
        pair(i, 'read', [name, null], [name, 1], name);
        break;
      case 'bank':
        pair(i, 'read', null, JSON.parse(`{${NAMES.map((a) => `"${a}": 10`).join(',')}}`), name);
        break;
      case 'list-append':
        pair(i, 'txn', [['append', name, 1], ['r', name, null]], [['append', name, 1], ['r', name, [1]]], name);
        break;
    }
    // An op whose f is the name itself, failed with an error of that name, and a nemesis op too.
    pair(10 + i, name, name, name, name);
    ops.push({ process: 20 + i, type: 'invoke', f: name, value: name, node: name }, { process: 20 + i, type: 'fail', f: name, value: name, node: name, error: name });
    const offsetsS = JSON.parse(`{"${name}": 1}`) as unknown;
    ops.push({ process: 'nemesis', type: 'invoke', f: 'start-clock', value: null }, { process: 'nemesis', type: 'info', f: 'start-clock', value: { offsetsS } });
    ops.push({ process: 'nemesis', type: 'info', f: name, value: name }, { process: 'nemesis', type: 'info', f: name, value: name });
  });
  return ops;
}

describe('user data named after Object.prototype properties', () => {
  for (const workload of ['register', 'set', 'counter', 'bank', 'list-append']) {
    it(`goes through check and report untouched (${workload})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'faultline-proto-'));
      const spec = resolveSpec({ workload, nemesis: 'none', seed: 1 }, builtins);
      writeFileSync(join(dir, 'test.json'), JSON.stringify(spec));
      writeFileSync(join(dir, 'run.json'), JSON.stringify({ startedAt: new Date(0).toISOString(), phase: 'teardown', end: 'complete', durationMs: 1000, historyEpochMs: 0 }));
      const lines = hostileHistory(workload).map((op, index) => JSON.stringify({ index, time: index * 1000, ...op }));
      writeFileSync(join(dir, 'history.jsonl'), lines.join('\n') + '\n');

      const { results, exitCode } = await recheckRun(dir, builtins, {}, renderStoredRun);
      const text = JSON.stringify(results);
      expect(text).not.toMatch(/is not a function|Cannot read propert|is not iterable|Cannot convert|Cannot set propert/);
      expect([0, 1, 2]).toContain(exitCode);
      const stats = (results.results as Record<string, { counts: Record<string, unknown> }>)['stats']!;
      for (const name of NAMES) expect(Object.hasOwn(stats.counts, name), `stats counts ${name}`).toBe(true);
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('hasOwnProperty');
      const summary = readRunSummary(dir);
      expect(Object.keys(summary.latencyMs ?? {}).sort()).toEqual(Object.keys((stats as unknown as { latencyMs: object }).latencyMs).sort());
      for (const name of NAMES) expect(Object.hasOwn(summary.latencyMs ?? {}, name), `summary latency ${name}`).toBe(true);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });
  }

  it('keeps availability by f and clock offsets by node as data', () => {
    const history = hostileHistory('register').map((op, index) => ({ ...op, index, time: index * 1000 }) as Op);
    const byF = checkAvailability(history).byF as Record<string, unknown>;
    for (const name of NAMES) expect(Object.hasOwn(byF, name), name).toBe(true);
    const steps = clockSteps(history);
    for (const name of NAMES) expect(steps.some((s) => Object.hasOwn(s.offsetsS, name) && s.offsetsS[name] === 1), name).toBe(true);
  });
});
