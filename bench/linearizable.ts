// Benchmark of the linearizability checker: the Porcupine corpus and the generated corpus
// (test-data/corpus/generated) against Porcupine's own times (their BASELINE.tsv),
// then seeded generated histories (single register with crashed ops, ok and illegal; a
// 1,000,000-op history over 1,000 keys). Check times are warm and exclude parsing; `cli_wall_ms` is
// what a user waits for: one `faultline check` process per file, start to exit. Run after a build:
//   npm run build && npm run bench:linearizable   (or: node dist/bench/linearizable.js [--quick] [--no-cli])
// `-- --hard` runs only the ten histories of each of issue 18's hard shapes (up to 60 s each);
// `-- --corpora` only the two corpora against Porcupine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkHistory, type LinearizableOptions } from '../checkers/linearizable/index.js';
import { corruptRead, hardShapeHistory, simulateRegisterHistory, type SimulationOptions } from '../test-support/simulate-register-history.js';
import { parseHistory } from '../src/formats/read-history.js';
import type { History } from '../src/op.js';

const quick = process.argv.includes('--quick');
const withCli = !process.argv.includes('--no-cli');
/** --hard: only the ten histories of each hard shape (up to 60 s each). */
const hardOnly = process.argv.includes('--hard');
/** --corpora: only the Porcupine and generated corpora (the side-by-side comparison). */
const corporaOnly = process.argv.includes('--corpora');
const corpus = findCorpus('porcupine', 'PORCUPINE_CORPUS');
const cli = join(import.meta.dirname, '..', 'src', 'cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-bench-'));

/** Wall time of one `faultline check` process on a file (gzip is unpacked first, untimed); NaN with --no-cli (printed "-"). */
function cliWallMs(path: string, format: string, model: string): number {
  if (!withCli || !existsSync(cli)) return NaN;
  let file = path;
  if (path.endsWith('.gz')) {
    file = join(scratch, basename(path, '.gz'));
    writeFileSync(file, gunzipSync(readFileSync(path)));
  }
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'check', '--format', format, '--model', model, '--timeout-s', '60', file], { stdio: 'ignore' });
  const ms = performance.now() - started;
  if (file !== path) rmSync(file);
  // 0 valid, 1 invalid, 2 unknown (a file with no ops): each a verdict the user waited for.
  return run.status !== null && run.status <= 2 ? ms : NaN;
}

/**
 * Median check time, warm: the file is first checked untimed for 50 ms (at least once), because a
 * sub-millisecond check runs about twice as slow for its first thousand runs after another file's
 * (seen on etcd_045: 0.137 ms for the first 200 runs, 0.068 ms after 1,000; the JIT's or the
 * collector's state, not pinned down). Then at least `runs` runs, and for quick checks as many more as
 * fit in 100 ms (up to 5,000), so that sub-millisecond files are not timed by a handful of samples.
 */
async function medianMs(history: History, options: LinearizableOptions, runs: number): Promise<{ ms: number; outcome: string }> {
  let outcome = (await checkHistory(history, options)).outcome;
  for (let warm = performance.now() + 50; performance.now() < warm; ) await checkHistory(history, options);
  const times: number[] = [];
  let spent = 0;
  while (times.length < runs || (spent < 100 && times.length < 5000)) {
    const result = await checkHistory(history, options);
    times.push(result.checkMs);
    spent += result.checkMs;
    outcome = result.outcome;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, outcome };
}

/** The independent replayer of linearizations (tools/replay-linearization.mjs in the checkout). */
const { replay } = (await import(join(findCheckout(), 'tools', 'replay-linearization.mjs'))) as typeof import('../tools/replay-linearization.mjs');

/**
 * The evidence of an ok verdict, checked apart from the timed runs: the linearization the checker
 * keeps when asked, replayed by the independent program. "replayed", "REFUSED" (with the first
 * problem), or "-" when the verdict is not ok (an illegal verdict's evidence is its stuck op).
 */
async function witnessCheck(history: History, options: LinearizableOptions): Promise<string> {
  const result = await checkHistory(history, { ...options, linearization: true });
  if (result.outcome !== 'ok') return '-';
  const spec = typeof options.model === 'string' ? options.model : options.model.name;
  const witness = {
    format: 'faultline-linearization',
    model: spec,
    keyed: result.keyed,
    history: history.map((op) => ({ type: op.type, process: op.process, f: op.f, value: op.value })),
    orders: result.keys.flatMap((key) => key.linearization ?? []),
  };
  const { problems } = replay(witness);
  return problems.length === 0 ? 'replayed' : `REFUSED: ${problems[0]}`;
}

