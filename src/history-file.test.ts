import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { HistoryWriter } from './history-file.js';

describe('history writer', () => {
  it('appends whole lines and flushes on close', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hist-')), 'history.jsonl');
    const writer = new HistoryWriter(path);
    for (let i = 0; i < 3; i++) writer.append({ index: i, time: i, process: 0, type: 'invoke', f: 'read', value: null });
    writer.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).index)).toEqual([0, 1, 2]);
    expect(() => writer.append({ index: 3, time: 3, process: 0, type: 'ok', f: 'read', value: null })).toThrow(/closed; op 3/);
  });

  it('keeps what happened when the process is SIGKILLed without closing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hist-')), 'history.jsonl');
    const script = `
      const { HistoryWriter } = await import(${JSON.stringify(new URL('./history-file.ts', import.meta.url).pathname.replace(/\.ts$/, '.js').replace('/src/', '/dist/src/'))});
      const w = new HistoryWriter(${JSON.stringify(path)}, { flushIntervalMs: 50 });
      for (let i = 0; i < 1000; i++) w.append({ index: i, time: i, process: i % 5, type: 'invoke', f: 'write', value: i });
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);`;
    const r = await execa('node', ['--input-type=module', '-e', script], { reject: false });
    expect(r.signal).toBe('SIGKILL');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(JSON.parse(lines[999]!).value).toBe(999);
  });

  it('reports a failed write once, as one line, and counts the ops it could not keep', () => {
    // /dev/full fails every write with ENOSPC, as a full disk does.
    const errors: string[] = [];
    const writer = new HistoryWriter('/dev/full', { flushIntervalMs: 10_000, onError: (message) => errors.push(message) });
    for (let i = 0; i < 3; i++) writer.append({ index: i, time: i, process: 0, type: 'invoke', f: 'read', value: null });
    expect(() => writer.flush()).not.toThrow();
    writer.append({ index: 3, time: 3, process: 0, type: 'invoke', f: 'read', value: null });
    writer.flush();
    writer.close();
    expect(errors).toEqual(['cannot write /dev/full: no space left on device']);
    expect(writer.failed).toBe(errors[0]);
    expect(writer.lost).toBe(4);
  });
});
