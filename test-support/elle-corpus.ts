// The elle-cli corpus of histories with known verdicts (test-data/corpus/elle, see its README):
// MANIFEST rows and their histories, read in place. Test support only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJepsenWorkloadEdn, type JepsenWorkload } from '../src/formats/jepsen-edn-workloads.js';
import { readElleJson } from '../src/formats/elle-json.js';
import type { History } from '../src/op.js';

/** Where the corpus lives: in the repository, beside the tests that read it. */
export const elleCorpusDir = join(import.meta.dirname, '..', 'test-data', 'corpus', 'elle');

export interface ManifestRow {
  file: string;
  /** The checker name, e.g. list-append, bank, set-full. */
  model: string;
  /** elle-cli options from the model column, e.g. { 'consistency-models': 'serializable' }. */
  options: Record<string, string>;
  expectedValid: boolean | 'unknown';
  expectedAnomalies: string[];
  expectedNot: string[];
}

/** The MANIFEST rows; throws when the corpus is missing (it is part of the repository). */
export function manifestRows(): ManifestRow[] {
  const path = join(elleCorpusDir, 'MANIFEST.tsv');
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header!.split('\t');
  return lines.map((line) => {
    const cells = Object.fromEntries(line.split('\t').map((cell, i) => [columns[i]!, cell]));
    const [model, ...options] = cells.model!.split(';');
    const list = (cell: string | undefined): string[] => (cell === undefined || cell === '-' ? [] : cell.split(','));
    return {
      file: cells.file!,
      model: model!,
      options: Object.fromEntries(options.map((o) => o.split('=') as [string, string])),
      expectedValid: cells.expected_valid === 'unknown' ? 'unknown' : cells.expected_valid === 'true',
      expectedAnomalies: list(cells.expected_anomalies),
      expectedNot: list(cells.expected_not),
    };
  });
}

/** Reads a corpus history in place: EDN through the Jepsen workload reader, JSON as elle-cli reads it. */
export function readCorpusHistory(file: string, workload: JepsenWorkload): History {
  const path = join(elleCorpusDir, file);
  const text = readFileSync(path, 'utf8');
  return file.endsWith('.edn') ? readJepsenWorkloadEdn(text, workload, file) : readElleJson(text, file, workload === 'list-append' || workload === 'rw-register' ? 'txn' : undefined);
}
