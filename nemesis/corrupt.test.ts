// The corrupt fault kills its target before touching its files, changes exactly the planned bytes
// and records them, restarts the node on stop, and is refused where it cannot act honestly.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db-contract.js';
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { NodeFaultOutcome } from '../src/runtime/runtime.js';
import { corruptFault, corruptNemesis, listDataFiles, type CorruptionEvidence } from './corrupt.js';
import type { NemesisContext } from './nemesis.js';

const nodes = ['n1', 'n2', 'n3'];
const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(opts: { refuseDamage?: boolean; startThrows?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'corrupt-test-'));
  dirs.push(root);
  const original = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
  for (const node of nodes) {
    mkdirSync(join(root, node, 'sub'), { recursive: true });
    writeFileSync(join(root, node, 'raft.wal'), original);
    writeFileSync(join(root, node, 'redis.conf'), 'port 1\n');
    writeFileSync(join(root, node, 'sub', 'x.log'), 'abc');
  }
  const dead = new Set<string>();
  const events: string[] = [];
  const runtime = {
    name: 'fake',
    nodes,
    isRunning: (n: string) => !dead.has(n),
    kill: async (n: string): Promise<NodeFaultOutcome> => {
      events.push(`kill ${n}`);
      if (dead.has(n)) return 'not running';
      dead.add(n);
      return 'done';
    },
    dataDir: (n: string) => join(root, n),
  };
  const db = {
    name: 'fake',
    dataFiles: ['*.wal'],
    start: async (n: string) => {
      events.push(`start ${n}`);
      // A careful db: it exits at once when its log is not what it wrote.
      if (!opts.refuseDamage || readFileSync(join(root, n, 'raft.wal')).equals(original)) dead.delete(n);
      else if (opts.startThrows) throw new Error(`node ${n}'s process exited with status 1 right after it started; last log lines:\nwal: crc mismatch`);
    },
    awaitReady: async (ready: string[]) => {
      const down = ready.filter((n) => dead.has(n));
      if (down.length > 0) throw new Error(`node ${down.join(' ')} exited while starting (raft.wal is corrupt); last log lines:\n...`);
    },
  };
  const ctx = { runtime, db, nodes, dbCtx: {}, random: createRandom(3) } as unknown as NemesisContext;
  return { root, original, dead, events, ctx };
}

