import { describe, expect, it } from 'vitest';
import { packetCommands, packetSupport } from './docker-packet.js';

const noNetem = { netem: false, tbf: true, statistic: true, reject: true };
const full = { netem: true, tbf: true, statistic: true, reject: true };

describe('packet faults', () => {
  it('without netem: loss through iptables statistic, rate through tbf, the rest unavailable and why', () => {
    const support = packetSupport(noNetem);
    expect(support.available).toEqual({ loss: 'iptables statistic', rate: 'tc tbf', reset: 'iptables REJECT with tcp-reset (statistic)' });
    expect(Object.keys(support.unavailable).sort()).toEqual(['corrupt', 'delay', 'duplicate', 'reorder', 'stall']);
    expect(support.unavailable.delay).toBe('the kernel has no netem qdisc');
    expect(packetCommands({ lossPercent: 20, rateKbit: 256 }, noNetem)).toEqual([
      ['iptables', '-w', '-A', 'FAULTLINE-LOSS', '-m', 'statistic', '--mode', 'random', '--probability', '0.2', '-j', 'DROP'],
      ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', '256kbit', 'burst', '32kbit', 'latency', '400ms'],
    ]);
    expect(() => packetCommands({ delayMs: 50, duplicatePercent: 10 }, noNetem)).toThrow('packet behaviours delay, duplicate are unavailable (the kernel has no netem qdisc); available: loss, rate, reset');
  });

  it('resets connections through a REJECT rule on a share of packets; stalls are unavailable, and why', () => {
    expect(packetCommands({ resetPercent: 5 }, noNetem)).toEqual([
      ['iptables', '-w', '-A', 'FAULTLINE-LOSS', '-p', 'tcp', '-m', 'statistic', '--mode', 'random', '--probability', '0.05', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ]);
    expect(packetSupport({ ...noNetem, reject: false }).unavailable.reset).toBe('iptables has no statistic match or no REJECT target');
    expect(() => packetCommands({ stallMs: 500 }, full)).toThrow(/^packet behaviours stall are unavailable \(tc and iptables rules hold no bytes/);
  });

  it('with netem: one qdisc carries every behaviour', () => {
    expect(packetCommands({ delayMs: 100, jitterMs: 10, lossPercent: 5, reorderPercent: 25 }, full)).toEqual([
      ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '100ms', '10ms', 'distribution', 'normal', 'loss', '5%', 'reorder', '25%'],
    ]);
  });

});
