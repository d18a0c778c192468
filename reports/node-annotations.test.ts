import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { clockSteps, offsetAtS } from './clock-offsets.js';
import { placeNodeEvents, readNodeLogs } from './node-annotations.js';

const epochMs = 1_700_000_000_000;
/** A bump of n2's clock by +2 s at 10 s, reset at 20 s, as the clock nemesis records it. */
const clockHistory: Op[] = [
  { index: 0, time: 9.9e9, process: 'nemesis', type: 'invoke', f: 'start-clock', value: null },
  { index: 1, time: 10e9, process: 'nemesis', type: 'info', f: 'start-clock', value: { nodes: ['n2'], offsetsS: { n1: 0, n2: 2 }, description: 'n2 bump +2.000 s' } },
  { index: 2, time: 19.9e9, process: 'nemesis', type: 'invoke', f: 'stop-clock', value: null },
  { index: 3, time: 20e9, process: 'nemesis', type: 'info', f: 'stop-clock', value: { nodes: ['n2'], offsetsS: { n1: 0, n2: 0 }, description: 'reset n2' } },
];

describe('clock offsets', () => {
  it('reads each node\u2019s offset from the clock nemesis ops, starting from zero', () => {
    const steps = clockSteps(clockHistory);
    expect(steps.map((s) => [s.atNs, s.offsetsS.n2, s.label])).toEqual([[0, 0, 'start'], [10e9, 2, 'n2 bump +2.000 s'], [20e9, 0, 'reset n2']]);
    expect(offsetAtS(steps, 'n2', 15e9)).toBe(2);
    expect(offsetAtS(steps, 'n2', 25e9)).toBe(0);
    expect(offsetAtS(steps, 'n9', 15e9)).toBe(0);
    expect(clockSteps([])).toEqual([]);
  });
});

describe('node events on the history\u2019s time axis', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('takes the history\u2019s start and the node\u2019s clock offset off the logged time', () => {
    const steps = clockSteps(clockHistory);
    const logged = (node: string, atS: number, skewS = 0) => ({ timeMs: epochMs + (atS + skewS) * 1000, node, event: 'election', message: 'm', detail: {} });
    const placed = placeNodeEvents([logged('n2', 15, 2), logged('n1', 5), logged('n2', -1)], epochMs, steps);
    expect(placed.map((e) => [e.node, e.atNs])).toEqual([['n2', -1e9], ['n1', 5e9], ['n2', 15e9]]);
  });

  it('places an event logged under a clock far ahead back in its window', () => {
    // n2's clock ran 131 s ahead from 10 s to 20 s: what it logged at "146 s" happened at 15 s.
    const steps = clockSteps(clockHistory).map((s) => ({ ...s, offsetsS: { ...s.offsetsS, n2: s.offsetsS.n2 === 2 ? 131 : 0 } }));
    const placed = placeNodeEvents([{ timeMs: epochMs + 146_000, node: 'n2', event: 'leader', message: 'm', detail: {} }], epochMs, steps);
    expect(placed[0]!.atNs).toBeCloseTo(15e9, -3);
  });

  it('reads nodes/<node>/node.log where present, links every log, and names the node from its directory', () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-nodes-'));
    for (const node of ['n1', 'n2', 'n3']) mkdirSync(join(dir, 'nodes', node, 'data'), { recursive: true });
    const line = (timeMs: number, extra: object) => JSON.stringify({ level: 30, time: timeMs, pid: 1, hostname: 'h', ...extra });
    writeFileSync(join(dir, 'nodes', 'n1', 'node.log'), [line(epochMs + 1500, { node: 'n1', event: 'role', role: 'leader', term: 2, msg: 'became leader in term 2' }), line(epochMs + 1600, { msg: 'no event' }), 'a crash trace'].join('\n'));
    writeFileSync(join(dir, 'nodes', 'n2', 'node.log'), line(epochMs + 500, { event: 'repair', msg: 'read repairs: 3 on n1' }));
    const logs = readNodeLogs(dir, epochMs, []);
    expect(logs.logs.map((l) => l.href)).toEqual(['nodes/n1/node.log', 'nodes/n2/node.log']);
    expect(logs.events.map((e) => [e.node, e.event, e.atNs, e.message])).toEqual([['n2', 'repair', 0.5e9, 'read repairs: 3 on n1'], ['n1', 'role', 1.5e9, 'became leader in term 2']]);
    expect(logs.events[1]!.detail).toEqual({ role: 'leader', term: 2 });
    expect(readNodeLogs(dir, undefined, []).note).toMatch(/^2 node events not placed on the timeline/);
    expect(readNodeLogs(join(dir, 'missing'), epochMs, [])).toEqual({ events: [], logs: [] });
  });
});
