// JUnit XML of a night, the format CI systems read: one testcase per run, a <failure> when the
// checkers disagree with what the matrix expected, an <error> when there is no verdict (unknown or
// crashed), <skipped> when the budget ran out. Built with xmlbuilder2, which escapes every value;
// characters XML 1.0 cannot hold at all (most C0 controls, lone surrogates, U+FFFE/F) become U+FFFD.
import { create } from 'xmlbuilder2';
import { describeExpectation } from './matrix.js';
import type { NightRun, NightSummary } from './night.js';

type XmlElement = ReturnType<typeof create>;

/** The night as a JUnit XML document: <testsuites> holding one <testsuite> of one <testcase> per run. */
export function renderJunit(night: NightSummary): string {
  const count = (outcome: NightRun['outcome']) => String(night.runs.filter((r) => r.outcome === outcome).length);
  const name = `faultline nightly ${night.night}`;
  const totals = { tests: String(night.runs.length), failures: count('failure'), errors: count('error'), skipped: count('skipped'), time: night.wallS.toFixed(3) };
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' });
  const suite = doc.ele('testsuites', { name, ...totals }).ele('testsuite', { name, ...totals, timestamp: night.startedAt });
  for (const run of night.runs) addTestcase(suite, run, night);
  return `${doc.end({ prettyPrint: true, indent: '  ' })}\n`;
}

function addTestcase(suite: XmlElement, run: NightRun, night: NightSummary): void {
  const testcase = suite.ele('testcase', { classname: `faultline.${run.test}`, name: `seed ${run.seed}`, time: (run.wallS ?? 0).toFixed(3) });
  const details = [
    `verdict: ${run.status} (expected ${describeExpectation(run.expect)})`,
    ...run.checkers.map((c) => `${c.name}: ${c.verdict}${c.summary ? ` - ${c.summary}` : ''}`),
    ...(run.runDir ? [`report: ${night.night}/${run.runDir}/report.html`] : []),
    ...(run.log ? [`log: ${night.night}/${run.log}`] : []),
    // The same test and seed, as `faultline test` prints it (`replay:` there replays a run's schedule).
    `rerun: npx faultline ${run.args.join(' ')}`,
  ].join('\n');
  const firstBad = run.checkers.find((c) => c.verdict !== 'valid');
  const reason = run.message ?? (firstBad ? `${firstBad.name}: ${firstBad.summary}` : run.status);
  if (run.outcome === 'failure' || run.outcome === 'error') testcase.ele(run.outcome, { type: run.status, message: reason }).txt(details);
  else if (run.outcome === 'skipped') testcase.ele('skipped', { message: reason });
  testcase.ele('system-out').txt(details);
}
