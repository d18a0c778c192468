import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { BURST_BYTES, combineLinkShapes, LinkSchedule, linkShapeOf, type LinkShape } from './link-shaping.js';

/** Arrivals as (gap ms, bytes): the delivery times a schedule gives them, or 'reset'. */
function run(shape: LinkShape, arrivals: [number, number][], seed = 1, originMs = 0) {
  const schedule = new LinkSchedule(shape, originMs, createRandom(seed));
  let now = originMs;
  return arrivals.map(([gap, bytes]) => {
    now += gap;
    const fate = schedule.admit(now, bytes);
    return { arrivedMs: now, bytes, fate };
  });
}

const arrivals = fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 20_000 })), { minLength: 1, maxLength: 60 });
const shapes = fc.record({
  delayMs: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  jitterMs: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  rateKbit: fc.option(fc.integer({ min: 8, max: 10_000 }), { nil: undefined }),
  stallMs: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
}, { requiredKeys: [] });

describe('link shaping', () => {
  it('never delivers a chunk before it arrived or before an earlier chunk, whatever the shape', () => {
    fc.assert(fc.property(shapes, arrivals, fc.integer(), (shape, given, seed) => {
      let last = Number.NEGATIVE_INFINITY;
      for (const { arrivedMs, fate } of run(shape, given, seed)) {
        if (fate === 'reset') throw new Error('no reset was asked for');
        expect(fate.deliverAtMs).toBeGreaterThanOrEqual(arrivedMs);
        expect(fate.deliverAtMs).toBeGreaterThanOrEqual(last);
        last = fate.deliverAtMs;
      }
    }));
  });

  it('delays each chunk by the delay, give or take the jitter', () => {
    fc.assert(fc.property(arrivals, fc.integer(), (given, seed) => {
      const spaced = given.map(([, bytes]): [number, number] => [1000, bytes]); // far apart: order adds nothing
      for (const { arrivedMs, fate } of run({ delayMs: 100, jitterMs: 30 }, spaced, seed)) {
        if (fate === 'reset') throw new Error('unexpected reset');
        expect(fate.deliverAtMs - arrivedMs).toBeGreaterThanOrEqual(70);
        expect(fate.deliverAtMs - arrivedMs).toBeLessThanOrEqual(130);
      }
    }));
    expect(run({ delayMs: 100 }, [[0, 10], [5, 10]]).map((c) => c.fate)).toEqual([{ deliverAtMs: 100 }, { deliverAtMs: 105 }]);
  });

  it('keeps to the rate: what is delivered by any time fits the bucket plus the rate since the start', () => {
    fc.assert(fc.property(fc.integer({ min: 8, max: 2000 }), arrivals, (rateKbit, given) => {
      const chunks = run({ rateKbit }, given);
      for (const chunk of chunks) {
        if (chunk.fate === 'reset') throw new Error('unexpected reset');
        const deliveredBy = chunks.filter((c) => c.fate !== 'reset' && c.fate.deliverAtMs <= (chunk.fate as { deliverAtMs: number }).deliverAtMs).reduce((sum, c) => sum + c.bytes, 0);
        expect(deliveredBy).toBeLessThanOrEqual(BURST_BYTES + (chunk.fate.deliverAtMs * rateKbit) / 8 + 1e-6);
      }
    }));
    // 64 kbit/s is 8 bytes per ms: 4 KiB pass at once, the next 8000 bytes take a second.
    expect(run({ rateKbit: 64 }, [[0, BURST_BYTES], [0, 8000]]).map((c) => c.fate)).toEqual([{ deliverAtMs: 0 }, { deliverAtMs: 1000 }]);
  });

  it('stalls: nothing is delivered in the first stallMs of every 2 × stallMs from the shape’s start; the bytes come after', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), arrivals, (stallMs, given) => {
      for (const { fate } of run({ stallMs }, given, 1, 50)) {
        if (fate === 'reset') throw new Error('unexpected reset');
        expect((fate.deliverAtMs - 50) % (2 * stallMs)).toBeGreaterThanOrEqual(stallMs);
      }
    }));
    expect(run({ stallMs: 500 }, [[0, 1], [600, 1], [500, 1]]).map((c) => c.fate)).toEqual([{ deliverAtMs: 500 }, { deliverAtMs: 600 }, { deliverAtMs: 1500 }]);
    const schedule = new LinkSchedule({ stallMs: 500 }, 0, createRandom(1));
    expect([0, 499, 500, 999, 1000].map((ms) => schedule.stalledAt(ms))).toEqual([true, true, false, false, true]);
  });

  it('resets about the share of chunks asked for, the same ones for the same seed', () => {
    const chunks = Array.from({ length: 2000 }, (): [number, number] => [1, 100]);
    const resets = run({ resetPercent: 20 }, chunks, 7).filter((c) => c.fate === 'reset').length;
    expect(resets).toBeGreaterThan(300);
    expect(resets).toBeLessThan(500);
    expect(run({ resetPercent: 20 }, chunks, 7)).toEqual(run({ resetPercent: 20 }, chunks, 7));
    expect(run({ delayMs: 10 }, chunks, 7).some((c) => c.fate === 'reset')).toBe(false);
  });

  it('a link between two shaped nodes gets the stronger of each; packet-only behaviours are left out', () => {
    expect(combineLinkShapes({ delayMs: 50, rateKbit: 256 }, { delayMs: 100, rateKbit: 64, stallMs: 200 })).toEqual({ delayMs: 100, rateKbit: 64, stallMs: 200 });
    expect(combineLinkShapes(undefined, { resetPercent: 5 })).toEqual({ resetPercent: 5 });
    expect(combineLinkShapes(undefined, undefined)).toBeUndefined();
    expect(linkShapeOf({ lossPercent: 5, delayMs: 20, corruptPercent: 1 })).toEqual({ delayMs: 20 });
  });
});
