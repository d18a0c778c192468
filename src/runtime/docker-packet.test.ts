import { describe, expect, it } from 'vitest';
import { packetCommands, packetSupport } from './docker-packet.js';

const noNetem = { netem: false, tbf: true, statistic: true };
const full = { netem: true, tbf: true, statistic: true };

describe('packet faults', () => {
  it('without netem: loss through iptables statistic, rate through tbf, the rest unavailable and why', () => {
    const support = packetSupport(noNetem);
    expect(support.available).toEqual({ loss: 'iptables statistic', rate: 'tc tbf' });
    expect(Object.keys(support.unavailable).sort()).toEqual(['corrupt', 'delay', 'duplicate', 'reorder']);
    expect(support.unavailable.delay).toBe('the kernel has no netem qdisc');
    expect(packetCommands({ lossPercent: 20, rateKbit: 256 }, noNetem)).toEqual([
      ['iptables', '-w', '-A', 'FAULTLINE-LOSS', '-m', 'statistic', '--mode', 'random', '--probability', '0.2', '-j', 'DROP'],
      ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', '256kbit', 'burst', '32kbit', 'latency', '400ms'],
    ]);
    expect(() => packetCommands({ delayMs: 50, duplicatePercent: 10 }, noNetem)).toThrow('packet behaviours delay, duplicate are unavailable (the kernel has no netem qdisc); available: loss, rate');
  });

  it('with netem: one qdisc carries every behaviour', () => {
    expect(packetCommands({ delayMs: 100, jitterMs: 10, lossPercent: 5, reorderPercent: 25 }, full)).toEqual([
      ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '100ms', '10ms', 'distribution', 'normal', 'loss', '5%', 'reorder', '25%'],
    ]);
  });

});
