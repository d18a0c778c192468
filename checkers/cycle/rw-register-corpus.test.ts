// The elle-cli rw-register histories with their known verdicts (test-data/corpus/elle; see test-support/elle-corpus.ts).
import { describe, expect, it } from 'vitest';
import { manifestRows, readCorpusHistory, type ManifestRow } from '../../test-support/elle-corpus.js';
import { checkRwRegister, type RwRegisterOptions } from './rw-register.js';

const rows = manifestRows().filter((row) => row.model === 'rw-register');

/** The manifest's elle-cli options as the checker's. `transaction-order` (whitebox order from the database) is not supported: its one row is valid without it. */
function optionsOf(row: ManifestRow): RwRegisterOptions {
  const o = row.options;
  return {
    ...(o['consistency-models'] && { consistencyModels: o['consistency-models'].split(',') }),
    ...(o['sequential-keys'] === 'true' && { sequentialKeys: true }),
    ...(o['linearizable-keys'] === 'true' && { linearizableKeys: true }),
    ...(o['wfr-keys'] === 'true' && { wfrKeys: true }),
  };
}

/**
 * Where Elle's names differ from ours, explicitly, by row (file and options). Elle adds process order
 * only when no model needs real-time order, and falls back to "<model>-cycle-exists" when its search
 * misses a cycle; we add both orders and search every class, so:
 */
const differences: Record<string, { anomalies?: Record<string, string>; extra?: string[]; not?: string[]; why: string }> = {
  'test-data/rw-register-anomaly-g2-item.json': {
    anomalies: { 'strong-snapshot-isolation-cycle-exists': 'G-single-item-realtime' },
    why: 'T1 completed before T2 began and T2 -rw-> T1: one rw edge and a realtime edge, which we name; Elle reports only that a cycle exists',
  },
  'test-data/rw-register-anomaly-g2-item.json consistency-models=strong-snapshot-isolation': {
    anomalies: { 'strong-snapshot-isolation-cycle-exists': 'G-single-item-realtime' },
    extra: ['G2-item'],
    why: 'as above; and Elle lists only anomalies the models asked for forbid, while we list the G2-item too',
  },
  'test-data/rw-register-anomaly-g2-item.json consistency-models=snapshot-isolation': {
    extra: ['G2-item'],
    not: ['repeatable-read'],
    why: 'Elle omits anomalies the models asked for allow (its result is just valid); we report the G2-item and what it rules out, still valid',
  },
  'test-data/rw-register-keys-sequential-anomaly.json sequential-keys=true': {
    anomalies: { 'G1c-realtime': 'G1c-process' },
    not: ['strong-session-read-committed'],
    why: 'the cycle uses an edge that is both process and real-time order; we name it by the weaker order, which rules out the weaker session model (Elle\u2019s strong-read-committed is among our alsoNot)',
  },
};

const rowName = (row: ManifestRow): string => [row.file, ...Object.entries(row.options).map(([k, v]) => `${k}=${v}`)].join(' ');

describe('rw-register checker on the elle corpus', () => {
  it('has the 25 rw-register rows of its manifest', () => expect(rows).toHaveLength(25));

  it.each(rows.map((row) => [rowName(row), row] as const))('%s', (name, row) => {
    const r = checkRwRegister(readCorpusHistory(row.file, 'rw-register'), optionsOf(row));
    const difference = differences[name];
    expect(r.valid).toBe(row.expectedValid);
    const expected = row.expectedAnomalies.map((a) => difference?.anomalies?.[a] ?? a);
    expect(r.anomalyTypes).toEqual(expect.arrayContaining(expected));
    // Beyond Elle's: only garbage-read (reads of values nobody wrote, which Elle ignores) and the extras named above.
    expect(r.anomalyTypes.filter((a) => !expected.includes(a) && a !== 'garbage-read')).toEqual(difference?.extra ?? []);
    expect(r.not).toEqual(difference?.not ?? row.expectedNot);
    expect([...r.not, ...r.alsoNot]).toEqual(expect.arrayContaining(row.expectedNot));
  });

  it('names every difference for a row that exists', () => {
    for (const name of Object.keys(differences)) expect(rows.map(rowName)).toContain(name);
  });
});
