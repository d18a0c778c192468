import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/define/options.js';
import { createRandom } from '../src/random.js';
import { proxyPacketSupport } from '../src/runtime/link-shaping.js';
import { PACKET_BEHAVIOURS, type PacketBehaviour } from '../src/runtime/runtime.js';
import { describePacketShape, packetOptions, planPacketShape } from './packet.js';

const all = [...PACKET_BEHAVIOURS];
const defaults = resolveOptions(packetOptions, {}, { nodeCount: 3 }, 'fault packet');

describe('packet faults', () => {
  it('draws only behaviours the runtime can make', () => {
    fc.assert(fc.property(fc.integer(), fc.subarray(all, { minLength: 1 }), (seed, available) => {
      const { behaviour } = planPacketShape(createRandom(seed), available);
      expect(available).toContain(behaviour);
    }));
    expect(() => planPacketShape(createRandom(1), [])).toThrow(/^no packet behaviour asked for is available here/);
  });

  it('on the local runtime, draws only what a TCP proxy can make: delay, rate, stall, reset', () => {
    const available = Object.keys(proxyPacketSupport().available) as PacketBehaviour[];
    expect(available.sort()).toEqual(['delay', 'rate', 'reset', 'stall']);
    const drawn = new Set(Array.from({ length: 200 }, (_, seed) => planPacketShape(createRandom(seed), available, defaults).behaviour));
    expect([...drawn].sort()).toEqual(['delay', 'rate', 'reset', 'stall']);
  });

  it('draws behaviours and magnitudes among the options given', () => {
    const options = resolveOptions(packetOptions, { behaviours: 'stall,loss', stallMs: '300', lossPercent: '7,9' }, { nodeCount: 3 }, 'fault packet');
    expect(options.stallMs).toEqual([300]);
    fc.assert(fc.property(fc.integer(), (seed) => {
      const { behaviour, shape } = planPacketShape(createRandom(seed), all, options);
      if (behaviour === 'stall') expect(shape).toEqual({ stallMs: 300 });
      else expect([{ lossPercent: 7 }, { lossPercent: 9 }]).toContainEqual(shape);
    }));
    expect(() => planPacketShape(createRandom(1), ['delay', 'rate'], options)).toThrow('no packet behaviour asked for is available here: --packet-behaviours stall,loss; available: delay, rate');
    expect(() => resolveOptions(packetOptions, { stallMs: '0' }, { nodeCount: 3 }, 'fault packet')).toThrow('--packet-stall-ms "0" is not valid; expected whole numbers from 1 to 60000, comma separated');
  });

  it('describes shapes for the report', () => {
    expect(describePacketShape({ lossPercent: 20 })).toBe('loss 20%');
    expect(describePacketShape({ delayMs: 50, jitterMs: 10 })).toBe('delay 50 ms ±10');
    expect(describePacketShape({ stallMs: 500 })).toBe('stall 500 ms on, 500 ms off');
    expect(describePacketShape({ resetPercent: 5 })).toBe('reset 5%');
  });
});
