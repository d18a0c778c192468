// JUnit XML of a night, read back with fast-xml-parser (a parser apart from the builder): one
// testcase per run, failure/error/skipped by outcome, and every value escaped so the document stays
// well-formed and says exactly what was given, whatever a database or a test name contains.
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { fakeNight, fakeRun } from '../../test-support/fake-night.js';
import { renderJunit } from './junit.js';

/** Characters XML 1.0 cannot hold (most C0 controls, lone surrogates, U+FFFE/F). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** What a parser must read back for `value`: unholdable characters as U+FFFD, line ends as \n (XML 1.0 §2.11). */
const readBack = (value: string) => value.replace(NOT_XML, '\uFFFD').replace(/\r\n?/g, '\n');

type Attributes = Record<string, string>;
interface ParsedCase {
  attrs: Attributes;
  failure?: { attrs: Attributes; text: string };
  error?: { attrs: Attributes; text: string };
  skipped?: { attrs: Attributes };
  systemOut: string;
}

/** Parses a JUnit document strictly: it must validate, and hold one testsuites > testsuite > testcase*. */
function parseJunit(doc: string): { suites: Attributes; suite: Attributes; cases: ParsedCase[] } {
  expect(XMLValidator.validate(doc)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: 'attrs',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    alwaysCreateTextNode: true,
    isArray: (name) => ['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out'].includes(name),
  });
  const root = parser.parse(doc) as { testsuites: { attrs: Attributes; testsuite: { attrs: Attributes; testcase?: Record<string, unknown>[] }[] }[] };
  expect(root.testsuites).toHaveLength(1);
  const [suites] = root.testsuites;
  expect(suites!.testsuite).toHaveLength(1);
  const [suite] = suites!.testsuite;
  const cases = (suite!.testcase ?? []).map((c) => {
    const child = (name: string) => {
      const list = c[name] as { attrs?: Attributes; '#text'?: string }[] | undefined;
      expect((list ?? []).length, name).toBeLessThanOrEqual(1);
      return list?.[0] && { attrs: list[0].attrs ?? {}, text: list[0]['#text'] ?? '' };
    };
    const systemOut = child('system-out');
    expect(systemOut, 'system-out').toBeDefined();
    return { attrs: c.attrs as Attributes, failure: child('failure'), error: child('error'), skipped: child('skipped'), systemOut: systemOut!.text };
  });
  return { suites: suites!.attrs, suite: suite!.attrs, cases };
}

const hostile = '<img src=x onerror="alert(1)"> & \u0001\u001b[31m ]]> \'quoted\' \uD800 \uFFFE \u{1F600}';

