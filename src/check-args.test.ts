import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

  it('says which history file cannot be read, with the reason', async () => {
    // open() of a Unix socket fails for every user, root included (ENXIO), unlike a chmod 000 file.
    const socket = join(dir, 'socket.jsonl');
    const server = createServer();
    await new Promise<void>((listening) => server.listen(socket, listening));
    try {
      expect(() => assertHistoryFiles([socket], '--model')).toThrow(`history file ${socket} cannot be read (ENXIO)`);
    } finally {
      server.close();
    }
  });

  it('refuses history-file options with a run directory, naming each', () => {
    expect(() => refuseRunDirOptions([], 'store/latest')).not.toThrow();
    expect(() => refuseRunDirOptions(['--model'], 'store/latest')).toThrow('--model does not apply to a run directory (store/latest is re-checked with the checkers of its test.json); it is for history files');
    expect(() => refuseRunDirOptions(['--format', '--json'], 'r')).toThrow(/^--format, --json do not apply to a run directory .*; they are for history files$/);
  });
});
