import { describe, expect, it } from 'vitest';
import { cidrRange, nodeIp, pickSubnet } from './docker-network.js';

describe('run networks', () => {
  it('parses CIDRs into address ranges', () => {
    expect(cidrRange('10.213.4.0/24')).toEqual([0x0ad50400, 0x0ad504ff]);
    expect(cidrRange('10.0.0.0/8')[1]).toBe(0x0affffff);
    expect(() => cidrRange('10.0.300.0/24')).toThrow(/not an IPv4 CIDR/);
  });

  it('picks the first /24 that overlaps nothing in use', () => {
    expect(pickSubnet([])).toBe('10.213.1');
    expect(pickSubnet(['10.213.1.0/24', '10.213.2.0/24', '172.17.0.0/16'])).toBe('10.213.3');
    expect(pickSubnet(['10.213.0.0/23'])).toBe('10.213.2');
    expect(pickSubnet(['10.213.3.7/32'], new Set(['10.213.1', '10.213.2']))).toBe('10.213.4');
    expect(pickSubnet(['10.0.0.0/8'])).toBeUndefined();
  });

  it('gives nodes fixed addresses: n1 is .11', () => {
    expect(nodeIp('10.213.7', 0)).toBe('10.213.7.11');
    expect(nodeIp('10.213.7', 4)).toBe('10.213.7.15');
  });
});
