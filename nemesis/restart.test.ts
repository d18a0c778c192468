import { describe, expect, it } from 'vitest';
import { builtins } from '../src/builtins.js';
import type { Db, DbContext } from '../src/db-contract.js';
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { NodeFaultOutcome, Runtime } from '../src/runtime/runtime.js';
import type { NemesisContext } from './nemesis.js';
import { restartNemesis } from './restart.js';

const nodes = ['n1', 'n2', 'n3'];
const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });

/** Nodes alive or dead, a db whose start brings a node back unless it is told to fail, and a log of what happened. */
function cluster(seed = 1) {
  const dead = new Set<string>();
  const failStart = new Set<string>();
  const log: string[] = [];
  const runtime = {
    nodes,
    isRunning: (n: string) => !dead.has(n),
    kill: async (n: string): Promise<NodeFaultOutcome> => {
      log.push(`kill ${n}`);
      if (dead.has(n)) return 'not running';
      dead.add(n);
      return 'done';
    },
  } as unknown as Runtime;
  const db = {
    name: 'fake',
    start: async (n: string) => {
      log.push(`start ${n}`);
      if (failStart.has(n)) throw new Error('port in use');
      dead.delete(n);
    },
    awaitReady: async () => undefined,
  } as Db;
  const ctx: NemesisContext = { runtime, db, dbCtx: {} as DbContext, nodes, random: createRandom(seed) };
  return { nemesis: restartNemesis(ctx), dead, failStart, log };
}

describe('the restart fault', () => {
  it('kills one running node and starts it again in the same op, so no node stays down', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { nemesis, dead, log } = cluster(seed);
      const value = (await nemesis.invoke(op('start-restart'))) as { node: string; description: string };
      expect(nodes).toContain(value.node);
      expect(log).toEqual([`kill ${value.node}`, `start ${value.node}`]);
      expect(value.description).toBe(`killed ${value.node} and started it again`);
      expect(dead.size).toBe(0);
    }
  });

  it('never picks a dead node, and says so when none runs', async () => {
    const { nemesis, dead, log } = cluster();
    dead.add('n1').add('n2');
    for (let i = 0; i < 5; i++) await nemesis.invoke(op('start-restart'));
    expect(log.filter((l) => l.startsWith('kill'))).toEqual(Array(5).fill('kill n3'));
    dead.add('n3');
    await expect(nemesis.invoke(op('start-restart'))).rejects.toThrow('restart: no node is running; expected one to kill and start again');
  });

  it('names a node that did not come back, and starts it again when the fault heals', async () => {
    const { nemesis, dead, failStart, log } = cluster();
    failStart.add('n1').add('n2').add('n3');
    await expect(nemesis.invoke(op('start-restart'))).rejects.toThrow(/^restart n\d: killed, but it did not start again \(port in use\); the fault's heal starts it again$/);
    expect(dead.size).toBe(1);
    const down = [...dead];
    failStart.clear();
    log.length = 0;
    const healed = (await nemesis.invoke(op('stop-restart'))) as { nodes: string[]; description: string };
    expect(healed.nodes).toEqual(down);
    expect(log).toEqual([`start ${down[0]}`]);
    expect(dead.size).toBe(0);
    expect(healed.description).toBe(`restarted ${down[0]}`);
    expect(((await nemesis.invoke(op('stop-restart'))) as { description: string }).description).toBe('nothing to restart');
  });

  it('is a built-in, found without being listed anywhere, healed with the kills', () => {
    expect(builtins.faults.get('restart')).toMatchObject({ name: 'restart', healRank: builtins.faults.get('kill')?.healRank });
  });
});
