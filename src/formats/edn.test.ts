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
    expect(() => readEdn('[1 2]\n{:a 1\n :b}', 'h.edn')).toThrow('h.edn line 2: expected a map with an even number of forms, got 3 forms');
    expect(() => readEdn('[1 2', 'h.edn')).toThrow('h.edn line 1: expected "]", got "end of input"');
    expect(() => readEdn('\n\n  ]', 'h.edn')).toThrow('h.edn line 3: expected a value, got "]"');
    expect(() => readEdn('"abc', 'h.edn')).toThrow(`h.edn line 1: expected a closing '"', got "end of input"`);
  });

  it('keeps integers a double cannot hold exactly as bigints, and plain data marks them <digits>N', () => {
    expect(readEdn('9007199254740993 -9007199254740993 123N 9007199254740993N 9007199254740992 25400063260840110').map((f) => f.value)).toEqual([
      9007199254740993n, -9007199254740993n, 123, 9007199254740993n, 9007199254740992, 25400063260840110,
    ]);
    expect(plain('[9007199254740993 9007199254740992]')).toEqual([['9007199254740993N', 9007199254740992]]);
  });

  it('drops metadata and reads namespaced maps', () => {
    expect(plain('^{:a 1} [1] ^:private x ^String "s"')).toEqual([[1], 'x', 's']);
    expect(plain('#:foo{:a 1, :b/c 2, :_/d 3} #::{:e 4}')).toEqual([{ 'foo/a': 1, 'b/c': 2, d: 3 }, { e: 4 }]);
    expect(() => readEdn('^{:a 1}', 'm.edn')).toThrow('m.edn line 1: expected a value, got "end of input"');
  });

  it('refuses a map with a keyword twice, and keeps a __proto__ key as data', () => {
    expect(() => readEdn('{:type :ok\n :type :invoke}', 'd.edn')).toThrow('d.edn line 1: the map has the key :type twice; expected each key once');
    const [value] = plain('{"__proto__" {"polluted" 1}, :constructor 2}') as [Record<string, unknown>];
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
