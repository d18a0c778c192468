import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import type { PacketBehaviour } from '../src/runtime/runtime.js';
import { describePacketShape, planPacketShape } from './packet.js';

const all: PacketBehaviour[] = ['delay', 'loss', 'duplicate', 'reorder', 'corrupt', 'rate'];

describe('packet faults', () => {
  it('draws only behaviours the runtime can make', () => {
    fc.assert(fc.property(fc.integer(), fc.subarray(all, { minLength: 1 }), (seed, available) => {
      const { behaviour } = planPacketShape(createRandom(seed), available);
      expect(available).toContain(behaviour);
    }));
    expect(() => planPacketShape(createRandom(1), [])).toThrow(/no packet behaviour is available/);
  });

  it('describes shapes for the report', () => {
    expect(describePacketShape({ lossPercent: 20 })).toBe('loss 20%');
    expect(describePacketShape({ delayMs: 50, jitterMs: 10 })).toBe('delay 50 ms ±10');
  });
});
