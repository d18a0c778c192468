import { describe, expect, it } from 'vitest';
import { clearHostPacketSteps, combinedPacketSupport, hostPacketCommands, hostPacketSupport, isNoOwnQdisc, packetRefusal, parseRoutes, probeBatch, rootQdiscRefusal, routeCommand, type HostPacketProbe } from './ssh-packet.js';
import { commandLine } from './shell-quote.js';

const noNetem = { statistic: true, reject: true, htb: true, u32: true, netem: false };
const full = { ...noNetem, netem: true };
const peers = { n2: '10.0.0.2', n3: '10.0.0.3', n4: '10.1.0.4' };
const devices = { eth0: ['10.0.0.2', '10.0.0.3'], ens5: ['10.1.0.4'] };
const here: HostPacketProbe = { tools: noNetem, devices };

describe('packet faults on ssh hosts', () => {
  it('finds the device that routes to each peer, the addresses given as arguments, never in the script', () => {
    const argv = routeCommand(['10.0.0.2', "x'; reboot"]);
    expect(argv.slice(0, 4)).toEqual(['sh', '-c', 'for peer; do ip -o route get "$peer" || exit; done', 'faultline-route']);
    expect(argv.slice(4)).toEqual(['10.0.0.2', "x'; reboot"]);
    expect(commandLine(argv)).toContain(`'x'\\''; reboot'`);
    const output = '10.0.0.2 dev eth0 src 10.0.0.1 uid 1000 \\    cache \n10.0.0.3 via 10.0.0.254 dev eth0 src 10.0.0.1 uid 1000 \\    cache \n10.1.0.4 dev ens5 src 10.1.0.1 uid 1000 \\    cache \n';
    expect(parseRoutes(output, Object.values(peers))).toEqual(devices);
    expect(parseRoutes('local 10.0.0.1 dev lo table local src 10.0.0.1 uid 0 \\    cache <local> \n', ['10.0.0.1'])).toEqual({ lo: ['10.0.0.1'] });
    expect(() => parseRoutes('10.0.0.2 dev eth0\n', ['10.0.0.2', '10.0.0.3'])).toThrow('`ip -o route get` printed 1 routes for 2 peers (10.0.0.2, 10.0.0.3)');
    expect(() => parseRoutes('unreachable 10.0.0.2\n', ['10.0.0.2'])).toThrow('no device in the route to 10.0.0.2: "unreachable 10.0.0.2"');
  });

  it('replaces only a root qdisc that is the kernel\'s default or its own', () => {
    expect(rootQdiscRefusal('eth0', 'qdisc noqueue 0: root refcnt 2 \n')).toBeUndefined();
    expect(rootQdiscRefusal('eth0', 'qdisc mq 0: root \nqdisc fq_codel 0: parent :1 limit 10240p\n')).toBeUndefined();
    expect(rootQdiscRefusal('eth0', 'qdisc htb fa17: root refcnt 3 r2q 10 default 0\nqdisc netem fa18: parent fa17:1 limit 1000 delay 1ms\n')).toBeUndefined();
    expect(rootQdiscRefusal('eth0', 'qdisc cake 8001: root refcnt 2 bandwidth 100Mbit\n')).toBe("the root qdisc of eth0 is cake 8001:, not the kernel's default; faultline does not replace it");
  });

  it('refuses every behaviour when the controller\'s SSH connection comes from a peer, or a peer is not IPv4', () => {
    expect(packetRefusal('10.9.9.9 51234 10.0.0.1 22\n', peers)).toBeUndefined();
    expect(packetRefusal('', peers)).toBeUndefined();
    expect(packetRefusal('10.0.0.3 51234 10.0.0.1 22\n', peers)).toBe("the controller's SSH connection comes from 10.0.0.3, n3's address: rules on n3's traffic would shape it too");
    expect(packetRefusal('', { n2: 'fd00::2' })).toBe('iptables and tc u32 rules here match IPv4 peers; n2 is fd00::2');
    const refused = hostPacketSupport({ tools: full, devices: {}, refused: 'no' });
    expect(refused.available).toEqual({});
    expect(Object.values(refused.unavailable).every((why) => why === 'no')).toBe(true);
  });

  it('probes in one batch with rules and filters that match no traffic, undone before and after', () => {
    const { steps, tools } = probeBatch('eth0');
    const lines = steps.map((step) => `${step.mayFail ? 'may ' : ''}${step.argv.join(' ')}`);
    const undo = ['may iptables -w -F FAULTLINE-LOSS', 'may tc qdisc del dev eth0 root handle fa17:'];
    expect(lines.slice(0, 2)).toEqual(undo);
    expect(lines[2]).toMatch(/^sh -c .* faultline-chain FAULTLINE-LOSS$/);
    expect(lines.slice(3, 9)).toEqual([
      'may iptables -w -A FAULTLINE-LOSS -s 192.0.2.1 -m statistic --mode random --probability 0 -j DROP',
      'may iptables -w -A FAULTLINE-LOSS -s 192.0.2.1 -p tcp -m statistic --mode random --probability 0 -j REJECT --reject-with tcp-reset',
      'may tc qdisc add dev eth0 root handle fa17: htb',
      'may tc class add dev eth0 parent fa17: classid fa17:1 htb rate 10gbit ceil 10gbit burst 1mb cburst 1mb quantum 1514',
      'may tc filter add dev eth0 parent fa17: protocol ip prio 1 u32 match ip dst 192.0.2.1/32 flowid fa17:1',
      'may tc qdisc add dev eth0 parent fa17:1 handle fa18: netem delay 1ms',
    ]);
    expect(lines.slice(9)).toEqual(undo);
    const read = (codes: number[]) => tools(steps.map((step, i) => ({ argv: step.argv, code: codes[i - 3] ?? 0, output: '' })));
    expect(read([0, 0, 0, 0, 0, 2])).toEqual({ statistic: true, reject: true, htb: true, u32: true, netem: false });
    // Without the htb root, u32 and netem cannot be told: they count as missing.
    expect(read([0, 1, 2, 2, 2, 2])).toEqual({ statistic: true, reject: false, htb: false, u32: false, netem: false });
    expect(read([0, 0, 0, 1, 0, 0])).toEqual({ statistic: true, reject: true, htb: false, u32: false, netem: false });
    expect(probeBatch(undefined).steps.map((step) => step.argv[0])).toEqual(['iptables', 'sh', 'iptables', 'iptables', 'iptables']);
  });

  it('without netem: loss and resets from the peers by iptables, rate to the peers by htb, the rest unavailable and why', () => {
    const support = hostPacketSupport(here);
    expect(support.available).toEqual({ loss: 'iptables statistic (from the peers)', rate: 'tc htb (to the peers)', reset: 'iptables REJECT with tcp-reset (statistic, from the peers)' });
    expect(support.unavailable.delay).toBe('the kernel has no netem qdisc');
    expect(Object.keys(support.unavailable).sort()).toEqual(['corrupt', 'delay', 'duplicate', 'reorder', 'stall']);
    expect(hostPacketCommands({ lossPercent: 20 }, here)).toEqual([
      ['iptables', '-w', '-A', 'FAULTLINE-LOSS', '-s', '10.0.0.2,10.0.0.3,10.1.0.4', '-m', 'statistic', '--mode', 'random', '--probability', '0.2', '-j', 'DROP'],
    ]);
    expect(hostPacketCommands({ resetPercent: 5 }, here)).toEqual([
      ['iptables', '-w', '-A', 'FAULTLINE-LOSS', '-s', '10.0.0.2,10.0.0.3,10.1.0.4', '-p', 'tcp', '-m', 'statistic', '--mode', 'random', '--probability', '0.05', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ]);
    expect(() => hostPacketCommands({ delayMs: 50 }, here)).toThrow('packet behaviours delay are unavailable (the kernel has no netem qdisc); available: loss, rate, reset');
  });

  it('a rate limit is an htb class that only the peers\' packets enter, on each device that reaches them', () => {
    expect(hostPacketCommands({ rateKbit: 256 }, here)).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', 'fa17:', 'htb'],
      ['tc', 'class', 'add', 'dev', 'eth0', 'parent', 'fa17:', 'classid', 'fa17:1', 'htb', 'rate', '256kbit', 'ceil', '256kbit', 'quantum', '1514'],
      ['tc', 'filter', 'add', 'dev', 'eth0', 'parent', 'fa17:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '10.0.0.2/32', 'flowid', 'fa17:1'],
      ['tc', 'filter', 'add', 'dev', 'eth0', 'parent', 'fa17:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '10.0.0.3/32', 'flowid', 'fa17:1'],
      ['tc', 'qdisc', 'add', 'dev', 'ens5', 'root', 'handle', 'fa17:', 'htb'],
      ['tc', 'class', 'add', 'dev', 'ens5', 'parent', 'fa17:', 'classid', 'fa17:1', 'htb', 'rate', '256kbit', 'ceil', '256kbit', 'quantum', '1514'],
      ['tc', 'filter', 'add', 'dev', 'ens5', 'parent', 'fa17:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '10.1.0.4/32', 'flowid', 'fa17:1'],
    ]);
    const noHtb = hostPacketSupport({ tools: { ...full, u32: false }, devices });
    expect(noHtb.unavailable.rate).toBe('rate: the kernel has no htb qdisc or u32 filter to confine it to the peers (on the whole device it would shape the SSH connection too)');
    expect(noHtb.unavailable.delay).toMatch(/^netem: the kernel has no htb qdisc or u32 filter/);
    const foreign = hostPacketSupport({ tools: full, devices, tcRefused: 'the root qdisc of eth0 is cake 8001:' });
    expect(foreign.unavailable.rate).toBe('the root qdisc of eth0 is cake 8001:');
    expect(foreign.available.loss).toBe('iptables statistic (from the peers)');
  });

  it('with netem: its behaviours go under the peers\' class, unlimited unless a rate is asked for', () => {
    const netemHost: HostPacketProbe = { tools: full, devices: { eth0: ['10.0.0.2'] } };
    expect(hostPacketSupport(netemHost).available.delay).toBe('tc netem (to the peers)');
    expect(hostPacketCommands({ delayMs: 100, jitterMs: 10, reorderPercent: 25 }, netemHost)).toEqual([
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', 'fa17:', 'htb'],
      ['tc', 'class', 'add', 'dev', 'eth0', 'parent', 'fa17:', 'classid', 'fa17:1', 'htb', 'rate', '10gbit', 'ceil', '10gbit', 'burst', '1mb', 'cburst', '1mb', 'quantum', '1514'],
      ['tc', 'qdisc', 'add', 'dev', 'eth0', 'parent', 'fa17:1', 'handle', 'fa18:', 'netem', 'delay', '100ms', '10ms', 'distribution', 'normal', 'reorder', '25%'],
      ['tc', 'filter', 'add', 'dev', 'eth0', 'parent', 'fa17:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '10.0.0.2/32', 'flowid', 'fa17:1'],
    ]);
    // Loss still goes by iptables where it can; by netem only where iptables lacks the statistic match.
    expect(hostPacketCommands({ lossPercent: 5 }, netemHost)).toHaveLength(1);
    expect(hostPacketCommands({ lossPercent: 5 }, { ...netemHost, tools: { ...full, statistic: false } }).map((c) => c.join(' '))).toContain('tc qdisc add dev eth0 parent fa17:1 handle fa18: netem loss 5%');
  });

  it('clears by flushing the loss chain and deleting only its own root qdisc, by handle', () => {
    expect(clearHostPacketSteps(['eth0', 'ens5'])).toEqual([
      { argv: ['iptables', '-w', '-F', 'FAULTLINE-LOSS'] },
      { argv: ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root', 'handle', 'fa17:'], mayFail: true },
      { argv: ['tc', 'qdisc', 'del', 'dev', 'ens5', 'root', 'handle', 'fa17:'], mayFail: true },
    ]);
    expect(isNoOwnQdisc('Error: Invalid handle.\n')).toBe(true);
    expect(isNoOwnQdisc('Error: Cannot delete qdisc with handle of zero.\n')).toBe(true);
    expect(isNoOwnQdisc('sudo: a password is required\n')).toBe(false);
  });

  it('what every host can make: a behaviour missing on some hosts names them and why', () => {
    const netemHost = hostPacketSupport({ tools: full, devices });
    const plain = hostPacketSupport(here);
    const combined = combinedPacketSupport({ h1: netemHost, h2: plain, h3: plain });
    expect(combined.available).toEqual({ loss: 'iptables statistic (from the peers)', rate: 'tc htb (to the peers)', reset: 'iptables REJECT with tcp-reset (statistic, from the peers)' });
    expect(combined.unavailable.delay).toBe('on h2, h3: the kernel has no netem qdisc');
    expect(combined.unavailable.stall).toMatch(/^tc and iptables rules hold no bytes/);
    expect(combinedPacketSupport({ h1: plain, h2: plain }).unavailable.delay).toBe('the kernel has no netem qdisc');
  });
});
