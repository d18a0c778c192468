// Benchmark of the cycle checker: generates a list-append history of a simulated strictly
// serializable store and checks it, printing time per phase, throughput and peak memory.
//
//   npm run bench:cycle -- [--txns 1000000] [--seed 1] [--processes 10] [--keys 10] [--stale 0]
//
// --stale is the share of reads that miss a key's latest append, to exercise the cycle search.
import { checkListAppend } from '../checkers/cycle/index.js';
import { generateListAppendHistory } from './list-append-history.js';
import { parseBenchArgs } from './bench-args.js';

const defaults = { txns: 1_000_000, seed: 1, processes: 10, keys: 10, stale: 0, fail: 0, info: 0 };
const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

const options = parseBenchArgs(process.argv.slice(2), defaults);
let started = performance.now();
const history = generateListAppendHistory({
  txns: options.txns,
  seed: options.seed,
  processes: options.processes,
  keys: options.keys,
  staleReads: options.stale,
  failShare: options.fail,
  infoShare: options.info,
});
const generateMs = performance.now() - started;
const heapAfterGenerate = process.memoryUsage().heapUsed;
started = performance.now();
const cpuBefore = process.cpuUsage();
const result = checkListAppend(history);
const checkMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const peakRss = process.resourceUsage().maxRSS * 1024;

console.log(`list-append history: ${options.txns} transactions, ${history.length} ops, ${options.processes} processes, ${options.keys} active keys, seed ${options.seed}, stale reads ${options.stale}`);
console.log(`generate: ${(generateMs / 1000).toFixed(2)} s, heap after generating ${mb(heapAfterGenerate)}`);
console.log(`check:    ${(checkMs / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (GC threads included) (${Math.round(options.txns / (checkMs / 1000)).toLocaleString('en')} transactions/s); phases ms ${JSON.stringify(result.stats.phasesMs)}`);
console.log(`graph:    ${result.stats.edges.toLocaleString('en')} edges, ${result.stats.keys.toLocaleString('en')} keys, ${result.stats.components} cyclic components (largest ${result.stats.largestComponent})`);
console.log(`verdict:  ${String(result.valid)}; ${result.summary.slice(0, 300)}`);
console.log(`peak RSS: ${mb(peakRss)} (whole process: generation, history and check)`);
