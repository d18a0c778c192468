// Interrupting and killing real runs at many moments, from setup to checking, as a terminal does:
// Ctrl-C sends SIGINT to the controller's process group (the nodes have groups of their own), a
// second Ctrl-C stops at once, and SIGKILL gives the controller no chance at all. Whatever the
// moment, no node process or port is left, every started fault is stopped in the history (unless
// the controller was killed), and the run re-checks: as interrupted or incomplete, never valid.
//   FAULTLINE_IT_MOMENTS=10 (default) sets how many of the moments below each kind of stop is tried at.
import { describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const bin = join(import.meta.dirname, '../bin/faultline.js');
/** Where to stop a run: once run.json shows a phase (or, for `check`, how the run ended), plus a delay. */
interface Moment {
  phase: 'setup' | 'workload' | 'heal' | 'final' | 'teardown' | 'check';
  afterS: number;
}
const MOMENTS: Moment[] = [
  { phase: 'setup', afterS: 0 },
  { phase: 'setup', afterS: 0.3 },
  { phase: 'workload', afterS: 0 },
  { phase: 'workload', afterS: 1 },
  { phase: 'workload', afterS: 4 },
  { phase: 'workload', afterS: 7 },
  { phase: 'heal', afterS: 0 },
  { phase: 'final', afterS: 0 },
  { phase: 'final', afterS: 3 },
  { phase: 'check', afterS: 0 },
];
const momentCount = Number(process.env.FAULTLINE_IT_MOMENTS ?? MOMENTS.length);
const moments = MOMENTS.slice(0, momentCount);
const doubleMoments = [MOMENTS[1]!, MOMENTS[4]!, MOMENTS[8]!];
const describeMoment = (m: Moment) => `${m.phase}+${m.afterS}s`;
// The set workload waits 5 s after healing before its final reads, so the final phase can be hit.
const runArgs = ['test', '--nodes', '3', '--workload', 'set', '--time-limit', '8', '--nemesis', 'partition,kill,pause', '--nemesis-interval', '0.7', '--rate', '200'];
const PHASE_ORDER = ['setup', 'workload', 'heal', 'final', 'teardown'];

/** Waits until the run reaches a moment's phase (or a later one), then its delay; returns the phase it saw. */
async function reach(runDir: string, moment: Moment, child: ResultPromise): Promise<string> {
  const deadline = Date.now() + 60_000;
  let seen = 'setup';
  for (;;) {
    let facts: { phase?: string; end?: string } = {};
    try {
      facts = runJson(runDir);
    } catch {
      // being replaced: read again
    }
    seen = facts.end ? 'check' : facts.phase ?? seen;
    const at = seen === 'check' ? PHASE_ORDER.length : PHASE_ORDER.indexOf(seen);
    const want = moment.phase === 'check' ? PHASE_ORDER.length : PHASE_ORDER.indexOf(moment.phase);
    if (at >= want || child.exitCode !== null || Date.now() > deadline) break;
    await sleep(5);
  }
  await sleep(moment.afterS * 1000);
  return seen;
}

interface Started {
  child: ResultPromise;
  store: string;
  runDir: string;
}

/** Starts a run in its own process group (as a shell starts a foreground job) and waits for its run.json. */
async function startRun(seed: number): Promise<Started> {
  const store = mkdtempSync(join(tmpdir(), 'faultline-interrupt-it-'));
  const child = execa('node', [bin, ...runArgs, '--seed', String(seed), '--store', store], { reject: false, detached: true });
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(store, 'latest', 'run.json'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`run with seed ${seed} never wrote run.json`);
    await sleep(20);
  }
  return { child, store, runDir: realpathSync(join(store, 'latest')) };
}

/** What the nodes said about themselves when they started: their pids and every address they or their links listen on. */
function nodeFootprint(runDir: string): { pids: number[]; ports: number[] } {
  const pids: number[] = [];
  const ports = new Set<number>();
  const nodesDir = join(runDir, 'nodes');
  for (const node of existsSync(nodesDir) ? readdirSync(nodesDir) : []) {
    const log = join(nodesDir, node, 'node.log');
    if (!existsSync(log)) continue;
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (!line.includes('"kv server started"')) continue;
      const entry = JSON.parse(line) as { pid: number; listen: string; peers: string[] };
      pids.push(entry.pid);
      for (const address of [entry.listen, ...entry.peers.map((p) => p.split('=')[1]!)]) ports.add(Number(address.split(':').at(-1)));
    }
  }
  return { pids, ports: [...ports] };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits up to `ms` for every node process to be gone and every port to be closed; returns what is left. */
async function leftBehind(runDir: string, ms: number): Promise<string[]> {
  const { pids, ports } = nodeFootprint(runDir);
  const deadline = Date.now() + ms;
  for (;;) {
    const left = [
      ...pids.filter(alive).map((pid) => `pid ${pid}`),
      ...(await Promise.all(ports.map(async (port) => ((await listening(port)) ? `port ${port}` : '')))).filter(Boolean),
    ];
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(200);
  }
}

