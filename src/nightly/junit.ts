// JUnit XML of a night, the format CI systems read: one testcase per run, a <failure> when the
// checkers disagree with what the matrix expected, an <error> when there is no verdict (unknown or
// crashed), <skipped> when the budget ran out. Every value is escaped for XML 1.0.
import { describeExpectation } from './matrix.js';
import type { NightRun, NightSummary } from './night.js';

export function renderJunit(night: NightSummary): string {
  const count = (outcome: NightRun['outcome']) => night.runs.filter((r) => r.outcome === outcome).length;
  const totals = `tests="${night.runs.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${night.wallS.toFixed(3)}"`;
  const cases = night.runs.map((run) => renderTestcase(run, night));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`faultline nightly ${night.night}`)}" ${totals}>`,
    `  <testsuite name="${xml(`faultline nightly ${night.night}`)}" ${totals} timestamp="${xml(night.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function renderTestcase(run: NightRun, night: NightSummary): string {
  const open = `    <testcase classname="${xml(`faultline.${run.test}`)}" name="${xml(`seed ${run.seed}`)}" time="${(run.wallS ?? 0).toFixed(3)}"`;
  const details = [
    `verdict: ${run.status} (expected ${describeExpectation(run.expect)})`,
    ...run.checkers.map((c) => `${c.name}: ${c.verdict}${c.summary ? ` - ${c.summary}` : ''}`),
    ...(run.runDir ? [`report: ${night.night}/${run.runDir}/report.html`] : []),
    ...(run.log ? [`log: ${night.night}/${run.log}`] : []),
    `replay: npx faultline ${run.args.join(' ')}`,
  ].join('\n');
  const firstBad = run.checkers.find((c) => c.verdict !== 'valid');
  const reason = run.message ?? (firstBad ? `${firstBad.name}: ${firstBad.summary}` : run.status);
  const child =
    run.outcome === 'failure' ? `      <failure type="${xml(run.status)}" message="${xml(reason)}">${xml(details)}</failure>` :
    run.outcome === 'error' ? `      <error type="${xml(run.status)}" message="${xml(reason)}">${xml(details)}</error>` :
    run.outcome === 'skipped' ? `      <skipped message="${xml(reason)}"/>` : '';
  const out = `      <system-out>${xml(details)}</system-out>`;
  return [`${open}>`, ...(child ? [child] : []), out, '    </testcase>'].join('\n');
}

/** Characters XML 1.0 cannot hold at all (most C0 controls, lone surrogates, U+FFFE/F). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML attribute or element; characters XML cannot hold become U+FFFD. */
export function xml(value: string): string {
  return value.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}
