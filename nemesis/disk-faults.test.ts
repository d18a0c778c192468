// The disk faults (disk, lose-unsynced) act through a runtime's FaultyDisks: lose-unsynced kills
// its targets and then drops their unsynced writes, naming what each lost; disk fills and frees
// disks and restarts on stop only the nodes that died while their disk was full.
import { describe, expect, it } from 'vitest';
import type { Db, DbContext } from '../src/db-contract.js';
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { LostWrites, NodeFaultOutcome } from '../src/runtime/runtime.js';
import { diskFault, diskNemesis } from './disk.js';
import { describeLoss, formatBytes, loseUnsyncedFault, loseUnsyncedNemesis } from './lose-unsynced.js';
import type { NemesisContext } from './nemesis.js';
import { LocalRuntime } from '../src/runtime/local.js';

const nodes = ['n1', 'n2', 'n3'];
const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });

/** A runtime with faulty disks: each node's unsynced bytes, its disk's room when full, its liveness. */
function fakeRuntime() {
  const dead = new Set<string>();
  const unsynced = new Map<string, number>(nodes.map((n) => [n, 100]));
  const full = new Map<string, number>();
  const calls: string[] = [];
  const runtime = {
    name: 'fake',
    nodes,
    isRunning: (n: string) => !dead.has(n),
    kill: async (n: string): Promise<NodeFaultOutcome> => {
      calls.push(`kill ${n}`);
      if (dead.has(n)) return 'not running';
      dead.add(n);
      return 'done';
    },
    faultyDiskSupport: () => true as const,
    loseUnsynced: async (n: string): Promise<LostWrites> => {
      if (!dead.has(n)) throw new Error(`${n} still runs`);
      calls.push(`lose ${n}`);
      const bytes = unsynced.get(n) ?? 0;
      unsynced.set(n, 0);
      return bytes > 0 ? { files: 1, bytes, truncations: 0, paths: ['wal'] } : { files: 0, bytes: 0, truncations: 0, paths: [] };
    },
    fillDisk: async (n: string, room: number) => {
      calls.push(`fill ${n}`);
      full.set(n, room);
    },
    freeDisk: async (n: string) => {
      calls.push(`free ${n}`);
      full.delete(n);
    },
  };
  const started: string[] = [];
  const db = {
    name: 'fake',
    start: async (n: string) => {
      started.push(n);
      dead.delete(n);
    },
  } as unknown as Db;
  const ctx = { runtime, db, dbCtx: {} as DbContext, nodes, random: createRandom(1) } as unknown as NemesisContext;
  return { ctx, dead, unsynced, full, calls, started };
}

describe('lose-unsynced', () => {
  it('kills its targets before dropping what they did not fsync, and names what each lost', async () => {
    const { ctx, dead, calls } = fakeRuntime();
    const value = (await loseUnsyncedNemesis(ctx, ['all']).invoke(op('start-lose-unsynced'))) as { nodes: string[]; lost: Record<string, LostWrites>; description: string };
    expect(value.nodes).toEqual(nodes);
    expect([...dead].sort()).toEqual(nodes);
    for (const n of nodes) expect(calls.indexOf(`kill ${n}`)).toBeLessThan(calls.indexOf(`lose ${n}`));
    expect(value.lost['n2']).toEqual({ files: 1, bytes: 100, truncations: 0, paths: ['wal'] });
    expect(value.description).toBe('killed n1 n2 n3 and lost their unsynced writes: n1 100 B in 1 file (wal); n2 100 B in 1 file (wal); n3 100 B in 1 file (wal)');
  });

  it('loses the page cache of a node already dead too, and restarts every dead node on stop', async () => {
    const { ctx, dead, started } = fakeRuntime();
    dead.add('n1');
    const nemesis = loseUnsyncedNemesis(ctx, ['all']);
    const value = (await nemesis.invoke(op('start-lose-unsynced'))) as { nodes: string[] };
    expect(value.nodes).toEqual(nodes);
    const stop = (await nemesis.invoke(op('stop-lose-unsynced'))) as { nodes: string[] };
    expect(stop.nodes).toEqual(nodes);
    expect(started).toEqual(nodes);
    expect(dead.size).toBe(0);
  });

  it('describes losses in bytes a reader can take in', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(2100)).toBe('2.1 kB');
    expect(formatBytes(3_400_000)).toBe('3.4 MB');
    expect(describeLoss('n1', { files: 0, bytes: 0, truncations: 0, paths: [] })).toBe('n1 nothing unsynced');
    expect(describeLoss('n2', { files: 20, bytes: 5000, truncations: 1, paths: ['a', 'b'] })).toBe('n2 5.0 kB in 20 files (a, b, 18 more)');
    expect(describeLoss('n3', { files: 1, bytes: 0, truncations: 1, paths: ['wal/0.tmp'] })).toBe('n3 the size change of 1 file (wal/0.tmp)');
  });
});

describe('disk', () => {
  it('fills the targets\' disks with the room asked for, and frees them on stop', async () => {
    const { ctx, full } = fakeRuntime();
    const nemesis = diskNemesis(ctx, ['all'], 4096);
    const value = (await nemesis.invoke(op('start-disk'))) as { nodes: string[]; roomBytes: number; description: string };
    expect(value).toMatchObject({ nodes, roomBytes: 4096, description: 'filled the disks of n1 n2 n3 but 4.1 kB' });
    expect([...full.values()]).toEqual([4096, 4096, 4096]);
    const stop = (await nemesis.invoke(op('stop-disk'))) as { nodes: string[]; restarted: string[]; description: string };
    expect(stop).toEqual({ nodes, restarted: [], description: 'freed the disks of n1 n2 n3' });
    expect(full.size).toBe(0);
  });

  it('restarts on stop the nodes that died while their disk was full, and no other dead node', async () => {
    const { ctx, dead, started } = fakeRuntime();
    dead.add('n3'); // dead before: another fault's to restart
    const nemesis = diskNemesis(ctx, ['all']);
    await nemesis.invoke(op('start-disk'));
    dead.add('n1'); // the database gave up on a full disk
    const stop = (await nemesis.invoke(op('stop-disk'))) as { restarted: string[]; description: string };
    expect(stop.restarted).toEqual(['n1']);
    expect(started).toEqual(['n1']);
    expect(stop.description).toBe('freed the disks of n1 n2 n3; restarted n1, which died meanwhile');
    expect(dead.has('n3')).toBe(true);
  });

  it('stops with nothing to free when no disk is full', async () => {
    const { ctx } = fakeRuntime();
    expect(await diskNemesis(ctx).invoke(op('stop-disk'))).toEqual({ nodes: [], restarted: [], description: 'no disk was full' });
  });
});

describe('the disk faults\' definitions', () => {
  it('ask for faulty disks, and a runtime without them is refused in one line', () => {
    for (const fault of [diskFault, loseUnsyncedFault]) {
      expect(fault.faultyDisk).toBe(true);
      expect(fault.canRunOn({ name: 'remote' } as never)).toBe('the remote runtime has no faulty disks (faultfs); use --runtime local or docker');
      const local = fault.canRunOn(new LocalRuntime(['n1']));
      expect(local === true || /faultfs|fuse|gcc|pkg-config/.test(local)).toBe(true);
    }
  });
});
