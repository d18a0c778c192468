// A small EDN reader for what Jepsen and Knossos write: maps, vectors, lists, sets, keywords,
// symbols, strings, characters, integers, floats, nil, true/false, comments, `#_` discards, tagged
// literals (the tag is dropped and the tagged value kept: `#jepsen.history.Op{...}` is a map),
// metadata (`^{:a 1} [1]` is the vector; the metadata is dropped) and namespaced maps
// (`#:foo{:a 1}` is `{:foo/a 1}`). An integer a double cannot hold exactly (beyond 2^53) stays exact
// as a bigint; `123N` is the number 123, equal to it in Clojure too. No EDN package on npm was kept: edn-data 1.2.2
// loses 9007199254740993, reads `[1 2` as null and keeps no line numbers; jsedn is unmaintained.

/** A keyword such as `:read`; `name` has no colon. */
export class EdnKeyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
}

/** A symbol other than nil/true/false, e.g. `x` or `clojure.core/inc`. */
export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

/** An EDN set `#{...}`, kept as its elements in reading order. */
export class EdnSet {
  constructor(readonly elements: EdnValue[]) {}
}

/** An EDN map, kept as its entries in reading order (keys may be any value). */
export class EdnMap {
  constructor(readonly entries: [EdnValue, EdnValue][]) {}
  /** The value under the keyword `:name`, or undefined. */
  get(name: string): EdnValue | undefined {
    for (const [k, v] of this.entries) if (k instanceof EdnKeyword && k.name === name) return v;
    return undefined;
  }
  /** True when the keyword `:name` is a key. */
  has(name: string): boolean {
    return this.entries.some(([k]) => k instanceof EdnKeyword && k.name === name);
  }
}

export type EdnValue = null | boolean | number | bigint | string | EdnKeyword | EdnSymbol | EdnValue[] | EdnMap | EdnSet;

/** A top-level form and the 1-based line it starts on. */
export interface EdnForm {
  value: EdnValue;
  line: number;
}

const lineOfCollection = new WeakMap<object, number>();

/** The line a map, vector, list or set started on, when it was read by `readEdn`. */
export function ednLine(value: EdnValue): number | undefined {
  return typeof value === 'object' && value !== null ? lineOfCollection.get(value) : undefined;
}

/** Reads every top-level form of `text`. Errors name `source`, the line, the bad text and what was expected. */
export function readEdn(text: string, source = 'input'): EdnForm[] {
  return new EdnReader(text, source).readAll();
}

/**
 * Turns EDN into plain JSON-like data: keywords and symbols become their names, sets and lists
 * become arrays, maps become objects keyed by the plain key (non-string keys as JSON; a key
 * `__proto__` is an own property, as JSON.parse makes it). A bigint (an integer a double cannot hold)
 * becomes the string `<digits>N`, Clojure's notation for it: it compares exactly, equal only to itself.
 */
export function ednToPlain(value: EdnValue): unknown {
  if (typeof value === 'bigint') return `${value}N`;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof EdnKeyword || value instanceof EdnSymbol) return value.name;
  if (Array.isArray(value)) return value.map(ednToPlain);
  if (value instanceof EdnSet) return value.elements.map(ednToPlain);
  const object: Record<string, unknown> = {};
  for (const [k, v] of value.entries) {
    const plain = ednToPlain(k);
    const key = typeof plain === 'string' ? plain : JSON.stringify(plain);
    if (key === '__proto__') Object.defineProperty(object, key, { value: ednToPlain(v), enumerable: true, writable: true, configurable: true });
    else object[key] = ednToPlain(v);
  }
  return object;
}

/** EDN text for a value, as short as possible, for error messages. */
export function showEdn(value: EdnValue | undefined): string {
  if (value === undefined) return '(missing)';
  if (value === null) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}N`;
  if (typeof value !== 'object') return String(value);
  if (value instanceof EdnKeyword || value instanceof EdnSymbol) return value.toString();
  if (Array.isArray(value)) return `[${value.map(showEdn).join(' ')}]`;
  if (value instanceof EdnSet) return `#{${value.elements.map(showEdn).join(' ')}}`;
  return `{${value.entries.map(([k, v]) => `${showEdn(k)} ${showEdn(v)}`).join(', ')}}`;
}