function readHistory(runDir: string): { f: string; type: string; process: unknown; error?: string }[] {
  const text = readFileSync(join(runDir, 'history.jsonl'), 'utf8');
  expect(text === '' || text.endsWith('\n'), 'history.jsonl ends with a whole line').toBe(true);
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Every fault kind whose last start completed is stopped by a later completed stop op. */
function unstoppedFaults(history: ReturnType<typeof readHistory>): string[] {
  const active = new Set<string>();
  for (const op of history) {
    if (op.process !== 'nemesis' || op.type === 'invoke') continue;
    const [edge, fault] = op.f.split(/-(.*)/) as [string, string];
    if (edge === 'start') active.add(fault);
    else if (edge === 'stop' && op.error === undefined) active.delete(fault);
  }
  return [...active];
}

function runJson(runDir: string): { phase?: string; end?: string; interrupted?: { phase: string } } {
  return JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
}

async function recheck(runDir: string) {
  return execa('node', [bin, 'check', runDir], { reject: false });
}

const landed: Record<string, string[]> = { 'Ctrl-C': [], SIGKILL: [], 'double Ctrl-C': [] };

describe('a run stopped at any moment', () => {
  it.each(moments.map((m, i) => [i + 1, describeMoment(m), m] as const))('Ctrl-C %i (%s) heals, tears down, reports and exits 130', async (i, _, moment) => {
    const { child, runDir } = await startRun(100 + i);
    const seen = await reach(runDir, moment, child);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const result = await child;
    const facts = runJson(runDir);
    landed['Ctrl-C']!.push(`${describeMoment(moment)}: saw ${seen}, ${facts.interrupted ? `interrupted in ${facts.interrupted.phase}` : facts.end}, exit ${result.exitCode}`);
    expect(facts.end, String(result.stderr)).not.toBeUndefined();
    if (facts.end === 'interrupted') expect(result.exitCode, String(result.stderr)).toBe(130);
    else expect([0, 1, 2], `${facts.end}: ${String(result.stderr)}`).toContain(result.exitCode);
    expect(unstoppedFaults(readHistory(runDir))).toEqual([]);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    expect(await leftBehind(runDir, 5_000)).toEqual([]);
    const again = await recheck(runDir);
    if (facts.end === 'interrupted') {
      expect(again.exitCode).not.toBe(0);
      expect(again.stdout).toMatch(/INCOMPLETE: interrupted during/);
    }
  }, 120_000);

  it.each(moments.map((m, i) => [i + 1, describeMoment(m), m] as const))('SIGKILL %i (%s) leaves nothing running and a history that re-checks as incomplete', async (i, _, moment) => {
    const { child, runDir } = await startRun(200 + i);
    const seen = await reach(runDir, moment, child);
    child.kill('SIGKILL');
    await child;
    const facts = runJson(runDir);
    landed.SIGKILL!.push(`${describeMoment(moment)}: saw ${seen}, run.json at ${facts.phase}${facts.end ? ` (${facts.end})` : ''}`);
    // Nodes notice their controller is gone (FAULTLINE_PARENT_PID) within a second or two; the reaper ends paused ones.
    expect(await leftBehind(runDir, 15_000)).toEqual([]);
    readHistory(runDir);
    const again = await recheck(runDir);
    if (facts.end === undefined) {
      expect(again.exitCode, `${again.stdout}${again.stderr}`).not.toBe(0);
      expect(again.stdout).toMatch(/INCOMPLETE: the controller stopped during \w+ \(killed or crashed\)/);
    }
  }, 120_000);

  it.each(doubleMoments.map((m, i) => [i + 1, describeMoment(m), m] as const))('double Ctrl-C %i (%s) stops at once and leaves a history that re-checks', async (i, _, moment) => {
    const { child, runDir } = await startRun(300 + i);
    const seen = await reach(runDir, moment, child);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    await sleep(1200);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const result = await child;
    const facts = runJson(runDir);
    landed['double Ctrl-C']!.push(`${describeMoment(moment)}: saw ${seen}, run.json at ${facts.phase}${facts.end ? ` (${facts.end})` : ''}, exit ${result.exitCode}`);
    if (facts.end === undefined) expect(result.exitCode).toBe(130);
    expect(await leftBehind(runDir, 10_000)).toEqual([]);
    readHistory(runDir);
    const again = await recheck(runDir);
    expect([1, 2], `${again.stdout}${again.stderr}`).toContain(again.exitCode);
  }, 120_000);

  it('says where each stop landed', () => {
    for (const [kind, where] of Object.entries(landed)) console.log(`${kind}:\n  ${where.join('\n  ')}`);
  });
});
