import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { complete, describeGrudge, drops } from './grudge.js';

/** Nodes n1..nN cut into consecutive non-empty components. */
const componentLists = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }).map((sizes) => {
  let next = 1;
  return sizes.map((size) => Array.from({ length: size }, () => `n${next++}`));
});

describe('grudges', () => {
  it('complete: nodes drop exactly the nodes outside their component, both ways', () => {
    fc.assert(fc.property(componentLists, (components) => {
      const g = complete(components);
      for (const a of components) for (const b of components) {
        for (const x of a) for (const y of b) expect(drops(g, x, y)).toBe(a !== b);
      }
    }));
  });

  it('a complete partition is described by its components, in node order', () => {
    expect(describeGrudge(complete([['n3'], ['n1', 'n2', 'n4']]))).toBe('n1 n2 n4 | n3');
    fc.assert(fc.property(componentLists, (components) => {
      const label = describeGrudge(complete(components));
      if (components.length > 1) expect(label.split(' | ')).toHaveLength(components.length);
    }));
  });

  it('a one-way grudge is described node by node', () => {
    const g = { n1: ['n2'], n2: [], n3: [] };
    expect(drops(g, 'n1', 'n2')).toBe(true);
    expect(drops(g, 'n2', 'n1')).toBe(false);
    expect(describeGrudge(g)).toBe('n1 drops n2');
  });
});
