// The elle-cli list-append histories with their known verdicts (test-data/corpus/elle; see test-support/elle-corpus.ts).
import { describe, expect, it } from 'vitest';
import { manifestRows, readCorpusHistory } from '../../test-support/elle-corpus.js';
import { checkListAppend } from './index.js';

const rows = manifestRows().filter((row) => row.model === 'list-append');

// Elle's fallback reports when its own cycle search misses a cycle; ours searches each component
// for every class, so these never appear (the cycle shows up under its own class instead).
const elleOnly = (anomaly: string): boolean => anomaly.endsWith('-cycle-exists');

// Where our `not` is weaker than Elle's, and why. Elle adds process order only when no model needs
// real-time order; we add both, so a cycle through one process's own transactions is named -process
// and rules out the weaker session model. Elle's models are then among our `alsoNot`.
const weakerNot: Record<string, { not: string[]; why: string }> = {
  'test-data/list-append-anomaly-incompatible-order.json': {
    not: ['read-committed', 'strong-session-read-uncommitted'],
    why: 'process 0 appended 3, then 2, yet every read puts 2 before 3: G0-process',
  },
};

describe('cycle checker on the elle corpus', () => {
  it('has the 20 list-append rows of its manifest', () => expect(rows).toHaveLength(20));

  it.each(rows.map((row) => [`${row.file}${row.options['consistency-models'] ? ` (${row.options['consistency-models']})` : ''}`, row] as const))('%s', (_, row) => {
    const models = row.options['consistency-models']?.split(',');
    const r = checkListAppend(readCorpusHistory(row.file, 'list-append'), models ? { consistencyModels: models } : {});
    expect(r.valid).toBe(row.expectedValid);
    expect(r.anomalyTypes).toEqual(expect.arrayContaining(row.expectedAnomalies.filter((a) => !elleOnly(a))));
    const weaker = weakerNot[row.file];
    expect(r.not).toEqual(weaker?.not ?? row.expectedNot);
    if (weaker) expect([...r.not, ...r.alsoNot]).toEqual(expect.arrayContaining(row.expectedNot));
  });
});
