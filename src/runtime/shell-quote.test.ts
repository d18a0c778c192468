import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandLine, quoteArg } from './shell-quote.js';

/** What /bin/sh makes of a command line: the arguments it passes to printf, one per NUL-ended record. */
function shellWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quoteArg', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(quoteArg('--data-dir')).toBe('--data-dir');
    expect(quoteArg('/tmp/a,b:7000')).toBe('/tmp/a,b:7000');
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('a=b')).toBe("'a=b'");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });

  it('refuses a NUL byte, naming the argument', () => {
    expect(() => quoteArg('a\0b')).toThrow(/"a\\u0000b" holds a NUL byte/);
  });

  it('the shell reads back exactly the arguments given, whatever they hold', () => {
    const word = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '\\', '$', '`', '*', '?', '~', '=', '\n', '\t', ';', '&', '|', '(', '#', '!', '-', 'é', '{', '['), maxLength: 12 });
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (args) => {
      expect(shellWords(args.map(quoteArg).join(' '))).toEqual(args);
    }), { numRuns: 150 });
  });
});

describe('commandLine', () => {
  it('joins quoted words and refuses an empty command', () => {
    expect(commandLine(['iptables', '-w', '-N', 'FAULTLINE'])).toBe('iptables -w -N FAULTLINE');
    expect(commandLine(['env', 'A=1 2', 'x'])).toBe("env 'A=1 2' x");
    expect(() => commandLine([])).toThrow(/empty command/);
  });
});
