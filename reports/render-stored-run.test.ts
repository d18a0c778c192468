// The report is made after checking, from the stored run: what it reads back (test.json, run.json,
// history.jsonl, results.json, the nodes' logs) must give the page the check's own values give, in
// this thread and in the worker thread that renders big histories (compiled: dist/, built by pretest).
import { builtins } from '../src/builtins.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckOutOfMemory, checkRun } from '../src/check-stored-run.js';
import type { RunFacts } from '../src/run-facts.js';
import { readStoredHistory } from '../src/run-history.js';
import { resolveSpec, type SpecOptions } from '../src/spec.js';
import { renderStoredRun, runReport } from './render-stored-run.js';

interface Case {
  name: string;
  spec: SpecOptions;
  facts: RunFacts;
  ops: object[];
}

const complete: RunFacts = { startedAt: new Date(0).toISOString(), phase: 'teardown', end: 'complete', durationMs: 1000, historyEpochMs: 0 };

const cases: Case[] = [
  {
    name: 'register, a stale read and a partition',
    spec: { workload: 'register', nemesis: 'partition', seed: 3 },
    facts: complete,
    ops: [
      { process: 0, type: 'invoke', f: 'write', value: [1, 1] }, { process: 0, type: 'ok', f: 'write', value: [1, 1] },
      { process: 'nemesis', type: 'invoke', f: 'start-partition', value: null }, { process: 'nemesis', type: 'info', f: 'start-partition', value: { grudge: { n1: ['n2'], n2: ['n1'] } } },
      { process: 1, type: 'invoke', f: 'read', value: [1, null] }, { process: 1, type: 'ok', f: 'read', value: [1, 0] },
      { process: 1, type: 'invoke', f: 'write', value: [1, 2] }, { process: 1, type: 'info', f: 'write', value: [1, 2], error: 'timeout' },
      { process: 'nemesis', type: 'invoke', f: 'stop-partition', value: null }, { process: 'nemesis', type: 'info', f: 'stop-partition', value: null },
    ],
  },
  {
    name: 'set, interrupted during the workload',
    spec: { workload: 'set', nemesis: 'kill', seed: 4 },
    facts: { ...complete, end: 'interrupted', phase: 'workload', interrupted: { phase: 'workload', workloadS: 0.5 } },
    ops: [
      { process: 0, type: 'invoke', f: 'add', value: 1 }, { process: 0, type: 'ok', f: 'add', value: 1 },
      { process: 1, type: 'invoke', f: 'add', value: 2 }, { process: 1, type: 'fail', f: 'add', value: 2, error: 'refused' },
      { process: 0, type: 'invoke', f: 'read', value: null }, { process: 0, type: 'ok', f: 'read', value: [1] },
    ],
  },
  {
    name: 'counter, crashed, with no ops at all',
    spec: { workload: 'counter', nemesis: 'none', seed: 5 },
    facts: { ...complete, end: 'crashed', crashed: 'nodes n1 not ready within 30 s' },
    ops: [],
  },
];

/** A run directory holding the case's test.json, run.json, history.jsonl and one node's log with an event. */
function storedRun(c: Case): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-render-stored-'));
  writeFileSync(join(dir, 'test.json'), JSON.stringify(resolveSpec(c.spec, builtins), null, 2) + '\n');
  writeFileSync(join(dir, 'run.json'), JSON.stringify(c.facts, null, 2) + '\n');
  writeFileSync(join(dir, 'history.jsonl'), c.ops.map((op, index) => JSON.stringify({ index, time: index * 1_000_000, node: 'n1', ...op })).join('\n') + (c.ops.length > 0 ? '\n' : ''));
  mkdirSync(join(dir, 'nodes', 'n1'), { recursive: true });
  writeFileSync(join(dir, 'nodes', 'n1', 'node.log'), JSON.stringify({ level: 30, time: 2, node: 'n1', event: 'leader', term: 2, msg: 'became leader' }) + '\n');
  return dir;
}

describe('the report made from the stored run', () => {
  for (const c of cases) {
    it(`is the page the check's own values give (${c.name})`, async () => {
      const dir = storedRun(c);
      const spec = resolveSpec(c.spec, builtins);
      const history = readStoredHistory(join(dir, 'history.jsonl'));
      const results = await checkRun(spec, history, dir, c.facts, builtins);
      await renderStoredRun(dir, builtins, { worker: false });
      const written = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(written).toContain('became leader');
      expect(written).toBe(runReport({ spec, run: c.facts, history, results, dir, registry: builtins }));
    });
  }

  it('is the same page when a worker thread renders it', async () => {
    const c = cases[0]!;
    const dir = storedRun(c);
    await checkRun(resolveSpec(c.spec, builtins), readStoredHistory(join(dir, 'history.jsonl')), dir, c.facts, builtins);
    await renderStoredRun(dir, builtins, { worker: false });
    const here = readFileSync(join(dir, 'report.html'), 'utf8');
    writeFileSync(join(dir, 'report.html'), '');
    await renderStoredRun(dir, builtins, { worker: true });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(here);
  });

  it('says in one line that rendering ran out of memory when the worker heap is too small', async () => {
    const c = cases[0]!;
    const dir = storedRun(c);
    await checkRun(resolveSpec(c.spec, builtins), readStoredHistory(join(dir, 'history.jsonl')), dir, c.facts, builtins);
    const failure = await renderStoredRun(dir, builtins, { worker: true, heapMb: 8 }).then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(CheckOutOfMemory);
    expect((failure as Error).message).toMatch(/^rendering the report of .* ran out of memory: its history\.jsonl is 0 MiB and the report's heap is limited to 8 MiB .*; check it on a machine with more memory$/);
  });

  it('names a missing results.json in one line, and writes no report', async () => {
    const dir = storedRun(cases[0]!);
    await expect(renderStoredRun(dir, builtins, { worker: false })).rejects.toThrow(/^cannot read .*results\.json: no such file or directory; expected the results the check writes before the report$/);
    await expect(renderStoredRun(dir, builtins, { worker: true })).rejects.toThrow(/results\.json: no such file or directory/);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });
});
