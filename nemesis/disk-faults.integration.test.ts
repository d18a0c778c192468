// The disk faults on real local runs of the bundled store: lose-unsynced loses what a node did
// not fsync and the history says how much; disk makes writes fail with ENOSPC in the node's log;
// and no faultfs mount is left after a run, whether it ends, is interrupted (SIGINT) or its
// controller is killed (SIGKILL).
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fuse, systemHas } from '../test-support/system-tests.js';
import { mountedFaultfs } from '../src/runtime/faultfs.js';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const hasFuse = await systemHas(fuse);

function runArgs(store: string, nemesis: string, extra: string[] = []): string[] {
  return ['test', '--db', 'bundled', '--nodes', '3', '--workload', 'register', '--time-limit', '8', '--nemesis', nemesis, '--nemesis-interval', '2', '--seed', '3', '--store', store, ...extra];
}

function onlyRun(store: string): string {
  const [name] = readdirSync(store);
  const runs = readdirSync(join(store, name!)).filter((d) => d !== 'latest');
  return join(store, name!, runs[0]!);
}

function nemesisOps(runDir: string): { f: string; type: string; value?: Record<string, unknown> }[] {
  return readFileSync(join(runDir, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((op) => op.process === 'nemesis' && op.type !== 'invoke');
}

async function noMountUnder(store: string, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = mountedFaultfs().filter((p) => p.startsWith(`${store}/`));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

describe.runIf(hasFuse)('disk faults on the local runtime', () => {
  it('lose-unsynced with --fsync never loses writes, names them in the history, and leaves no mount', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultfs-it-'));
    await execa('node', [bin, ...runArgs(store, 'lose-unsynced', ['--fsync', 'never', '--nemesis-targets', 'all'])], { reject: false });
    const starts = nemesisOps(onlyRun(store)).filter((op) => op.f === 'start-lose-unsynced' && op.type === 'info');
    expect(starts.length).toBeGreaterThan(0);
    const lostBytes = starts.flatMap((op) => Object.values(op.value!['lost'] as Record<string, { bytes: number }>)).reduce((sum, l) => sum + l.bytes, 0);
    expect(lostBytes).toBeGreaterThan(0);
    expect(await noMountUnder(store, 1000)).toEqual([]);
  }, 120_000);

  it('disk makes the node log ENOSPC while full, and frees it on stop', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultfs-it-'));
    await execa('node', [bin, ...runArgs(store, 'disk', ['--nemesis-targets', 'all'])], { reject: false });
    const runDir = onlyRun(store);
    const ops = nemesisOps(runDir);
    expect(ops.filter((op) => op.f === 'start-disk' && op.type === 'info').length).toBeGreaterThan(0);
    expect(ops.filter((op) => op.f === 'stop-disk' && op.type === 'info').length).toBeGreaterThan(0);
    const logs = readdirSync(join(runDir, 'nodes')).map((n) => readFileSync(join(runDir, 'nodes', n, 'node.log'), 'utf8')).join('\n');
    expect(logs).toMatch(/ENOSPC/);
    expect(await noMountUnder(store, 1000)).toEqual([]);
  }, 120_000);

  it.each(['SIGINT', 'SIGKILL'] as const)('leaves no mount when the controller gets %s mid-run', async (signal) => {
    const store = mkdtempSync(join(tmpdir(), 'faultfs-it-'));
    const child = execa('node', [bin, ...runArgs(store, 'lose-unsynced')], { reject: false, detached: true });
    const deadline = Date.now() + 60_000;
    while (mountedFaultfs().filter((p) => p.startsWith(`${store}/`)).length < 3 && Date.now() < deadline) await sleep(100);
    expect(mountedFaultfs().filter((p) => p.startsWith(`${store}/`))).toHaveLength(3);
    await sleep(2000);
    process.kill(-child.pid!, signal);
    await child;
    expect(await noMountUnder(store, 5000)).toEqual([]);
  }, 120_000);
});
