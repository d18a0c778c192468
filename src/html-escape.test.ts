import { describe, expect, it } from 'vitest';
import { anchorId, escapeHtml, jsonForScript } from './html-escape.js';

const hostile = ['<img src=x onerror=alert(1)>', '</script><script>alert(1)</script>', '<!-- x', '"\'&amp;', '\u2028\u2029'];

describe('escapeHtml', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`a"b'c&d`)).toBe('a&quot;b&#39;c&amp;d');
  });

  it('stringifies non-strings', () => {
    expect(escapeHtml(42)).toBe('42');
    expect(escapeHtml(null)).toBe('null');
  });
});

describe('jsonForScript', () => {
  it('leaves no character that could end the script element or break JavaScript', () => {
    const json = jsonForScript({ hostile, nested: { [hostile[0]!]: hostile } });
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it('round-trips through JSON.parse', () => {
    const data = { hostile, n: 1.5, nothing: null };
    expect(JSON.parse(jsonForScript(data))).toEqual(data);
  });
});

describe('anchorId', () => {
  it('keeps ids to safe characters', () => {
    expect(anchorId('checker', '"><img src=x>')).toBe('checker-___img_src_x_');
  });
});
