import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyLines, readHistoryText } from './history-text.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-history-text-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('reading a history file within bounds', () => {
  it('refuses a file that is not a history from its first bytes, in one line', () => {
    expect(() => readHistoryText(file('z.edn', Buffer.alloc(4096)), 'edn')).toThrow(/z\.edn is not an edn history: byte 0 is NUL, so it is binary; expected EDN op maps/);
    expect(() => [...historyLines(file('bin.jsonl', Buffer.from([0x7b, 0xff, 0xfe, 0x0a])), 'jsonl')]).toThrow(/bin\.jsonl is not a jsonl history: bytes 0-4 are not UTF-8 text/);
    expect(() => readHistoryText(file('t.json', '  hello'), 'json')).toThrow(/t\.json is not a json history: it starts with "hello"; expected a JSON array of ops, starting with "\["/);
    expect(() => readHistoryText(file('e.log', 'WARN x'), 'etcd-log')).toThrow(/it starts with "WARN x"; expected lines "INFO  jepsen\.util/);
  });

  it('refuses a file too big to read whole by its size, before reading it', () => {
    const big = file('big.edn', '[');
    truncateSync(big, 2 * 2 ** 30); // sparse: 2 GiB of holes
    const started = performance.now();
    expect(() => readHistoryText(big, 'edn')).toThrow(/big\.edn is not an edn history: it is 2\.0 GiB, more than the 500 MiB faultline reads whole/);
    expect(() => [...historyLines(big, 'jsonl')]).toThrow(/byte 1 is NUL/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a jsonl line longer than 64 MiB without reading further', () => {
    const long = file('long.jsonl', '{' + 'a'.repeat(65 * 2 ** 20));
    expect(() => [...historyLines(long, 'jsonl')]).toThrow(/long\.jsonl line 1 is longer than 64 MiB/);
  });

  it('reads lines and blank files, drops a byte-order mark, marks a last line without its newline', () => {
    expect([...historyLines(file('a.jsonl', '\uFEFF{}\n\n{"x"'), 'jsonl')]).toEqual([
      { text: '{}', lineNo: 1, terminated: true },
      { text: '', lineNo: 2, terminated: true },
      { text: '{"x"', lineNo: 3, terminated: false },
    ]);
    expect(readHistoryText(file('empty.edn', ''), 'edn')).toBe('');
    expect(readHistoryText(file('blank.edn', ' \n'), 'edn')).toBe(' \n');
  });

  it('joins lines that span the 1 MiB chunks it reads', () => {
    const long = 'x'.repeat(2.5 * 2 ** 20);
    const text = `{"a":1}\n{"b":"${long}"}\n\n{"c":"${long.slice(0, 2 ** 20 - 3)}"}\n{"d":4}`;
    const lines = [...historyLines(file('chunks.jsonl', text), 'jsonl')];
    expect(lines.map((l) => l.text)).toEqual(text.split('\n'));
    expect(lines.map((l) => [l.lineNo, l.terminated])).toEqual([[1, true], [2, true], [3, true], [4, true], [5, false]]);
  });
});
