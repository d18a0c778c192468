import { describe, expect, it } from 'vitest';
import type { WitnessOp } from '../src/checker.js';
import type { FaultWindow } from '../src/fault-window.js';
import { faultColors } from './fault-colors.js';
import { renderLaneDiagram } from './lane-diagram.js';

const ms = 1e6;

function op(index: number, process: number, startMs: number, endMs: number | null, description: string): WitnessOp {
  return { index, process, f: 'write', value: null, result: null, start: startMs * ms, end: endMs === null ? null : endMs * ms, description };
}

const windows: FaultWindow[] = [{ fault: 'partition', start: 15 * ms, end: null, value: null, label: 'partition <b>n1</b> | n2' }];

describe('renderLaneDiagram', () => {
  const svg = renderLaneDiagram(
    [
      { op: op(1, 0, 0, 10, 'write k1 1'), order: 1 },
      { op: op(3, 1, 5, null, 'write k1 2 (unknown)'), order: 2 },
      { op: op(7, 0, 20, 30, 'read k1 -> 3'), stuck: true },
    ],
    windows,
    faultColors(windows),
  );

  it('draws one lane per process', () => {
    expect(svg).toContain('>process 0</text>');
    expect(svg).toContain('>process 1</text>');
  });

  it('numbers linearized ops, highlights the stuck op and marks ops that never completed', () => {
    expect(svg).toContain('1 write k1 1');
    expect(svg).toMatch(/<g class="bar stuck">.*read k1 -&gt; 3/);
    expect(svg).toMatch(/<g class="bar open">.*never completed definitely.*class="open-end"/);
  });

  it('shades fault windows and escapes their labels', () => {
    expect(svg).toContain('partition &lt;b&gt;n1&lt;/b&gt; | n2');
    expect(svg).not.toContain('<b>');
    expect(svg).toMatch(/<rect [^>]*fill="rgba\(/);
  });

  it('renders nothing without ops', () => {
    expect(renderLaneDiagram([], [], new Map())).toBe('');
  });
});

describe('lane diagram hover text', () => {
  it('shows each op state transition, escaped', async () => {
    const { renderLaneDiagram } = await import('./lane-diagram.js');
    const op = { index: 3, process: 1, f: 'write', value: [0, 2], result: [0, 2], start: 1e9, end: 2e9, description: 'write k0 2' };
    const svg = renderLaneDiagram([{ op, order: 1, transition: 'state <1> -> 2' }], [], new Map());
    expect(svg).toContain('state &lt;1&gt; -&gt; 2');
  });
});
