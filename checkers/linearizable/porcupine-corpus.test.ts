// Every history of the Porcupine corpus gets the verdict Porcupine's own tests assert.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHistory } from '../../src/formats/read-history.js';
import { checkHistory } from './index.js';

const corpus = join(import.meta.dirname, '..', '..', 'test-data', 'corpus', 'porcupine');

const manifest = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [file, model, , verdict] = line.split('\t') as [string, string, string, string];
    return { file, model, expected: verdict === 'Illegal' ? 'illegal' : 'ok' };
  });

describe('porcupine corpus', () => {
  it('has the 109 files of its manifest', () => expect(manifest).toHaveLength(109));
  it.each(manifest)('$file is $expected', async ({ file, model, expected }) => {
    const etcd = model === 'etcd-cas-register';
    const history = parseHistory(readFileSync(join(corpus, file), 'utf8'), etcd ? 'etcd-log' : 'kv-log', file);
    const result = await checkHistory(history, { model: etcd ? 'cas-register' : 'kv', keyed: !etcd, timeoutMs: 20_000 });
    expect(result.outcome).toBe(expected);
  });
});
