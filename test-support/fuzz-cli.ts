// `npm run fuzz -- [count] [seed]`: runs `count` (default 1,000) generated malformed inputs through
// the real CLI, two at a time, and prints the figures issue 12 asks for: stack traces, exits outside
// the documented codes, valid verdicts on histories with no ok op, and the exit codes seen.
// FAULTLINE_FUZZ_BIN runs another build of bin/faultline.js (e.g. main's, for a before/after).
import fc from 'fast-check';
import { fuzzCaseArb, type FuzzCase } from './fuzz-inputs.js';
import { runCaseCli } from './fuzz-run.js';

const count = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!(Number.isInteger(count) && count > 0) || !Number.isInteger(seed)) {
  console.error(`usage: npm run fuzz -- [count] [seed]; got ${process.argv.slice(2).join(' ')}`);
  process.exit(254);
}

const cases = fc.sample(fuzzCaseArb, { numRuns: count, seed });
const exits = new Map<string, number>();
const kinds = new Map<string, number>();
const tally = { stack: 0, internal: 0, exitOutside: 0, validUntested: 0, untested: 0, validMalformed: 0, malformed: 0, notOneLine: 0, stderrOnSuccess: 0, timedOut: 0 };
const failures: { c: FuzzCase; problems: string[] }[] = [];
let slowestMs = 0;
const started = performance.now();
for (let i = 0; i < cases.length; i += 2) {
  const batch = cases.slice(i, i + 2);
  const results = await Promise.all(batch.map((c) => runCaseCli(c)));
  results.forEach((r, j) => {
    const c = batch[j]!;
    const code = String(r.outcome.exitCode ?? 'timeout');
    exits.set(code, (exits.get(code) ?? 0) + 1);
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    if (c.untested) tally.untested++;
    if (c.malformed) tally.malformed++;
    slowestMs = Math.max(slowestMs, r.ms);
    for (const p of r.problems) {
      if (p.startsWith('a stack trace')) tally.stack++;
      else if (p.startsWith('an internal message')) tally.internal++;
      else if (p.startsWith('exit ') && p.includes('not one of')) tally.exitOutside++;
      else if (p.includes('no ok client op')) tally.validUntested++;
      else if (p.includes('breaks the schema')) tally.validMalformed++;
      else if (p.startsWith('not one')) tally.notOneLine++;
      else if (p.startsWith('stderr')) tally.stderrOnSuccess++;
      else if (p.startsWith('did not finish')) tally.timedOut++;
    }
    if (r.problems.length > 0) failures.push({ c, problems: r.problems });
  });
  if ((i + 2) % 100 === 0) process.stderr.write(`${i + 2}/${cases.length}\r`);
}
const seconds = (performance.now() - started) / 1000;
const sorted = (m: Map<string, number>): string => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`).join(', ');
console.log(`faultline fuzz: ${cases.length} generated inputs through the real CLI (seed ${seed}) in ${seconds.toFixed(0)} s; slowest ${(slowestMs / 1000).toFixed(1)} s`);
console.log(`  kinds: ${sorted(kinds)}`);
console.log(`  exit codes: ${sorted(exits)}`);
console.log(`  stack traces or Node errors: ${tally.stack}`);
console.log(`  internal messages (JavaScript's own errors, raw system codes): ${tally.internal}`);
console.log(`  exits outside 0, 1, 2, 254: ${tally.exitOutside}`);
console.log(`  valid (exit 0) on a history with no ok client op: ${tally.validUntested} of ${tally.untested}`);
console.log(`  valid (exit 0) on a history with an op that breaks the schema: ${tally.validMalformed} of ${tally.malformed}`);
console.log(`  usage errors not one "faultline: " line: ${tally.notOneLine}; stderr output without an error exit: ${tally.stderrOnSuccess}; timed out: ${tally.timedOut}`);
for (const { c, problems } of failures.slice(0, 10)) console.log(`  FAIL ${JSON.stringify(c.args)} (${c.kind}, files ${Object.keys(c.files).join(' ')}): ${problems.join('; ')}`);
console.log(`${cases.length - failures.length} passed, ${failures.length} failed`);
process.exitCode = failures.length === 0 ? 0 : 1;
