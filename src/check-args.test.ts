import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertCheckFormat, assertHistoryFiles, CHECK_FORMATS, refuseRunDirOptions } from './check-args.js';

describe('check arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-check-args-'));
  const file = join(dir, 'h.jsonl');
  writeFileSync(file, '');

  it('knows the formats of both file checkers and lists them when refusing one', () => {
    expect([...CHECK_FORMATS].sort()).toEqual(['edn', 'etcd-log', 'json', 'jsonl', 'kv-log']);
    for (const format of CHECK_FORMATS) expect(() => assertCheckFormat(format)).not.toThrow();
    expect(() => assertCheckFormat('nosuch')).toThrow('--format "nosuch" is not known; expected one of: jsonl, edn, json, etcd-log, kv-log');
  });

  it('says which history file does not exist, or is a directory', () => {
    expect(() => assertHistoryFiles([file], '--model')).not.toThrow();
    const missing = join(dir, 'missing.jsonl');
    expect(() => assertHistoryFiles([file, missing], '--model')).toThrow(`history file ${missing} does not exist`);
    expect(() => assertHistoryFiles([missing], undefined)).toThrow(`${missing} does not exist; expected a run directory (e.g. store/latest), or history files with --model or --workload`);
    expect(() => assertHistoryFiles([file, dir], '--workload')).toThrow(`${dir} is a directory; --workload expects history files (a run directory is re-checked alone, without --model or --workload)`);
  });

  it.skipIf(process.getuid?.() === 0)('says which history file cannot be read (not as root, who reads anything)', () => {
    const locked = join(dir, 'locked.jsonl');
    writeFileSync(locked, '');
    chmodSync(locked, 0o000);
    expect(() => assertHistoryFiles([locked], '--model')).toThrow(`history file ${locked} cannot be read (EACCES)`);
  });

  it('refuses history-file options with a run directory, naming each', () => {
    expect(() => refuseRunDirOptions([], 'store/latest')).not.toThrow();
    expect(() => refuseRunDirOptions(['--model'], 'store/latest')).toThrow('--model does not apply to a run directory (store/latest is re-checked with the checkers of its test.json); it is for history files');
    expect(() => refuseRunDirOptions(['--format', '--json'], 'r')).toThrow(/^--format, --json do not apply to a run directory .*; they are for history files$/);
  });
});
