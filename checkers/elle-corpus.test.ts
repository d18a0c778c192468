// The elle-cli bank, counter, set and set-full histories with their known verdicts, read in place
// (list-append is in cycle/elle-corpus.test.ts).
import { describe, expect, it } from 'vitest';
import { checkBank } from './bank.js';
import { checkCounter } from './counter.js';
import { manifestRows, readCorpusHistory } from '../test-support/elle-corpus.js';
import { checkSet } from './set.js';

const models = ['bank', 'counter', 'set', 'set-full'];
const rows = manifestRows().filter((row) => models.includes(row.model));

describe('bank, counter and set checkers on the elle corpus', () => {
  it('has the 10 bank, counter, set and set-full rows of its manifest', () => expect(rows).toHaveLength(10));

  it.each(rows.map((row) => [row.file, row] as const))('%s', (_, row) => {
    const workload = row.model === 'set-full' ? 'set' : (row.model as 'bank' | 'counter' | 'set');
    const history = readCorpusHistory(row.file, workload);
    if (row.model === 'bank') {
      const r = checkBank(history);
      expect(r.valid).toBe(row.expectedValid);
      expect(Object.keys(r.errors)).toEqual(row.expectedAnomalies);
    } else if (row.model === 'counter') {
      expect(checkCounter(history).valid).toBe(row.expectedValid);
    } else {
      // Jepsen's set checker judges by the final read; set-full by every read.
      const r = checkSet(history, row.model === 'set' ? { finalFrom: 'after-last-fault' } : {});
      expect(r.valid).toBe(row.expectedValid);
      if (row.expectedAnomalies.includes('lost')) expect(r.counts.lost).toBeGreaterThan(0);
    }
  });

  it('matches Jepsen\'s counts on the TiDB bank history: 1731 wrong totals in 1805 reads, first at op 258 ns 10205062137', () => {
    const tidb = rows.find((row) => row.file.endsWith('bank-tidb.edn'));
    expect(tidb).toBeDefined();
    const r = checkBank(readCorpusHistory(tidb!.file, 'bank'));
    expect(r).toMatchObject({ readCount: 1805, errorCount: 1731, firstError: { type: 'wrong-total', total: 105, expected: 100 } });
    // Jepsen names the read's completion: index 258, at 10205062137 ns.
    expect(r.firstError!.op.end).toBe(10205062137);
    expect(r.errors['wrong-total']!.worst.total).toBe(267);
  });

  it('finds all 293 elements of set_full.edn lost: the adds are [0 n] tuples but the final read is flat', () => {
    const full = rows.find((row) => row.file.endsWith('set_full.edn'));
    expect(full).toBeDefined();
    const r = checkSet(readCorpusHistory(full!.file, 'set'));
    expect(r.counts).toMatchObject({ lost: 293, unexpected: 293 });
  });
});
