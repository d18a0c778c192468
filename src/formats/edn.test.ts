import { describe, expect, it } from 'vitest';
import { EdnKeyword, EdnMap, EdnSet, ednToPlain, readEdn } from './edn.js';

const plain = (text: string): unknown[] => readEdn(text).map((f) => ednToPlain(f.value));

describe('readEdn', () => {
  it('reads the subset Jepsen writes', () => {
    expect(plain('{:process 0, :type :invoke, :f :cas, :value [1 2]}')).toEqual([{ process: 0, type: 'invoke', f: 'cas', value: [1, 2] }]);
    expect(plain('nil true false -3 2.5 1e3 7N 1.5M 1/4 ##Inf')).toEqual([null, true, false, -3, 2.5, 1000, 7, 1.5, 0.25, Infinity]);
    expect(plain('(1 (2)) #{:a :b} "a\\"b\\n\\u0041" \\x \\newline')).toEqual([[1, [2]], ['a', 'b'], 'a"b\nA', 'x', '\n']);
    expect(plain('{[1 2] 3}')).toEqual([{ '[1,2]': 3 }]);
  });

  it('skips comments, commas, #_ forms and tags', () => {
    expect(plain('; a comment\n[1, #_ 2 3] ; more\n#inst "2020-01-01" #jepsen.history.Op{:index 4}')).toEqual([[1, 3], '2020-01-01', { index: 4 }]);
  });

  it('keeps keywords, sets and maps distinct before plain conversion', () => {
    const [m] = readEdn('{:f :read :value #{1}}');
    expect(m!.value).toBeInstanceOf(EdnMap);
    expect((m!.value as EdnMap).get('f')).toEqual(new EdnKeyword('read'));
    expect((m!.value as EdnMap).get('value')).toBeInstanceOf(EdnSet);
  });

  it('reports the line, the bad text and what was expected', () => {
    expect(() => readEdn('[1 2]\n{:a 1\n :b}', 'h.edn')).toThrow('line 2 of h.edn: expected a map with an even number of forms, got 3 forms');
    expect(() => readEdn('[1 2', 'h.edn')).toThrow('line 1 of h.edn: expected "]", got "end of input"');
    expect(() => readEdn('\n\n  ]', 'h.edn')).toThrow('line 3 of h.edn: expected a value, got "]"');
    expect(() => readEdn('"abc', 'h.edn')).toThrow(`line 1 of h.edn: expected a closing '"', got "end of input"`);
  });
});
