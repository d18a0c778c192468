import { describe, expect, it } from 'vitest';
import { createRandom } from '../src/random.js';
import { nodeTargetOptions, pickNodes, targetSize } from './targets.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('node fault targets', () => {
  it('sizes one, minority, majority and all on five nodes as 1, 2, 3 and 5', () => {
    expect(['one', 'minority', 'majority', 'all'].map((t) => targetSize(t as 'one', 5))).toEqual([1, 2, 3, 5]);
  });

  it('draws only the sizes --nemesis-targets allows', () => {
    const random = createRandom(7);
    const kinds = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { kind, nodes: picked } = pickNodes(nodes, random, ['minority', 'all']);
      kinds.add(kind);
      expect(picked).toHaveLength(kind === 'minority' ? 2 : 5);
      expect(new Set(picked).size).toBe(picked.length);
    }
    expect(kinds).toEqual(new Set(['minority', 'all']));
  });

  it('parses --nemesis-targets as a list of known targets, refusing unknown, repeated or empty items', () => {
    const { targets } = nodeTargetOptions;
    expect(targets.parse('one,primaries', 'nemesis-targets')).toEqual(['one', 'primaries']);
    expect(targets.parse(['all'], 'nemesis-targets')).toEqual(['all']);
    expect(() => targets.parse('one,most', 'nemesis-targets')).toThrow('--nemesis-targets "one,most" names "most", which is not known; expected one or more of one, minority, majority, all, primaries, comma separated');
    expect(() => targets.parse('one,one', 'nemesis-targets')).toThrow(/names an item twice/);
    expect(() => targets.parse('', 'nemesis-targets')).toThrow(/names "", which is not known/);
  });
});