describe('corrupt nemesis', () => {
  it('lists data files recursively with /-separated paths and sizes', () => {
    const { root } = setup();
    expect(listDataFiles(join(root, 'n1'))).toEqual([{ path: 'raft.wal', bytes: 200, dataBytes: 200 }, { path: 'redis.conf', bytes: 7, dataBytes: 7 }, { path: 'sub/x.log', bytes: 3, dataBytes: 3 }]);
    writeFileSync(join(root, 'n1', 'pre.wal'), Buffer.concat([Buffer.from('ab'), Buffer.alloc(3_000_000)]));
    expect(listDataFiles(join(root, 'n1')).find((f) => f.path === 'pre.wal')).toEqual({ path: 'pre.wal', bytes: 3_000_002, dataBytes: 2 });
  });

  it('kills one node, flips the recorded bits of a data file (never its config), and restarts it on stop', async () => {
    const { root, original, dead, events, ctx } = setup();
    const nemesis = corruptNemesis(ctx, { files: ['**'], modes: ['bitflip'], flipBytes: 3, truncateBytes: 10 }, ['one']);
    const value = (await nemesis.invoke(op('start-corrupt'))) as { nodes: string[]; corruptions: Record<string, CorruptionEvidence> };
    expect(value.nodes).toHaveLength(1);
    const node = value.nodes[0] as string;
    expect([...dead]).toEqual([node]);
    const evidence = value.corruptions[node];
    if (evidence?.mode !== 'bitflip') throw new Error('expected a bitflip');
    expect(evidence.file).toBe('raft.wal');
    const now = readFileSync(join(root, node, 'raft.wal'));
    const changed = [...now.keys()].filter((i) => now[i] !== original[i]);
    expect(changed).toEqual(evidence.flips.map((f) => f.offset));
    for (const f of evidence.flips) {
      expect(f.before).toBe(`0x${(original[f.offset] as number).toString(16).padStart(2, '0')}`);
      expect(now[f.offset]).toBe(Number(f.after));
      expect((original[f.offset] as number) ^ (now[f.offset] as number)).toBe(1 << f.bit);
    }
    expect(readFileSync(join(root, node, 'redis.conf'), 'utf8')).toBe('port 1\n');
    expect(events).toEqual([`kill ${node}`]);
    await nemesis.invoke(op('stop-corrupt'));
    expect(dead.size).toBe(0);
    expect(events).toEqual([`kill ${node}`, `start ${node}`]);
  });

  it('records a node that refuses its damaged files, puts the original bytes back and starts it', async () => {
    const { root, original, dead, events, ctx } = setup({ refuseDamage: true });
    const nemesis = corruptNemesis(ctx, { files: ['**'], modes: ['bitflip', 'truncate'], flipBytes: 2, truncateBytes: 50 }, ['majority']);
    const value = (await nemesis.invoke(op('start-corrupt'))) as { nodes: string[] };
    expect(value.nodes).toHaveLength(2);
    const stopped = (await nemesis.invoke(op('stop-corrupt'))) as { nodes: string[]; refused: Record<string, string>; description: string };
    expect(dead.size).toBe(0);
    expect(stopped.nodes).toEqual(value.nodes);
    expect(Object.keys(stopped.refused)).toEqual(value.nodes);
    expect(stopped.refused[value.nodes[0] as string]).toBe(`node ${value.nodes[0]} exited while starting (raft.wal is corrupt)`);
    expect(stopped.description).toMatch(/refused its damaged files .*; put the original bytes back and started it/);
    for (const node of value.nodes) {
      expect(readFileSync(join(root, node, 'raft.wal')).equals(original)).toBe(true);
      expect(events.filter((e) => e === `start ${node}`)).toHaveLength(2);
    }
  });

  it('counts a start that throws on the damaged files as a refusal too', async () => {
    const { root, original, dead, ctx } = setup({ refuseDamage: true, startThrows: true });
    const nemesis = corruptNemesis(ctx, { files: ['**'], modes: ['truncate'], flipBytes: 1, truncateBytes: 50 }, ['one']);
    const value = (await nemesis.invoke(op('start-corrupt'))) as { nodes: string[] };
    const node = value.nodes[0] as string;
    const stopped = (await nemesis.invoke(op('stop-corrupt'))) as { refused: Record<string, string> };
    expect(stopped.refused).toEqual({ [node]: `node ${node}'s process exited with status 1 right after it started` });
    expect(dead.size).toBe(0);
    expect(readFileSync(join(root, node, 'raft.wal')).equals(original)).toBe(true);
  });

  it('fails stop in one line when the refused files changed since and cannot be put back', async () => {
    const { root, dead, ctx } = setup({ refuseDamage: true });
    const nemesis = corruptNemesis(ctx, { files: ['**'], modes: ['bitflip'], flipBytes: 1, truncateBytes: 50 }, ['one']);
    const value = (await nemesis.invoke(op('start-corrupt'))) as { nodes: string[] };
    const node = value.nodes[0] as string;
    writeFileSync(join(root, node, 'raft.wal'), 'repaired by the db');
    await expect(nemesis.invoke(op('stop-corrupt'))).rejects.toThrow(new RegExp(`^could not restart ${node} \\(refused its damaged files \\(node ${node} exited while starting \\(raft.wal is corrupt\\)\\), and they could not be put back: raft.wal is 18 bytes, no longer 200\\)$`));
    expect(dead.has(node)).toBe(true);
  });

  it('truncates within the bound and records the bytes it cut', async () => {
    const { root, original, ctx } = setup();
    const nemesis = corruptNemesis(ctx, { files: ['raft.*'], modes: ['truncate'], flipBytes: 1, truncateBytes: 10 }, ['all']);
    const value = (await nemesis.invoke(op('start-corrupt'))) as { nodes: string[]; corruptions: Record<string, CorruptionEvidence> };
    expect(value.nodes).toEqual(nodes);
    for (const node of nodes) {
      const e = value.corruptions[node];
      if (e?.mode !== 'truncate') throw new Error('expected a truncation');
      expect(statSync(join(root, node, 'raft.wal')).size).toBe(e.toBytes);
      expect(200 - e.toBytes).toBeGreaterThanOrEqual(1);
      expect(200 - e.toBytes).toBeLessThanOrEqual(10);
      expect(e.cut).toBe(original.subarray(e.toBytes).toString('hex'));
    }
  });

  it('fails in one line when no data file matches, after the kill (stop restarts the node)', async () => {
    const { ctx, dead } = setup();
    const nemesis = corruptNemesis(ctx, { files: ['*.aof'], modes: ['bitflip'], flipBytes: 1, truncateBytes: 10 }, ['one']);
    await expect(nemesis.invoke(op('start-corrupt'))).rejects.toThrow(/^nothing corrupted: n\d \(no data file with non-zero bytes matches \*\.wal and --corrupt-files \*\.aof/);
    expect(dead.size).toBe(1);
    await nemesis.invoke(op('stop-corrupt'));
    expect(dead.size).toBe(0);
  });

  it('refuses a db that does not name its data files, a runtime without data dirs, and stays out of --nemesis all', () => {
    const db: Db = { name: 'plain', start: async () => {}, awaitReady: async () => {} };
    expect(corruptFault.canTest(db)).toMatch(/does not name its data files/);
    expect(corruptFault.canTest({ ...db, dataFiles: ['*.wal'] } as Db)).toBe(true);
    expect(corruptFault.canRunOn({ name: 'bare' } as never)).toBe('the bare runtime cannot reach node data directories');
    expect(corruptFault.leftOutOfAll).toMatch(/acknowledged/);
  });
});
