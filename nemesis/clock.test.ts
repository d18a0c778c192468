import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import type { NodeClock } from '../src/runtime/runtime.js';
import { applyClockFault, describeClockFault, planClockFault } from './clock.js';

describe('clock faults', () => {
  it('draws bumps from 16 ms to 131 s either way, strobes and drifts within bounds, the same for the same seed', () => {
    fc.assert(fc.property(fc.integer(), (seed) => {
      const fault = planClockFault(createRandom(seed));
      expect(planClockFault(createRandom(seed))).toEqual(fault);
      if (fault.kind === 'bump') {
        expect(Math.abs(fault.deltaS)).toBeGreaterThanOrEqual(0.016);
        expect(Math.abs(fault.deltaS)).toBeLessThanOrEqual(131.072);
      } else if (fault.kind === 'strobe') {
        expect(fault.periodMs).toBeGreaterThanOrEqual(16);
        expect(fault.durationS).toBeLessThanOrEqual(5);
      } else {
        expect(fault.rate).toBeGreaterThan(0);
        expect(fault.rate).not.toBe(1);
      }
    }));
  });

  it('strobes for its duration, not longer, where setting a clock is slow (ssh), and leaves each clock as it was', async () => {
    const clocks = new Map<string, NodeClock>([['n1', { offsetS: 1, rate: 1 }], ['n2', { offsetS: 0, rate: 2 }]]);
    let sets = 0;
    const set = async (node: string, clock: NodeClock) => {
      await new Promise((resolve) => setTimeout(resolve, 40)); // an SFTP write on a loaded machine
      clocks.set(node, clock);
      sets++;
    };
    const started = performance.now();
    // 62 flips of 16 ms, planned: 1 s. Set one node after another, 80 ms a flip, they took 5 s.
    await applyClockFault({ kind: 'strobe', deltaS: 0.5, periodMs: 16, durationS: 1 }, ['n1', 'n2'], (node) => clocks.get(node) as NodeClock, set);
    expect(performance.now() - started).toBeLessThan(1400);
    expect(sets).toBeGreaterThanOrEqual(2 * 4);
    expect(Object.fromEntries(clocks)).toEqual({ n1: { offsetS: 1, rate: 1 }, n2: { offsetS: 0, rate: 2 } });
  });

  it('describes faults for the report', () => {
    expect(describeClockFault({ kind: 'bump', deltaS: -2.048 })).toBe('bump -2.048 s');
    expect(describeClockFault({ kind: 'strobe', deltaS: 0.5, periodMs: 64, durationS: 3 })).toBe('strobe ±0.500 s every 64 ms for 3 s');
    expect(describeClockFault({ kind: 'drift', rate: 2 })).toBe('drift x2');
  });
});
