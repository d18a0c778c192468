import { describe, expect, it } from 'vitest';
import type { Op } from './op.js';
import { faultWindows } from './fault-window.js';

const nemesis = (index: number, f: string, extra: Partial<Op> = {}): Op => ({ index, time: index * 1e9, process: 'nemesis', type: 'info', f, value: null, ...extra }) as Op;

describe('fault windows', () => {
  it('run from a start to the next stop that did not fail', () => {
    const windows = faultWindows([
      nemesis(1, 'start-pause', { value: { description: 'n1' } }),
      nemesis(2, 'stop-pause', { error: 'unpause hung' }),
      nemesis(3, 'stop-pause'),
      nemesis(4, 'start-kill'),
      nemesis(5, 'stop-kill', { type: 'fail' }),
    ]);
    expect(windows.map((w) => [w.fault, w.start, w.end, w.label])).toEqual([
      ['pause', 1e9, 3e9, 'pause n1'],
      ['kill', 4e9, null, 'kill'],
    ]);
  });

  it('leave out a start that never took hold', () => {
    expect(faultWindows([nemesis(1, 'start-partition', { error: 'iptables failed' }), nemesis(2, 'stop-partition')])).toEqual([]);
  });
});
