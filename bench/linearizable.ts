// Benchmark of the linearizability checker: the Porcupine corpus against Porcupine's own times
// (BASELINE.tsv), then seeded generated histories (single register with crashed ops, ok and illegal;
// a 1,000,000-op history over 1,000 keys). Parsing is never timed. Run after a build:
//   npm run bench:linearizable   (or: npx tsc -p bench/tsconfig.json && node dist/bench/linearizable.js [--quick])
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkHistory, type LinearizableOptions } from '../checkers/linearizable/index.js';
import { corruptRead, simulateRegisterHistory, type SimulationOptions } from '../test-support/simulate-register-history.js';
import { parseHistory } from '../src/formats/read-history.js';
import type { History } from '../src/op.js';

const quick = process.argv.includes('--quick');
const corpus = findCorpus();

/** Median of the check times of `runs` runs after one warm-up. */
async function medianMs(history: History, options: LinearizableOptions, runs: number): Promise<{ ms: number; outcome: string }> {
  let outcome = (await checkHistory(history, options)).outcome;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await checkHistory(history, options);
    times.push(result.checkMs);
    outcome = result.outcome;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, outcome };
}

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function benchCorpus(): Promise<void> {
  const baseline = new Map<string, number>();
  for (const line of readFileSync(join(corpus, 'BASELINE.tsv'), 'utf8').split('\n')) {
    const [file, , , ms2] = line.split('\t');
    if (file && !file.startsWith('#') && file !== 'file' && ms2) baseline.set(file, Number(ms2));
  }
  const manifest = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t') as [string, string, string, string]);
  const totals = new Map<string, { ours: number; theirs: number; files: number; wrong: number }>();
  console.log('file\tops\texpected\tours\tours_ms\tporcupine_ms');
  for (const [file, model, operations, expected] of manifest) {
    const etcd = model === 'etcd-cas-register';
    const history = parseHistory(readFileSync(join(corpus, file), 'utf8'), etcd ? 'etcd-log' : 'kv-log', file);
    const { ms, outcome } = await medianMs(history, { model: etcd ? 'cas-register' : 'kv', keyed: !etcd, timeoutMs: 60_000, workers: 0 }, 5);
    const want = expected === 'Illegal' ? 'illegal' : 'ok';
    const set = etcd ? 'etcd (jepsen/)' : 'kv (kv/)';
    const t = totals.get(set) ?? { ours: 0, theirs: 0, files: 0, wrong: 0 };
    t.ours += ms;
    t.theirs += baseline.get(file) ?? NaN;
    t.files++;
    if (outcome !== want) t.wrong++;
    totals.set(set, t);
    console.log(`${file}\t${operations}\t${want}\t${outcome}${outcome === want ? '' : ' WRONG'}\t${ms.toFixed(3)}\t${baseline.get(file)?.toFixed(3)}`);
  }
  console.log('\nset\tfiles\twrong\tours_total_ms\tporcupine_total_ms (2 cores)\tratio');
  for (const [set, t] of totals) {
    console.log(`${set}\t${t.files}\t${t.wrong}\t${t.ours.toFixed(1)}\t${t.theirs.toFixed(1)}\t${(t.ours / t.theirs).toFixed(3)}`);
  }
}

async function benchGenerated(): Promise<void> {
  const sizes = quick ? [1000, 5000] : [1000, 5000, 10_000, 20_000];
  const shapes: Omit<SimulationOptions, 'ops' | 'seed'>[] = [
    { processes: 10, crashRate: 0.02 },
    { processes: 20, crashRate: 0.01 },
  ];
  console.log('\nhistory\tops\tprocesses\tcrashed\tverdict\tcheck_ms\tpeak_rss_MiB');
  for (const shape of shapes) {
    for (const ops of sizes) {
      for (const seed of [1, 2]) {
        const history = simulateRegisterHistory({ ...shape, ops, seed });
        const crashed = history.filter((op) => op.type === 'info').length;
        const label = `register seed=${seed}`;
        const ok = await medianMs(history, { model: 'cas-register', timeoutMs: 10_000, workers: 0 }, 3);
        console.log(`${label}\t${ops}\t${shape.processes}\t${crashed}\t${ok.outcome}\t${ok.ms.toFixed(1)}\t${peakRssMiB()}`);
        const bad = corruptRead(history, 0.9).history;
        const illegal = await medianMs(bad, { model: 'cas-register', timeoutMs: 10_000, workers: 0 }, 3);
        console.log(`${label} bad-read@90%\t${ops}\t${shape.processes}\t${crashed}\t${illegal.outcome}\t${illegal.ms.toFixed(1)}\t${peakRssMiB()}`);
      }
    }
  }
  const big = quick ? 100_000 : 1_000_000;
  const keys = quick ? 100 : 1000;
  const history = simulateRegisterHistory({ seed: 42, ops: big, processes: 100, groupSize: 10, keys, crashRate: 0.01 });
  const crashed = history.filter((op) => op.type === 'info').length;
  for (const workers of [0, 1] as const) {
    const started = performance.now();
    const result = await checkHistory(history, { model: 'cas-register', timeoutMs: 60_000, workers });
    const wall = performance.now() - started;
    console.log(`${keys} keys workers=${workers}\t${big}\t100\t${crashed}\t${result.outcome} (${result.summary})\t${wall.toFixed(0)}\t${peakRssMiB()}`);
  }
  const bad = corruptRead(history, 0.5).history;
  const started = performance.now();
  const result = await checkHistory(bad, { model: 'cas-register', timeoutMs: 60_000 });
  console.log(`${keys} keys bad-read@50%\t${big}\t100\t${crashed}\t${result.outcome} (${result.summary})\t${(performance.now() - started).toFixed(0)}\t${peakRssMiB()}`);
}

/** The repository's test-data/corpus/porcupine, found upwards from here (bench/ or dist/bench/); PORCUPINE_CORPUS overrides. */
function findCorpus(): string {
  if (process.env['PORCUPINE_CORPUS']) return process.env['PORCUPINE_CORPUS'];
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'test-data', 'corpus', 'porcupine');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
  }
  throw new Error(`no test-data/corpus/porcupine in a checkout above ${import.meta.dirname}; expected a faultline checkout or PORCUPINE_CORPUS=<dir>`);
}

console.log(`node ${process.version}, ${quick ? 'quick run' : 'full run'}`);
await benchCorpus();
await benchGenerated();
console.log(`\npeak RSS ${peakRssMiB()} MiB`);
