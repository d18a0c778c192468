import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaketimeClock, faketimeSpec } from './faketime.js';

/** What libfaketime computes from a spec "+O xR" for a process that loaded it at `startMs`. */
function libfaketimeOffsetS(spec: string, nowMs: number, startMs: number): number {
  const [, offset, rate] = /^([+-][\d.]+) x([\d.]+)$/.exec(spec) as unknown as [string, string, string];
  return Number(offset) + ((nowMs - startMs) / 1000) * (Number(rate) - 1);
}

describe('faketime', () => {
  it('a spec gives exactly the wanted offset at the moment it is written, whatever the rate and process age', () => {
    fc.assert(fc.property(
      fc.double({ min: -1e5, max: 1e5, noNaN: true }),
      fc.constantFrom(0.25, 0.5, 1, 1.1, 2, 4),
      fc.integer({ min: 0, max: 3_600_000 }),
      (offsetS, rate, ageMs) => {
        const startMs = 1_700_000_000_000;
        const spec = faketimeSpec({ offsetS, rate }, startMs + ageMs, startMs);
        expect(libfaketimeOffsetS(spec, startMs + ageMs, startMs)).toBeCloseTo(offsetS, 2);
      },
    ));
  });

  it('tracks drift: a clock running at x2 gains a second per second, and a restart keeps its offset', () => {
    const clock = new FaketimeClock(join(mkdtempSync(join(tmpdir(), 'faketime-')), 'clock.faketime'));
    clock.processStarting(0);
    clock.set({ offsetS: 10, rate: 2 }, 1000);
    expect(clock.offsetS(3000)).toBeCloseTo(12);
    clock.processStarting(3000);
    expect(clock.offsetS(3000)).toBeCloseTo(12);
    expect(readFileSync(clock.path, 'utf8')).toBe('+12.000 x2\n');
  });
});
