import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dropsKey, NO_DROPS, partitionCommands, TCP_PAYLOAD_BPF } from './docker-partition.js';

/** Runs a classic BPF program (iptables' --bytecode text) on a packet, as xt_bpf does: from the IP header. */
function runBpf(bytecode: string, packet: Uint8Array): number {
  const [count, ...rest] = bytecode.split(',');
  const program = rest.map((line) => line.split(' ').map(Number) as [number, number, number, number]);
  expect(program).toHaveLength(Number(count));
  let a = 0;
  let x = 0;
  const memory: number[] = [];
  const byte = (at: number): number => {
    if (at >= packet.length) throw new Error('out of bounds'); // the kernel's filter returns 0 here
    return packet[at] as number;
  };
  for (let pc = 0; pc < program.length; pc++) {
    const [code, jt, jf, k] = program[pc] as [number, number, number, number];
    switch (code) {
      case 0x28: a = (byte(k) << 8) | byte(k + 1); break; // ldh [k]
      case 0x02: memory[k] = a; break; // st M[k]
      case 0xb1: x = 4 * (byte(k) & 0xf); break; // ldxb 4*([k]&0xf)
      case 0x50: a = byte(x + k); break; // ldb [x+k]
      case 0x74: a = a >>> k; break; // rsh #k
      case 0x54: a = a & k; break; // and #k
      case 0x0c: a = (a + x) >>> 0; break; // add x
      case 0x07: x = a; break; // tax
      case 0x60: a = memory[k] ?? 0; break; // ld M[k]
      case 0x2d: pc += a > x ? jt : jf; break; // jgt x
      case 0x06: return k; // ret #k
      default: throw new Error(`opcode ${code} is not one this test knows`);
    }
  }
  throw new Error('the program fell off its end');
}

/** An IPv4 TCP packet with the given header lengths (in 32-bit words) and payload length. */
function tcpPacket(ipWords: number, tcpWords: number, payload: number): Uint8Array {
  const total = 4 * ipWords + 4 * tcpWords + payload;
  const packet = new Uint8Array(total);
  packet[0] = 0x40 | ipWords;
  packet[2] = total >> 8;
  packet[3] = total & 0xff;
  packet[9] = 6;
  packet[4 * ipWords + 12] = tcpWords << 4;
  return packet;
}

describe('partition rules in containers', () => {
  it('a two-way cut drops every packet from the peers, in one rule', () => {
    expect(partitionCommands({ from: ['10.213.1.12', '10.213.1.13'], bytesFrom: [] })).toEqual([
      ['iptables', '-w', '-F', 'FAULTLINE'],
      ['iptables', '-w', '-A', 'FAULTLINE', '-s', '10.213.1.12,10.213.1.13', '-j', 'DROP'],
    ]);
    expect(partitionCommands(NO_DROPS)).toEqual([['iptables', '-w', '-F', 'FAULTLINE']]);
  });

  it('a one-way cut drops only TCP segments with a payload and non-TCP packets', () => {
    expect(partitionCommands({ from: ['10.0.0.2'], bytesFrom: ['10.0.0.3'] })).toEqual([
      ['iptables', '-w', '-F', 'FAULTLINE'],
      ['iptables', '-w', '-A', 'FAULTLINE', '-s', '10.0.0.2', '-j', 'DROP'],
      ['iptables', '-w', '-A', 'FAULTLINE', '-s', '10.0.0.3', '-p', 'tcp', '-m', 'bpf', '--bytecode', TCP_PAYLOAD_BPF, '-j', 'DROP'],
      ['iptables', '-w', '-A', 'FAULTLINE', '-s', '10.0.0.3', '!', '-p', 'tcp', '-j', 'DROP'],
    ]);
  });

  it('the BPF program matches a TCP segment exactly when it carries at least one byte', () => {
    // A SYN with options (60 bytes), a pure ack with timestamps (52), and 1 to 3 bytes of payload, which u32 would miss.
    expect(runBpf(TCP_PAYLOAD_BPF, tcpPacket(5, 10, 0))).toBe(0);
    expect(runBpf(TCP_PAYLOAD_BPF, tcpPacket(5, 8, 0))).toBe(0);
    for (const payload of [1, 2, 3]) expect(runBpf(TCP_PAYLOAD_BPF, tcpPacket(5, 8, payload))).not.toBe(0);
    fc.assert(fc.property(fc.integer({ min: 5, max: 15 }), fc.integer({ min: 5, max: 15 }), fc.integer({ min: 0, max: 1400 }), (ipWords, tcpWords, payload) => {
      expect(runBpf(TCP_PAYLOAD_BPF, tcpPacket(ipWords, tcpWords, payload)) !== 0).toBe(payload > 0);
    }));
  });

  it('keys tell drops apart, and no drops is the empty key', () => {
    expect(dropsKey(NO_DROPS)).toBe('');
    expect(dropsKey({ from: ['a'], bytesFrom: [] })).not.toBe(dropsKey({ from: [], bytesFrom: ['a'] }));
  });
});
