// Benchmark of the rw-register checker: generates rw-register histories of a simulated strictly
// serializable store and checks them, printing time per phase, throughput and peak memory.
//
//   npm run bench:rw-register                     100,000 and 1,000,000 transactions, each in its own process
//   node dist/bench/cycle-rw-register.js --txns 1000000 [--seed 1] [--processes 10] [--keys 5] [--max-txn-length 4]
//                                  [--linearizable 1] [--sequential 1] [--wfr 1] [--stale 0]
//
// The key guarantees (version-order sources) are all on by default: the heaviest inference.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkRwRegister } from '../checkers/cycle/index.js';
import { generateRwRegisterHistory } from './list-append-history.js';
import { parseBenchArgs } from './bench-args.js';

const defaults = { txns: 0, seed: 1, processes: 10, keys: 5, 'max-txn-length': 4, linearizable: 1, sequential: 1, wfr: 1, stale: 0 };
const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
const argv = process.argv.slice(2);
const options = parseBenchArgs(argv, defaults);

if (options.txns === 0) {
  // Each size in a fresh process, so peak RSS is that size's own.
  for (const txns of [100_000, 1_000_000]) execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...argv, '--txns', String(txns)], { stdio: 'inherit' });
} else {
  let started = performance.now();
  const history = generateRwRegisterHistory({ txns: options.txns, seed: options.seed, processes: options.processes, keys: options.keys, maxTxnLength: options['max-txn-length'], staleReads: options.stale });
  const generateMs = performance.now() - started;
  const heapAfterGenerate = process.memoryUsage().heapUsed;
  started = performance.now();
  const cpuBefore = process.cpuUsage();
  const guarantees = { linearizableKeys: options.linearizable === 1, sequentialKeys: options.sequential === 1, wfrKeys: options.wfr === 1 };
  const result = checkRwRegister(history, { ...guarantees, initialState: 'empty' });
  const checkMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const claimed = Object.entries(guarantees).filter(([, on]) => on).map(([name]) => name).join(', ') || 'none';
  console.log(`rw-register history: ${options.txns.toLocaleString('en')} transactions, ${history.length.toLocaleString('en')} ops, ${options.processes} processes, ${options.keys} active keys, 1..${options['max-txn-length']} micro-ops, seed ${options.seed}, key guarantees: ${claimed}`);
  console.log(`generate: ${(generateMs / 1000).toFixed(2)} s, heap after generating ${mb(heapAfterGenerate)}`);
  console.log(`check:    ${(checkMs / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (GC threads included) (${Math.round(options.txns / (checkMs / 1000)).toLocaleString('en')} transactions/s); phases ms ${JSON.stringify(result.stats.phasesMs)}`);
  console.log(`graph:    ${result.stats.edges.toLocaleString('en')} edges, ${result.stats.keys.toLocaleString('en')} keys, ${result.stats.components} cyclic components (largest ${result.stats.largestComponent})`);
  console.log(`verdict:  ${String(result.valid)}; ${result.summary.slice(0, 300)}`);
  console.log(`peak RSS: ${mb(peakRss)} (whole process: generation, history and check)`);
}
