// Nothing outlives a run: after a local run with every fault this machine can make (--nemesis all),
// ended normally or by Ctrl-C in the middle of its faults, no mount, cgroup or process of that run
// is left, and every fault it started was stopped in the history.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultfsMissing } from './runtime/faultfs.js';
import { findMemoryCgroups } from './runtime/memory-cgroup.js';
import { leftoversOf } from '../test-support/leftovers.js';

// Where this machine can make them, --nemesis all mounts faultfs on every node and starts every
// node in a memory cgroup: the live run must show them, so their absence afterwards means something.
const withFaultfs = faultfsMissing() === undefined;
const withCgroups = typeof findMemoryCgroups() !== 'string';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const args = ['test', '--db', 'bundled', '--store-mode', 'raft', '--workload', 'register', '--nodes', '5', '--nemesis', 'all',
  '--nemesis-interval', '1', '--time-limit', '15', '--seed', '3'];

interface HistoryOp {
  type: string;
  f: string;
  process: unknown;
}

function nemesisOps(store: string): HistoryOp[] {
  return readFileSync(join(store, 'latest', 'history.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryOp)
    .filter((op) => op.process === 'nemesis');
}

/** Faults that began (a start op completed) and never got a completed stop op. */
function unstopped(ops: HistoryOp[]): string[] {
  const open = new Map<string, number>();
  for (const op of ops) {
    if (op.type === 'invoke') continue;
    const [verb, ...rest] = op.f.split('-');
    const fault = rest.join('-');
    if (verb === 'start') open.set(fault, (open.get(fault) ?? 0) + 1);
    if (verb === 'stop' && op.type !== 'fail') open.set(fault, 0);
  }
  return [...open].filter(([, n]) => n > 0).map(([fault]) => fault);
}

describe('nothing outlives a run', () => {
  it('leaves no mount, cgroup or process after a run with every fault', async () => {
    const store = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-leftovers-')));
    const child = execa('node', [bin, ...args, '--store', store], { reject: false, all: true });
    const result = await child;
    expect([0, 1, 2], result.all?.slice(-2000)).toContain(result.exitCode);
    const ops = nemesisOps(store);
    expect(ops.filter((op) => op.f.startsWith('start-')).length).toBeGreaterThan(0);
    expect(unstopped(ops)).toEqual([]);
    expect(leftoversOf(store, child.pid!)).toEqual([]);
  });

  it('leaves nothing after Ctrl-C in the middle of the faults', async () => {
    const store = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-leftovers-')));
    const child = execa('node', [bin, ...args, '--store', store], { reject: false, all: true });
        const deadline = Date.now() + 120_000;
    // Wait for a few faults to be in force, then interrupt as a terminal does.
    for (;;) {
      let started = 0;
      try {
        started = nemesisOps(store).filter((op) => op.type !== 'invoke' && op.f.startsWith('start-')).length;
      } catch {
        // not written yet, or a line half written
      }
      if (started >= 6 || child.exitCode !== null || Date.now() > deadline) break;
      await sleep(100);
    }
    // The check sees a live run's node processes, mounts and cgroups, so an empty list after it means they are gone.
    const live = leftoversOf(store, child.pid!);
    expect(live.filter((l) => l.startsWith('process ')).length).toBeGreaterThanOrEqual(5);
    if (withFaultfs) expect(live.filter((l) => l.startsWith('mount ')).length).toBe(5);
    if (withCgroups) expect(live.filter((l) => l.startsWith('cgroup ')).length).toBeGreaterThanOrEqual(1);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all?.slice(-2000)).not.toBe(0);
    expect(unstopped(nemesisOps(store))).toEqual([]);
    expect(leftoversOf(store, child.pid!)).toEqual([]);
  });
});
