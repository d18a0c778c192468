// Soak benchmark of the controller's memory: runs `faultline test` for a long time at the highest
// rate the bundled store sustains and samples the controller's RSS (from /proc) while the workload
// runs. The controller keeps no history in memory, so RSS should stay flat. Prints a sample a
// minute, RSS at 5, 30 and 60 minutes (as far as the run goes), and the run's ops/s. Run after a build:
//   npm run bench:soak                      (3600 s, 30 processes, no faults)
//   node dist/bench/soak.js 600 -- --nemesis partition   (seconds, then extra `faultline test` options)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamStoredHistory } from '../src/run-history.js';

const seconds = Number(process.argv[2] ?? 3600);
const extra = process.argv.includes('--') ? process.argv.slice(process.argv.indexOf('--') + 1) : [];
if (!(seconds > 0)) throw new Error(`soak length "${process.argv[2]}" is not valid; expected seconds > 0`);

const bin = fileURLToPath(new URL('../../bin/faultline.js', import.meta.url));
const store = mkdtempSync(join(tmpdir(), 'faultline-soak-'));
const args = ['test', '--time-limit', String(seconds), '--concurrency', '30', '--rate', '100000', '--nemesis', 'none', '--store', store, ...extra];
console.log(`soak: node ${bin} ${args.join(' ')}`);
const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let stdout = '';
child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
let stderrTail = '';
child.stderr.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-4000)));

const samples: { atS: number; rssMiB: number }[] = [];
const started = Date.now();
const timer = setInterval(() => {
  const rssMiB = rssOf(child.pid);
  if (rssMiB === undefined) return;
  const atS = (Date.now() - started) / 1000;
  samples.push({ atS, rssMiB });
  if (samples.length % 6 === 0) console.log(`${(atS / 60).toFixed(1).padStart(6)} min  controller RSS ${rssMiB.toFixed(1)} MiB`);
}, 10_000);
const code = await new Promise<number | null>((done) => child.on('exit', done));
clearInterval(timer);

const during = samples.filter((s) => s.atS <= seconds);
const at = (minute: number) => during.filter((s) => s.atS <= minute * 60).at(-1);
console.log(`exit code ${code}`);
for (const minute of [1, 5, 30, 60]) {
  const s = at(minute);
  if (s && s.atS >= minute * 60 - 20) console.log(`RSS at ${String(minute).padStart(2)} min: ${s.rssMiB.toFixed(1)} MiB`);
}
if (during.length > 0) {
  const rss = during.map((s) => s.rssMiB);
  console.log(`RSS during the workload: min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)} MiB over ${during.length} samples`);
}
const stats = /stats +\S+ +(.*)/.exec(stdout)?.[1];
console.log(`stats: ${stats ?? 'not printed'}`);
// Client ops per second of workload, from the history itself: the check may fail on a history this
// big (it says why on stderr), the figure of the soak does not depend on it.
const runDir = join(store, 'latest');
let completions = 0;
for (const op of streamStoredHistory(join(runDir, 'history.jsonl'))) if (op.process !== 'nemesis' && op.type !== 'invoke') completions++;
console.log(`client ops completed: ${completions} in ${seconds} s of workload, ${(completions / seconds).toFixed(0)} ops/s; run directory ${runDir}`);
if (!existsSync(join(runDir, 'results.json'))) {
  console.log(`no results.json; the run's last words on stderr:\n${stderrTail.trim().split('\n').slice(-5).join('\n')}`);
}

/** Resident set size of a process in MiB, from /proc/<pid>/status; undefined once it is gone. */
function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
