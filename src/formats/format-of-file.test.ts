import { describe, expect, it } from 'vitest';
import { describeFormatChoice, formatOfFile, withFormatNote } from './format-of-file.js';

describe('formatOfFile', () => {
  it('reads the format from the extension, any case', () => {
    expect(formatOfFile('store/x/history.edn')).toEqual({ format: 'edn', how: 'extension' });
    expect(formatOfFile('h.JSONL')).toEqual({ format: 'jsonl', how: 'extension' });
    expect(formatOfFile('elle/paper-example.json')).toEqual({ format: 'json', how: 'extension' });
  });

  it('lets a given format win over the extension', () => {
    expect(formatOfFile('h.edn', 'jsonl')).toEqual({ format: 'jsonl', how: 'given' });
  });

  it('falls back to jsonl for other extensions and says so in errors, naming the file', () => {
    const choice = formatOfFile('run/ops.txt');
    expect(choice).toEqual({ format: 'jsonl', how: 'default' });
    expect(withFormatNote('run/ops.txt line 1: expected a JSON op', 'run/ops.txt', choice)).toBe(
      'run/ops.txt line 1: expected a JSON op (read run/ops.txt as jsonl, the default: its extension ".txt" is none of .edn edn, .jsonl jsonl, .json json; give --format to name its format)',
    );
    expect(describeFormatChoice('a.edn', formatOfFile('a.edn'))).toMatch(/^read a\.edn as edn because of its \.edn extension/);
    expect(withFormatNote('bad', 'a.edn', formatOfFile('a.edn', 'edn'))).toBe('bad');
  });
});