/** A wall time in ms, or "-" when not measured. */
function wallText(ms: number): string {
  return Number.isNaN(ms) ? '-' : ms.toFixed(0);
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
  const totals = new Map<string, { ours: number; theirs: number; files: number; wrong: number; slower: number; cli: number; replayed: number; okVerdicts: number }>();
  // Warm (Porcupine's Go is compiled ahead of time): the whole corpus checked 20 times, untimed, so
  // no file is timed while the JIT is still compiling the checker (about 2 s).
  const parsed = manifest.map(([file, model]) => parseHistory(readFileSync(join(corpus, file), 'utf8'), model === 'etcd-cas-register' ? 'etcd-log' : 'kv-log', file));
  for (let pass = 0; pass < 20; pass++) {
    for (const [i, [, model]] of manifest.entries()) {
      const etcd = model === 'etcd-cas-register';
      await checkHistory(parsed[i]!, { model: etcd ? 'cas-register' : 'kv', keyed: !etcd, timeoutMs: 60_000, workers: 0 });
    }
  }
  console.log('file\tops\texpected\tours\tours_ms\tporcupine_ms\tcli_wall_ms\twitness');
  const rows: { line: string; set: string; wall: () => number; witness: () => Promise<string> }[] = [];
  for (const [i, [file, model, operations, expected]] of manifest.entries()) {
    const etcd = model === 'etcd-cas-register';
    const history = parsed[i]!;
    const { ms, outcome } = await medianMs(history, { model: etcd ? 'cas-register' : 'kv', keyed: !etcd, timeoutMs: 60_000, workers: 0 }, 5);
    const want = expected === 'Illegal' ? 'illegal' : 'ok';
    const set = etcd ? 'etcd (jepsen/)' : 'kv (kv/)';
    const t = totals.get(set) ?? { ours: 0, theirs: 0, files: 0, wrong: 0, slower: 0, cli: 0, replayed: 0, okVerdicts: 0 };
    const theirs = baseline.get(file) ?? NaN;
    t.ours += ms;
    t.theirs += theirs;
    t.files++;
    if (ms > theirs) t.slower++;
    if (outcome !== want) t.wrong++;
    if (outcome === 'ok') t.okVerdicts++;
    totals.set(set, t);
    // The CLI's wall time and the witness after every file is timed: a `faultline check` process, or a
    // check that keeps its order, run between timed ones slows the next file's checks (2-2.5x, seen on sub-ms files).
    rows.push({
      line: `${file}\t${operations}\t${want}\t${outcome}${outcome === want ? '' : ' WRONG'}\t${ms.toFixed(3)}\t${theirs.toFixed(3)}`,
      set,
      wall: () => cliWallMs(join(corpus, file), etcd ? 'etcd-log' : 'kv-log', etcd ? 'cas-register' : 'kv'),
      witness: () => (outcome === 'ok' ? witnessCheck(history, { model: etcd ? 'cas-register' : 'kv', keyed: !etcd, timeoutMs: 60_000 }) : Promise.resolve('-')),
    });
  }
  for (const row of rows) {
    const wall = row.wall();
    totals.get(row.set)!.cli += wall;
    const witness = await row.witness();
    if (witness === 'replayed') totals.get(row.set)!.replayed++;
    console.log(`${row.line}\t${wallText(wall)}\t${witness}`);
  }
  console.log('\nset\tfiles\twrong\tslower_than_porcupine\tours_total_ms\tporcupine_total_ms (2 cores)\tratio\tcli_wall_total_ms\tok_linearizations_replayed');
  for (const [set, t] of totals) {
    console.log(`${set}\t${t.files}\t${t.wrong}\t${t.slower}\t${t.ours.toFixed(1)}\t${t.theirs.toFixed(1)}\t${(t.ours / t.theirs).toFixed(3)}\t${wallText(t.cli)}\t${t.replayed}/${t.okVerdicts}`);
  }
}

/**
 * The generated corpus (cas-register histories in the etcd-log format, some gzip-compressed)
 * against Porcupine's verdicts and median times. Files Porcupine left unknown (its 60 s timeout)
 * are listed apart: no time to compare, our verdict is news.
 */