describe('renderJunit', () => {
  const night = fakeNight('2026-11-23', [
    fakeRun({ index: 1 }),
    fakeRun({ index: 2, test: `primary ${hostile}`, status: 'invalid', outcome: 'failure', exitCode: 1, checkers: [{ name: 'linearizable', verdict: 'invalid', summary: `key 3: ${hostile}` }] }),
    fakeRun({ index: 3, status: 'crashed', outcome: 'error', exitCode: 255, message: `exited with code 255: ${hostile}`, checkers: [] }),
    fakeRun({ index: 4, status: 'unknown', outcome: 'error', exitCode: 2, checkers: [{ name: 'linearizable', verdict: 'unknown', summary: 'timed out' }] }),
    fakeRun({ index: 5, status: 'skipped', outcome: 'skipped', exitCode: 0, message: 'needs about 40 s; 12 s of the budget left', wallS: undefined, runDir: undefined, log: undefined, checkers: [] }),
    fakeRun({ index: 6, expect: 'invalid', status: 'valid', outcome: 'failure', exitCode: 1, message: 'expected the checkers to find an anomaly; they found none' }),
  ], 255);
  const doc = renderJunit(night);
  const { suites, suite, cases } = parseJunit(doc);

  it('is well-formed XML, with hostile values read back exactly and unholdable characters as U+FFFD', () => {
    expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(doc).not.toMatch(NOT_XML);
    expect(doc).not.toContain('<img');
    expect(doc).not.toContain(']]>');
    expect(cases[1]!.attrs.classname).toBe(`faultline.primary ${readBack(hostile)}`);
    expect(cases[1]!.attrs.classname).toContain("& \uFFFD\uFFFD[31m ]]> 'quoted' \uFFFD \uFFFD \u{1F600}");
    expect(cases[1]!.failure!.attrs.message).toBe(`linearizable: key 3: ${readBack(hostile)}`);
    expect(cases[1]!.failure!.text).toContain(`linearizable: invalid - key 3: ${readBack(hostile)}\n`);
    expect(cases[2]!.error!.attrs.message).toBe(`exited with code 255: ${readBack(hostile)}`);
  });

  it('has one testcase per run and counts failures, errors and skipped', () => {
    expect(cases).toHaveLength(6);
    const totals = { tests: '6', failures: '2', errors: '2', skipped: '1', time: '300.000' };
    expect(suites).toEqual({ name: 'faultline nightly 2026-11-23', ...totals });
    expect(suite).toEqual({ name: 'faultline nightly 2026-11-23', ...totals, timestamp: '2026-11-23T02:00:00.000Z' });
    expect(cases.map((c) => [c.failure ? 'failure' : c.error ? 'error' : c.skipped ? 'skipped' : 'pass'])).toEqual([['pass'], ['failure'], ['error'], ['error'], ['skipped'], ['failure']]);
    expect(cases[0]!.attrs).toEqual({ classname: 'faultline.bundled-raft-register-partition', name: 'seed 1', time: '31.500' });
    expect(cases[4]!.attrs.time).toBe('0.000');
    expect(doc).toMatch(/<testcase classname="faultline.bundled-raft-register-partition" name="seed 1" time="31.500">\n {6}<system-out>/);
  });

  it('says why: the first bad checker, the crash, or the missed expectation', () => {
    expect(cases[1]!.failure!.attrs).toEqual({ type: 'invalid', message: expect.stringMatching(/^linearizable: key 3: <img/) });
    expect(cases[2]!.error!.attrs.type).toBe('crashed');
    expect(cases[3]!.error!.attrs).toEqual({ type: 'unknown', message: 'linearizable: timed out' });
    expect(cases[4]!.skipped!.attrs).toEqual({ message: 'needs about 40 s; 12 s of the budget left' });
    expect(cases[5]!.failure!.attrs).toEqual({ type: 'valid', message: 'expected the checkers to find an anomaly; they found none' });
    expect(cases[0]!.systemOut).toBe([
      'verdict: valid (expected valid)',
      'linearizable: valid - 14 keys linearizable',
      'report: 2026-11-23/../../store/bundled-raft-register-partition/20261123T010000/report.html',
      'log: 2026-11-23/logs/01-bundled-raft-register-partition-1.log',
      'rerun: npx faultline test --workload register --seed 1 --store store',
    ].join('\n'));
    expect(cases[5]!.systemOut).toContain('verdict: valid (expected invalid)');
    expect(cases[1]!.failure!.text).toBe(cases[1]!.systemOut);
  });

  it('reads back any test name, summary and message, whatever characters they hold', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(fc.property(text, text, text, (test, summary, message) => {
      const runs = [
        fakeRun({ test, status: 'invalid', outcome: 'failure', checkers: [{ name: 'set', verdict: 'invalid', summary }] }),
        fakeRun({ test, status: 'crashed', outcome: 'error', message, checkers: [] }),
      ];
      const parsed = parseJunit(renderJunit(fakeNight('2026-11-24', runs)));
      expect(parsed.cases.map((c) => c.attrs.classname)).toEqual([`faultline.${readBack(test)}`, `faultline.${readBack(test)}`]);
      expect(parsed.cases[0]!.failure!.attrs.message).toBe(`set: ${readBack(summary)}`);
      expect(parsed.cases[0]!.systemOut).toContain(readBack(`set: invalid${summary ? ` - ${summary}` : ''}\n`));
      expect(parsed.cases[1]!.error!.attrs.message).toBe(readBack(message));
    }), { numRuns: 60 });
  });
});
