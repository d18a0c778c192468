import { builtins } from './builtins.js';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunFacts } from './run-facts.js';
import { readStoredSpec } from './stored-spec.js';

describe('test.json and run.json read within bounds', () => {
  it('refuses a directory, and a file far bigger than a spec, without reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-stored-json-'));
    mkdirSync(join(dir, 'test.json'));
    expect(() => readStoredSpec(dir, builtins)).toThrow(`cannot read ${join(dir, 'test.json')}: it is a directory; expected the test spec`);
    const big = mkdtempSync(join(tmpdir(), 'faultline-stored-json-'));
    writeFileSync(join(big, 'test.json'), '{');
    truncateSync(join(big, 'test.json'), 2 ** 31);
    writeFileSync(join(big, 'run.json'), '{');
    truncateSync(join(big, 'run.json'), 2 ** 31);
    const started = performance.now();
    expect(() => readStoredSpec(big, builtins)).toThrow(`cannot read ${join(big, 'test.json')}: it is 2048 MiB, more than a test.json can be; expected the test spec`);
    expect(readRunFacts(big).problem).toBe('run.json cannot be read: it is 2048 MiB, more than a run.json can be');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('names a field of the wrong shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-stored-json-'));
    writeFileSync(join(dir, 'test.json'), JSON.stringify({ name: 't', nodes: ['n1'], concurrency: {} }));
    expect(() => readStoredSpec(dir, builtins)).toThrow(`${join(dir, 'test.json')}: "concurrency" is {}; expected a number, a string or a boolean, as \`faultline test\` writes it`);
  });
});
