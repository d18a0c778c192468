// Interrupting and killing real runs at many moments, from setup to checking, as a terminal does:
// Ctrl-C sends SIGINT to the controller's process group (the nodes have groups of their own), a
// second Ctrl-C stops at once, and SIGKILL gives the controller no chance at all. Whatever the
// moment, no node process or port is left, every started fault is stopped in the history (unless
// the controller was killed), and the run re-checks: as interrupted or incomplete, never valid.
//   FAULTLINE_IT_MOMENTS=10 (default) sets how many moments each kind of stop is tried at.
import { describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const momentCount = Number(process.env.FAULTLINE_IT_MOMENTS ?? 10);
/** Seconds after run.json appears (the run directory exists, setup begins) at which to stop the run. */
const moments = Array.from({ length: momentCount }, (_, i) => (i * 11) / Math.max(1, momentCount - 1));
const runArgs = ['test', '--nodes', '3', '--time-limit', '8', '--nemesis', 'partition,kill,pause', '--nemesis-interval', '0.7', '--rate', '200'];

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
  it.each(moments.map((atS, i) => [i + 1, atS]))('Ctrl-C %i (%f s after setup began) heals, tears down, reports and exits 130', async (i, atS) => {
    const { child, runDir } = await startRun(100 + i);
    await sleep(atS * 1000);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const result = await child;
    const facts = runJson(runDir);
    landed['Ctrl-C']!.push(`${atS.toFixed(1)} s: ${facts.interrupted?.phase ?? `after the run (${facts.end})`}`);
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

  it.each(moments.map((atS, i) => [i + 1, atS]))('SIGKILL %i (%f s after setup began) leaves nothing running and a history that re-checks as incomplete', async (i, atS) => {
    const { child, runDir } = await startRun(200 + i);
    await sleep(atS * 1000);
    const phase = runJson(runDir).phase;
    child.kill('SIGKILL');
    await child;
    landed.SIGKILL!.push(`${atS.toFixed(1)} s: ${phase}${runJson(runDir).end ? ` (${runJson(runDir).end})` : ''}`);
    // Nodes notice their controller is gone (FAULTLINE_PARENT_PID) within a second or two.
    expect(await leftBehind(runDir, 15_000)).toEqual([]);
    readHistory(runDir);
    const again = await recheck(runDir);
    if (runJson(runDir).end === undefined) {
      expect(again.exitCode, `${again.stdout}${again.stderr}`).not.toBe(0);
      expect(again.stdout).toMatch(/INCOMPLETE: the controller stopped during \w+ \(killed or crashed\)/);
    }
  }, 120_000);

  it.each([1, 3, 5].map((atS, i) => [i + 1, atS]))('double Ctrl-C %i (%f s after setup began) stops at once and leaves a history that re-checks', async (i, atS) => {
    const { child, runDir } = await startRun(300 + i);
    await sleep(atS * 1000);
    process.kill(-child.pid!, 'SIGINT');
    await sleep(1500);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const result = await child;
    const facts = runJson(runDir);
    landed['double Ctrl-C']!.push(`${atS} s: ${facts.phase}${facts.end ? ` (${facts.end})` : ''}`);
    if (facts.end === undefined) expect(result.exitCode).toBe(130);
    expect(await leftBehind(runDir, 10_000)).toEqual([]);
    readHistory(runDir);
    const again = await recheck(runDir);
    expect([1, 2], `${again.stdout}${again.stderr}`).toContain(again.exitCode);
  }, 120_000);

  it('says where each stop landed', () => {
    for (const [kind, where] of Object.entries(landed)) console.log(`${kind}: ${where.join('; ')}`);
  });
});
