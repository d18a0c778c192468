import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { describeClockFault, planClockFault } from './clock.js';

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

  it('describes faults for the report', () => {
    expect(describeClockFault({ kind: 'bump', deltaS: -2.048 })).toBe('bump -2.048 s');
    expect(describeClockFault({ kind: 'strobe', deltaS: 0.5, periodMs: 64, durationS: 3 })).toBe('strobe ±0.500 s every 64 ms for 3 s');
    expect(describeClockFault({ kind: 'drift', rate: 2 })).toBe('drift x2');
  });
});