async function benchGeneratedCorpus(): Promise<void> {
  const dir = findCorpus('generated', 'GENERATED_CORPUS');
  const rows = readFileSync(join(dir, 'BASELINE.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  console.log(`\n${dir}\nfile\tops\tprocs\tporcupine\tours\tours_ms\tporcupine_ms\tratio\tcli_wall_ms\twitness`);
  const sum = { files: 0, slower: 0, wrong: 0, ours: 0, theirs: 0, cli: 0, undecided: 0, oursOnUndecided: 0, replayed: 0, okVerdicts: 0 };
  const printed: { line: string; wall: () => number; witness: () => Promise<string> }[] = [];
  for (const [file, ops, procs, verdict, theirsText] of rows) {
    if (!file || !ops || !verdict || !theirsText) continue;
    if (quick && Number(ops) > 5000) continue;
    const raw = readFileSync(join(dir, file));
    const history = parseHistory((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'), 'etcd-log', file);
    const first = await checkHistory(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 });
    // A check that takes seconds is timed once (its first run); quick ones as the median of five.
    const { ms, outcome } = first.checkMs > 2000 ? { ms: first.checkMs, outcome: first.outcome } : await medianMs(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 }, 5);
    const want = verdict.toLowerCase();
    const theirs = Number(theirsText);
    if (want === 'unknown') {
      sum.undecided++;
      sum.oursOnUndecided += ms;
    } else {
      sum.files++;
      sum.ours += ms;
      sum.theirs += theirs;
      if (ms > theirs) sum.slower++;
      if (outcome !== want) sum.wrong++;
    }
    const mark = want !== 'unknown' && outcome !== want ? ' WRONG' : '';
    if (outcome === 'ok') sum.okVerdicts++;
    printed.push({
      line: `${file}\t${ops}\t${procs}\t${want}\t${outcome}${mark}\t${ms.toFixed(3)}\t${want === 'unknown' ? '>60000' : theirs.toFixed(3)}\t${want === 'unknown' ? '-' : (ms / theirs).toFixed(3)}`,
      wall: () => cliWallMs(join(dir, file), 'etcd-log', 'cas-register'),
      witness: () => (outcome === 'ok' ? witnessCheck(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 }) : Promise.resolve('-')),
    });
  }
  for (const row of printed) {
    const wall = row.wall();
    sum.cli += wall;
    const witness = await row.witness();
    if (witness === 'replayed') sum.replayed++;
    console.log(`${row.line}\t${wallText(wall)}\t${witness}`);
  }
  console.log('\nfiles Porcupine decided\twrong\tslower_than_porcupine\tours_total_ms\tporcupine_total_ms\tratio\tPorcupine unknown: files, our total ms\tcli_wall_total_ms\tok_linearizations_replayed');
  console.log(`${sum.files}\t${sum.wrong}\t${sum.slower}\t${sum.ours.toFixed(1)}\t${sum.theirs.toFixed(1)}\t${(sum.ours / sum.theirs).toFixed(4)}\t${sum.undecided}, ${sum.oursOnUndecided.toFixed(0)}\t${wallText(sum.cli)}\t${sum.replayed}/${sum.okVerdicts}`);
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

/** test-data/corpus/<name> of the checkout above this file, or the directory the environment variable names. */
function findCorpus(name: string, variable: string): string {
  if (process.env[variable]) return process.env[variable];
  return join(findCheckout(), 'test-data', 'corpus', name);
}

/** The faultline checkout above this file (bench/ or dist/bench/). */
function findCheckout(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test-data', 'corpus'))) return dir;
  }
  throw new Error(`no faultline checkout (package.json and test-data/corpus) above ${import.meta.dirname}`);
}

/** Ten histories of each hard shape (hardShapeHistory): how many are decided within 60 s, and when; ok verdicts' orders replayed. */
async function benchHardShapes(): Promise<void> {
  console.log('\nshape\tseed\tops\tprocesses\tvalues\tcrashed\tcorrupted\tverdict\tcheck_ms\twitness\tsummary');
  const decided = { A: 0, B: 0 };
  for (const shape of ['A', 'B'] as const) {
    for (let seed = 1; seed <= 10; seed++) {
      const { history, options, corrupted } = hardShapeHistory(shape, seed);
      const crashed = history.filter((op) => op.type === 'info').length;
      const result = await checkHistory(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 });
      if (result.outcome !== 'unknown') decided[shape]++;
      const witness = result.outcome === 'ok' ? await witnessCheck(history, { model: 'cas-register', timeoutMs: 60_000, workers: 0 }) : '-';
      console.log(`${shape}\t${seed}\t${options.ops}\t${options.processes}\t${options.valueRange}\t${crashed}\top ${corrupted.index}: ${String(corrupted.from)}->${corrupted.to}\t${result.outcome}\t${result.checkMs.toFixed(0)}\t${witness}\t${result.summary}`);
    }
  }
  console.log(`decided within 60 s: A ${decided.A}/10, B ${decided.B}/10`);
}

console.log(`node ${process.version}, ${quick ? 'quick run' : 'full run'}${hardOnly ? ', hard shapes only' : ''}`);
if (hardOnly) await benchHardShapes();
else {
  await benchCorpus();
  await benchGeneratedCorpus();
  if (!corporaOnly) await benchGenerated();
}
rmSync(scratch, { recursive: true, force: true });
console.log(`\npeak RSS ${peakRssMiB()} MiB`);
