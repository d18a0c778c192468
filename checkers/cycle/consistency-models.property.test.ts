// The cycle checker agrees with the brute-force search (test-support/brute-force-cycles.ts) on small random
// list-append histories, for every consistency model it accepts: same verdict per model, every
// reported cycle a real one of the class it is named, the same models ruled out. A few hundred
// histories here; FAULTLINE_CYCLE_MODEL_RUNS=10000 for more, or `npm run bench:cycle-models`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForceCycleClasses, bruteForceGraph } from '../../test-support/brute-force-cycles.js';
import { compareWithBruteForce } from '../../test-support/compare-with-brute-force.js';
import { randomSmallHistory } from '../../test-support/random-small-history.js';

const numRuns = Number(process.env.FAULTLINE_CYCLE_MODEL_RUNS ?? 300);

describe('cycle checker against the brute-force search', () => {
  it(`agrees on ${numRuns} random histories of up to 5 transactions, for every model`, () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const comparison = compareWithBruteForce(randomSmallHistory(seed));
        expect(comparison.mismatches, `randomSmallHistory(${seed})`).toEqual([]);
      }),
      { numRuns },
    );
  }, 600_000);

  it('sees every class of cycle among the random histories, so the agreement is not vacuous', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) for (const c of bruteForceCycleClasses(bruteForceGraph(randomSmallHistory(seed))).classes) seen.add(c);
    expect([...seen].sort()).toEqual(
      ['G0', 'G1c', 'G-single-item', 'G-nonadjacent-item', 'G2-item'].flatMap((b) => [b, `${b}-process`, `${b}-realtime`]).sort(),
    );
  }, 120_000);
});
