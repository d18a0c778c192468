// strongestNotRuledOut: the maximal models the anomalies leave standing, checked against the
// hierarchy itself for every set of anomalies a checker can report alone and in pairs.
import { describe, expect, it } from 'vitest';
import { modelsImpliedBy, strongestNotRuledOut, violatedModels } from './consistency-models.js';
import { CYCLE_ANOMALIES } from './cycle-class.js';
import { consistencyModels } from './index.js';

const models = consistencyModels.filter((m) => m !== 'strong-serializable' && m !== 'conflict-serializable');
const anomalies = [...CYCLE_ANOMALIES, 'G1a', 'G1b', 'internal', 'future-read', 'garbage-read', 'dirty-update', 'lost-update', 'cyclic-versions', 'incompatible-order', 'duplicate-elements'];

/** Whether model `strong` implies `weak` in the hierarchy (each implies itself). */
const implies = (strong: string, weak: string): boolean => modelsImpliedBy(strong).has(weak);

describe('strongestNotRuledOut', () => {
  it('is strict-serializable alone when nothing is ruled out', () => expect(strongestNotRuledOut([])).toEqual(['strict-serializable']));

  it('keeps snapshot isolation (under its strong variant) for write skew, and nothing for a dirty write', () => {
    const g2 = violatedModels(['G2-item']);
    const left = strongestNotRuledOut([...g2.not, ...g2.alsoNot]);
    expect(left).toEqual(['strong-snapshot-isolation', 'update-serializable']);
    const g0 = violatedModels(['G0']);
    expect(strongestNotRuledOut([...g0.not, ...g0.alsoNot])).toEqual([]);
  });

  it('for every anomaly and pair of anomalies: the maximal models left, which imply every model left', () => {
    for (const [a, b] of anomalies.flatMap((x, i) => anomalies.slice(i).map((y) => [x, y] as const))) check(a, b);
  });
});

/** Checks the models left standing by anomalies a and b against the hierarchy. */
function check(a: string, b: string): void {
  const { not, alsoNot } = violatedModels([a, b]);
  const out = new Set([...not, ...alsoNot]);
  const left = strongestNotRuledOut(out);
  const standing = models.filter((m) => !out.has(m));
  for (const m of left) expect(out.has(m)).toBe(false);
  // Every model left is implied by one of the maximal ones, and no maximal one implies another.
  for (const m of standing) expect(left.some((top) => implies(top, m)), `${a} ${b}: ${m} is left but below none of ${left.join(', ')}`).toBe(true);
  for (const x of left) for (const y of left) if (x !== y) expect(implies(x, y), `${a} ${b}: ${x} implies ${y}`).toBe(false);
}
