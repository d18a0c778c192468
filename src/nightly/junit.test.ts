// JUnit XML of a night: one testcase per run, failure/error/skipped by outcome, and every value
// escaped so the document stays well-formed whatever a database or a test name contains.
import { describe, expect, it } from 'vitest';
import { fakeNight, fakeRun } from './fake-night.js';
import { renderJunit, xml } from './junit.js';

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
const TAG = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>$/;

/** A strict check of the XML this module writes (elements, attributes, text; no CDATA or comments). */
function assertWellFormed(doc: string): void {
  const body = doc.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  expect(body).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  const stack: string[] = [];
  for (const [token] of body.matchAll(/<[^>]*>|[^<]+/g)) {
    const text = token.startsWith('<') ? (TAG.exec(token)?.[3] ?? '') : token;
    for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      expect(ENTITY.test(text), `bare & in ${token}`).toBe(true);
    }
    if (!token.startsWith('<')) continue;
    const tag = TAG.exec(token);
    expect(tag, `malformed tag ${token}`).not.toBeNull();
    const [, closing, name, , selfClosing] = tag!;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
  }
  expect(stack).toEqual([]);
}

const hostile = '<img src=x onerror="alert(1)"> & \u0001\u001b[31m ]]> \'quoted\'';

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

  it('is well-formed XML with hostile values escaped, and control characters replaced', () => {
    assertWellFormed(doc);
    expect(doc).not.toContain('<img');
    expect(doc).toContain('primary &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; \uFFFD\uFFFD[31m ]]&gt; &apos;quoted&apos;');
  });

  it('has one testcase per run and counts failures, errors and skipped', () => {
    expect(doc.match(/<testcase /g)).toHaveLength(6);
    expect(doc).toMatch(/<testsuites name="faultline nightly 2026-11-23" tests="6" failures="2" errors="2" skipped="1" time="300.000">/);
    expect(doc.match(/<failure /g)).toHaveLength(2);
    expect(doc.match(/<error /g)).toHaveLength(2);
    expect(doc.match(/<skipped /g)).toHaveLength(1);
    expect(doc).toMatch(/<testcase classname="faultline.bundled-raft-register-partition" name="seed 1" time="31.500">\n {6}<system-out>/);
  });

  it('says why: the first bad checker, the crash, or the missed expectation', () => {
    expect(doc).toContain('<failure type="invalid" message="linearizable: key 3: &lt;img');
    expect(doc).toContain('<error type="crashed" message="exited with code 255: &lt;img');
    expect(doc).toContain('<error type="unknown" message="linearizable: timed out">');
    expect(doc).toContain('<failure type="valid" message="expected the checkers to find an anomaly; they found none">');
    expect(doc).toContain('report: 2026-11-23/../../store/bundled-raft-register-partition/20261123T010000/report.html');
    expect(doc).toContain('replay: npx faultline test --workload register --seed 1 --store store');
    expect(doc).toContain('verdict: valid (expected invalid)');
  });
});

describe('xml', () => {
  it('escapes markup and replaces what XML 1.0 cannot hold, keeping astral characters', () => {
    expect(xml('a<b>&"\'')).toBe('a&lt;b&gt;&amp;&quot;&apos;');
    expect(xml('\u0000\u0008\t\n\r\uFFFE\uD800x\u{1F600}')).toBe('\uFFFD\uFFFD\t\n\r\uFFFD\uFFFDx\u{1F600}');
  });
});
