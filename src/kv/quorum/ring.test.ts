import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

  it('gives every key N distinct nodes, the same on every node, whatever order it learned them in', () => {
    const a = new Ring(nodes, 32);
    const b = new Ring([...nodes].reverse(), 32);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 5 }), (key, n) => {
        const list = a.preferenceList(key, n);
        expect(new Set(list).size).toBe(n);
        expect(b.preferenceList(key, n)).toEqual(list);
        // A longer list extends a shorter one: N=3 replicas include the N=1 owner.
        expect(a.preferenceList(key, 5).slice(0, n)).toEqual(list);
      }),
    );
  });

  it('spreads keys roughly evenly over nodes with virtual nodes', () => {
    const ring = new Ring(nodes, 64);
    const owners = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const owner = ring.preferenceList(`key-${i}`, 1)[0]!;
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    for (const node of nodes) expect(owners.get(node)).toBeGreaterThan(500);
  });

  it('refuses more replicas than nodes, naming both', () => {
    expect(() => new Ring(['n1', 'n2'], 8).preferenceList('k', 3)).toThrow('ring: 3 replicas asked of 2 nodes; expected at most 2');
  });
});
