// Every history of the Knossos corpus gets the verdict Knossos' own tests assert, read with our EDN
// reader. The multi-register file uses a model defined here, as a user would define their own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJepsenEdn } from '../../src/formats/jepsen-edn.js';
import { checkHistory } from './index.js';
import { ILLEGAL, UNKNOWN, type Model } from './model.js';

const corpus = join(import.meta.dirname, '..', '..', 'test-data', 'corpus', 'knossos');

const manifest = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [file, model, valid] = line.split('\t') as [string, string, string];
    return { file, model, expected: valid === 'true' ? 'ok' : 'illegal' };
  });

type MicroOp = [string, string, unknown];

/** Knossos' multi-register: a map of registers, each op a transaction of [:read k v] / [:write k v]. */
const multiRegister: Model<string, MicroOp[], MicroOp[]> = {
  name: 'multi-register',
  init: () => JSON.stringify({ x: 0, y: 0 }),
  step(state, input, output) {
    const registers = JSON.parse(state) as Record<string, unknown>;
    for (const [f, k, v] of output === UNKNOWN ? input : output) {
      if (f === 'write') registers[k] = v;
      else if (output !== UNKNOWN && v !== null && registers[k] !== v) return ILLEGAL;
    }
    return JSON.stringify(registers);
  },
  fromOp: (op) => ({ input: op.value as MicroOp[], output: op.known ? (op.result as MicroOp[]) : UNKNOWN }),
  describeOperation: (input, output) => `txn ${JSON.stringify(output === UNKNOWN ? input : output)}`,
};

/** Knossos' models as faultline names them (MANIFEST's model column). */
const models: Record<string, string | Model<string, MicroOp[], MicroOp[]>> = {
  'cas-register;init=0': 'cas-register;init=0;nil-read=any',
  'multi-register;init={:x 0 :y 0}': multiRegister,
  'mutex;init=free': 'mutex',
};

describe('knossos corpus', () => {
  it('has the 122 files of its manifest', () => expect(manifest).toHaveLength(122));
  it.each(manifest)('$file is $expected', async ({ file, model, expected }) => {
    const history = readJepsenEdn(readFileSync(join(corpus, file), 'utf8'), file);
    const result = await checkHistory(history, { model: models[model]!, keyed: false, timeoutMs: 20_000 });
    expect(result.outcome).toBe(expected);
  });

  it('blames the read Knossos blames in immediate-failure.edn', async () => {
    const history = readJepsenEdn(readFileSync(join(corpus, 'data/cas-register/bad/immediate-failure.edn'), 'utf8'));
    const result = await checkHistory(history, { model: 'cas-register;init=0;nil-read=any', keyed: false });
    expect(result.failures[0]!.stuck[0]!.reason).toBe('read returned 3 but the register held 0');
  });
});