const DELIMITERS = new Set([...' \t\n\r,()[]{}";'].map((c) => c.charCodeAt(0)));
const CHAR_NAMES: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}', '#{': '}' };

class EdnReader {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  readAll(): EdnForm[] {
    const forms: EdnForm[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return forms;
      const line = this.line;
      const value = this.readForm();
      if (value !== DISCARDED) forms.push({ value, line });
    }
  }

  private fail(expected: string, got?: string): never {
    const end = this.text.indexOf('\n', this.pos);
    const shown = got ?? this.text.slice(this.pos, end === -1 ? undefined : end).slice(0, 60);
    throw new Error(`${this.source} line ${this.line}: expected ${expected}, got ${JSON.stringify(shown)}`);
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.line++;
        this.pos++;
      } else if (c === 32 || c === 9 || c === 13 || c === 44) this.pos++;
      else if (c === 59 || (c === 35 && text.charCodeAt(this.pos + 1) === 33)) {
        // ; comment or #! comment, to the end of the line
        while (this.pos < text.length && text.charCodeAt(this.pos) !== 10) this.pos++;
      } else return;
    }
  }

  private readForm(): EdnValue | typeof DISCARDED {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('a value', 'end of input');
    const text = this.text;
    const ch = text[this.pos]!;
    switch (ch) {
      case '(':
      case '[': {
        const line = this.line;
        this.pos++;
        return this.collect(this.readSequence(CLOSER[ch]!), line);
      }
      case '{': {
        const line = this.line;
        this.pos++;
        return this.collect(this.toMap(this.readSequence('}'), line), line);
      }
      case ')':
      case ']':
      case '}':
        return this.fail('a value', ch);
      case '"':
        return this.readString();
      case ':':
        this.pos++;
        return new EdnKeyword(this.readToken('a keyword name'));
      case '\\':
        return this.readChar();
      case '#':
        return this.readDispatch();
      case '^': {
        // Metadata: ^{:a 1} form, ^:kw form, ^Sym form. The metadata is read and dropped.
        this.pos++;
        if (this.readForm() === DISCARDED) this.fail('metadata after "^"');
        const value = this.readForm();
        return value === DISCARDED ? this.fail('a value after the metadata') : value;
      }
      default:
        return this.readAtom();
    }
  }

  private collect<T extends object>(value: T, line: number): T {
    lineOfCollection.set(value, line);
    return value;
  }

  private readSequence(closer: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail(`"${closer}"`, 'end of input');
      if (this.text[this.pos] === closer) {
        this.pos++;
        return items;
      }
      const value = this.readForm();
      if (value !== DISCARDED) items.push(value);
    }
  }

  private toMap(items: EdnValue[], line: number): EdnMap {
    if (items.length % 2 !== 0) {
      throw new Error(`${this.source} line ${line}: expected a map with an even number of forms, got ${items.length} forms`);
    }
    const entries: [EdnValue, EdnValue][] = [];
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      // EDN forbids duplicate keys; checked for keywords, the keys of every op map.
      if (key instanceof EdnKeyword) {
        for (let j = 0; j < i; j += 2) {
          const other = items[j];
          if (other instanceof EdnKeyword && other.name === key.name) {
            throw new Error(`${this.source} line ${line}: the map has the key :${key.name} twice; expected each key once`);
          }
        }
      }
      entries.push([key, items[i + 1]!]);
    }
    return new EdnMap(entries);
  }

  private readString(): string {
    const text = this.text;
    let out = '';
    let start = ++this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail('a closing \'"\'', 'end of input');
      const c = text[this.pos]!;
      if (c === '"') {
        out += text.slice(start, this.pos++);
        return out;
      }
      if (c === '\n') this.line++;
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      out += text.slice(start, this.pos);
      const e = text[this.pos + 1];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', "'": "'" };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        this.pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
        out += String.fromCharCode(parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else {
        this.fail('a string escape (\\n \\t \\r \\" \\\\ \\uXXXX)', text.slice(this.pos, this.pos + 2));
      }
      start = this.pos;
    }
  }

  private readChar(): string {
    this.pos++;
    const start = this.pos;
    this.pos++; // the character itself, even a delimiter
    while (this.pos < this.text.length && !DELIMITERS.has(this.text.charCodeAt(this.pos))) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (token.length === 1) return token;
    if (CHAR_NAMES[token] !== undefined) return CHAR_NAMES[token];
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    return this.fail('a character (\\c, \\newline, \\space, \\tab, \\uXXXX)', `\\${token}`);
  }

  private readDispatch(): EdnValue | typeof DISCARDED {
    const next = this.text[this.pos + 1];
    if (next === '{') {
      const line = this.line;
      this.pos += 2;
      return this.collect(new EdnSet(this.readSequence('}')), line);
    }
    if (next === '_') {
      this.pos += 2;
      this.readForm();
      return DISCARDED;
    }
    if (next === ':') return this.readNamespacedMap();
    if (next === '#') {
      this.pos += 2;
      const token = this.readToken('##Inf, ##-Inf or ##NaN');
      const special: Record<string, number> = { Inf: Infinity, '-Inf': -Infinity, NaN: NaN };
      if (special[token] === undefined) this.fail('##Inf, ##-Inf or ##NaN', `##${token}`);
      return special[token]!;
    }
    if (next !== undefined && /[A-Za-z]/.test(next)) {
      // A tagged literal: drop the tag, keep the value (#inst "..." is its string, #my.Record{...} its map).
      this.pos++;
      this.readToken('a tag');
      const value = this.readForm();
      return value === DISCARDED ? this.fail('a value after the tag') : value;
    }
    return this.fail('#{, #_, ## or a tagged literal', this.text.slice(this.pos, this.pos + 2));
  }

  /** `#:ns{:a 1}` is `{:ns/a 1}`; `:_/a` stays `:a`, and `#::{...}` (the reader's own namespace) keeps its keys. */
  private readNamespacedMap(): EdnMap {
    this.pos += 2;
    if (this.text[this.pos] === ':') this.pos++;
    const start = this.pos;
    while (this.pos < this.text.length && !DELIMITERS.has(this.text.charCodeAt(this.pos))) this.pos++;
    const ns = this.text.slice(start, this.pos);
    this.skipSpace();
    if (this.text[this.pos] !== '{') this.fail(`a map after #:${ns}`);
    const map = this.readForm() as EdnMap;
    const qualify = (key: EdnValue): EdnValue => {
      if (!(key instanceof EdnKeyword || key instanceof EdnSymbol)) return key;
      const name = key.name.startsWith('_/') ? key.name.slice(2) : key.name.includes('/') || ns === '' ? key.name : `${ns}/${key.name}`;
      return key instanceof EdnKeyword ? new EdnKeyword(name) : new EdnSymbol(name);
    };
    return this.collect(new EdnMap(map.entries.map(([k, v]) => [qualify(k), v])), ednLine(map) ?? this.line);
  }

  private readToken(expected: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && !DELIMITERS.has(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) this.fail(expected);
    return this.text.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const token = this.readToken('a value');
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    const c = token.charCodeAt(0);
    const signed = (c === 43 || c === 45) && token.length > 1;
    const digit = signed ? token.charCodeAt(1) : c;
    if (digit >= 48 && digit <= 57) return this.parseNumber(token);
    return new EdnSymbol(token);
  }

  private parseNumber(token: string): number | bigint {
    if (/^[-+]?\d+N?$/.test(token)) {
      const digits = token.replace(/N$/, '');
      const n = Number(digits);
      if (Number.isSafeInteger(n)) return n;
      // Beyond 2^53 an integer stays a number only when it is how a double prints (as faultline's
      // own export writes one); any other is a bigint. Distinct integers so stay distinct values.
      const big = BigInt(digits);
      return Number.isFinite(n) && String(n) === big.toString() ? n : big;
    }
    if (/^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ''));
    const ratio = /^([-+]?\d+)\/(\d+)$/.exec(token);
    if (ratio) return Number(ratio[1]) / Number(ratio[2]);
    const radix = /^([-+]?)0[xX]([0-9a-fA-F]+)$/.exec(token);
    if (radix) return (radix[1] === '-' ? -1 : 1) * parseInt(radix[2]!, 16);
    return this.fail('a number', token);
  }
}

const DISCARDED = Symbol('discarded');
