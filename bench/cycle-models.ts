// Compares the cycle checker with the brute-force search (test-support/compare-with-brute-force.ts)
// on many small random list-append histories, for every consistency model the checker accepts, and
// prints how many agreed, with each model's verdicts and the cycle classes the histories held.
//
//   npm run bench:cycle-models -- [--histories 10000] [--seed 1] [--max-txns 5]
//
// Exits 1 when any history disagrees, printing the first few with the seed that rebuilds each.
import { compareWithBruteForce } from '../test-support/compare-with-brute-force.js';
import { consistencyModels } from '../checkers/cycle/index.js';
import { randomSmallHistory } from '../test-support/random-small-history.js';
import { parseBenchArgs } from './bench-args.js';

const defaults = { histories: 10_000, seed: 1, 'max-txns': 5 };
const options = parseBenchArgs(process.argv.slice(2), defaults, true);
const verdicts = new Map<string, { true: number; false: number; unknown: number }>(consistencyModels.map((m) => [m, { true: 0, false: 0, unknown: 0 }]));
const classes = new Map<string, number>();
const failures: string[] = [];
const disagreements = new Map<string, number>();
let cycles = 0;
let withCycles = 0;
const started = performance.now();
for (let i = 0; i < options.histories; i++) {
  const seed = options.seed + i;
  const comparison = compareWithBruteForce(randomSmallHistory(seed, { maxTxns: options['max-txns'] }));
  cycles += comparison.cycles;
  if (comparison.classes.length > 0) withCycles++;
  for (const c of comparison.classes) classes.set(c, (classes.get(c) ?? 0) + 1);
  for (const [model, valid] of Object.entries(comparison.verdicts)) verdicts.get(model)![String(valid) as 'true' | 'false' | 'unknown']++;
  for (const model of comparison.disagreeingModels) disagreements.set(model, (disagreements.get(model) ?? 0) + 1);
  if (comparison.mismatches.length > 0) failures.push(`seed ${seed}:\n  ${comparison.mismatches.join('\n  ')}`);
}
const seconds = (performance.now() - started) / 1000;

console.log(`${options.histories} random histories (seeds ${options.seed}..${options.seed + options.histories - 1}, up to ${options['max-txns']} transactions), ${consistencyModels.length} models each: ${seconds.toFixed(1)} s`);
console.log(`agreement: ${options.histories - failures.length} of ${options.histories} histories agree with the brute force on every model, on every reported cycle and on not/alsoNot`);
console.log(`cycles: ${cycles} simple cycles in ${withCycles} histories; histories holding each class:`);
for (const [c, n] of [...classes].sort((a, b) => b[1] - a[1])) console.log(`  ${c.padEnd(28)} ${n}`);
console.log('verdicts per model: valid / invalid / unknown, and histories where the verdict disagreed with the brute force:');
for (const [model, v] of verdicts) console.log(`  ${model.padEnd(36)} ${String(v.true).padStart(6)} ${String(v.false).padStart(6)} ${String(v.unknown).padStart(6)} ${String(disagreements.get(model) ?? 0).padStart(6)}`);
if (failures.length > 0) {
  console.log(`\n${failures.length} histories disagree; the first ones (rebuild with randomSmallHistory(seed)):\n${failures.slice(0, 5).join('\n')}`);
  process.exitCode = 1;
}
