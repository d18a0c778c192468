// The memory fault on the local runtime, for real: a node's process starts in a cgroup of its own,
// its limit is set and lifted, the kernel's OOM killer is counted and logged as a node event, and
// no cgroup of the run is left afterwards, whether the run ends, or its controller is SIGKILLed.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryCgroups, systemHas } from '../test-support/system-tests.js';
import { LocalRuntime } from '../src/runtime/local.js';
import { runCgroupName } from '../src/runtime/local-reaper.js';
import { findMemoryCgroups, FAULTLINE_CGROUP, type CgroupLayout } from '../src/runtime/memory-cgroup.js';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const NO_LIMIT_V1 = '9223372036854771712';

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe.runIf(await systemHas(memoryCgroups))('the memory fault on the local runtime', () => {
  const layout = findMemoryCgroups() as CgroupLayout;
  const top = join(layout.root, FAULTLINE_CGROUP);
  const limitFile = (dir: string) => readFileSync(join(dir, layout.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'), 'utf8').trim();
  const lifted = layout.version === 1 ? NO_LIMIT_V1 : 'max';
  const subdirs = (dir: string) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []);
  const runsOf = (pid: number) => subdirs(top).filter((name) => name.startsWith(`${pid}-`));

  it('limits a node in its own cgroup, counts and logs its OOM kill, lifts the limit and leaves no cgroup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-memory-it-'));
    mkdirSync(join(dir, 'n1'));
    const log = join(dir, 'n1', 'node.log');
    const runtime = new LocalRuntime(['n1'], { memoryLimits: true });
    await runtime.setup();
    const cgroup = join(top, runCgroupName(), 'n1');
    try {
      // Allocates 1 MB every 20 ms, keeping the last 40: it holds ~40 MB and always allocates more.
      await runtime.spawn('n1', { command: process.execPath, args: ['-e', 'const a=[];setInterval(()=>{a.push(Buffer.alloc(1e6,1));if(a.length>40)a.shift()},20)'] }, log);
      await sleep(1500);
      expect(readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').trim().split('\n')).toHaveLength(1);
      const inUse = (await runtime.memoryUsage('n1'))!;
      expect(inUse).toBeGreaterThan(20e6);
      const limit = await runtime.limitMemory('n1', inUse * 0.2);
      expect(limitFile(cgroup)).toBe(String(limit.limitBytes));
      await until('the OOM kill', () => !runtime.isRunning('n1'), 20_000);
      expect(await runtime.oomKills('n1')).toBe(1);
      await until('the oom-killed event in the log', () => readFileSync(log, 'utf8').includes('"event":"oom-killed"'), 2_000);
      await runtime.unlimitMemory('n1');
      expect(limitFile(cgroup)).toBe(lifted);
    } finally {
      await runtime.teardown();
    }
    expect(existsSync(join(top, runCgroupName()))).toBe(false);
  });

  it('a run squeezes, records the bytes and limits, lifts every limit, and leaves no cgroup of its own', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-memory-it-'));
    const child = execa('node', [bin, 'test', '--nodes', '3', '--workload', 'register', '--nemesis', 'memory', '--memory-fraction', '0.2', '--nemesis-interval', '2', '--time-limit', '10', '--seed', '3', '--store', store], { reject: false });
    const seen = new Map<string, string>();
    // While it runs: a node's limit, as the kernel has it, is seen below "no limit".
    while (child.exitCode === null) {
      for (const run of runsOf(child.pid!)) {
        for (const node of subdirs(join(top, run))) {
          try {
            const value = limitFile(join(top, run, node));
            if (value !== lifted) seen.set(node, value);
          } catch {
            // removed in between
          }
        }
      }
      await sleep(100);
    }
    const result = await child;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(seen.size).toBeGreaterThan(0);
    expect(runsOf(child.pid!)).toEqual([]);
    const history = readFileSync(join(realpathSync(join(store, 'latest')), 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; f: string; value: Record<string, unknown> });
    const starts = history.filter((op) => op.f === 'start-memory' && op.type !== 'invoke');
    const stops = history.filter((op) => op.f === 'stop-memory' && op.type !== 'invoke');
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) {
      for (const squeeze of Object.values(start.value['limits'] as Record<string, { inUseBytes: number; limitBytes: number }>)) {
        expect(squeeze.inUseBytes).toBeGreaterThan(0);
        expect(squeeze.limitBytes).toBeGreaterThan(0);
      }
    }
    // Every node limited was lifted by a stop (the last one is the final heal's).
    const limited = new Set(starts.flatMap((op) => op.value['nodes'] as string[]));
    const liftedNodes = new Set(stops.flatMap((op) => op.value['nodes'] as string[]));
    expect([...limited].every((n) => liftedNodes.has(n))).toBe(true);
  });

  it('after the controller is SIGKILLed, its reaper removes the cgroups once the nodes are gone', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-memory-it-'));
    const child = execa('node', [bin, 'test', '--nodes', '3', '--workload', 'register', '--nemesis', 'memory', '--nemesis-interval', '1', '--time-limit', '20', '--seed', '4', '--store', store], { reject: false });
    await until('the run\'s node cgroups', () => runsOf(child.pid!).some((run) => subdirs(join(top, run)).length === 3), 60_000);
    await sleep(2000);
    child.kill('SIGKILL');
    await child;
    // It died mid-run (the run never ended); a cgroup is removed only once no process is in it.
    expect(readFileSync(join(store, 'latest', 'run.json'), 'utf8')).not.toContain('"end"');
    await until('the removal of the run\'s cgroups', () => runsOf(child.pid!).length === 0, 20_000);
  });

  it('`faultline cleanup` removes the cgroups of a run whose controller is gone, and spares a live one', async () => {
    // No process has pid 4194304 (above pid_max's largest value): its run is dead.
    const dead = join(top, '4194304-1');
    const live = join(top, runCgroupName());
    for (const dir of [top, dead, join(dead, 'n1'), live]) if (!existsSync(dir)) mkdirSync(dir);
    try {
      const result = await execa('node', [bin, 'cleanup'], { reject: false });
      expect(result.stdout).toContain(`removed 1 memory cgroups (${dead})`);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmdirSync(live);
      if (subdirs(top).length === 0) rmdirSync(top);
    }
  });

  it('after SIGINT the run heals, tears down and leaves no cgroup of its own', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-memory-it-'));
    const child = execa('node', [bin, 'test', '--nodes', '3', '--workload', 'register', '--nemesis', 'memory', '--nemesis-interval', '1', '--time-limit', '20', '--seed', '5', '--store', store], { reject: false });
    await until('the run\'s node cgroups', () => runsOf(child.pid!).some((run) => subdirs(join(top, run)).length === 3), 60_000);
    await sleep(3000);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(runsOf(child.pid!)).toEqual([]);
  });
});
