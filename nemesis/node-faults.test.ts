// Node faults say what really happened to each node: a pause of a node a kill just took down is
// skipped and named, an op that reached no node or failed on one throws (so the history records
// it as failed with the reason), and what was done is remembered even when the op fails.
import { describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { createRandom } from '../src/random.js';
import type { Deferred, NodeFaultOutcome } from '../src/runtime/runtime.js';
import { clockNemesis } from './clock.js';
import { killNemesis } from './kill.js';
import type { NemesisContext } from './nemesis.js';
import { actOnNodes, nodeFaultValue } from './node-faults.js';
import { partitionNemesis } from './partition.js';
import { pauseNemesis } from './pause.js';

const nodes = ['n1', 'n2', 'n3'];
const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });

/** A runtime whose nodes are alive or dead as the test says; `broken` nodes' calls fail. */
function fakeRuntime() {
  const dead = new Set<string>();
  const paused = new Set<string>();
  const broken = new Map<string, string>();
  const deferred: Deferred = {};
  const clocks = new Map<string, number>();
  const fail = (node: string) => {
    const why = broken.get(node);
    if (why) throw new Error(why);
  };
  const runtime = {
    name: 'fake',
    nodes,
    isRunning: (n: string) => !dead.has(n),
    kill: async (n: string): Promise<NodeFaultOutcome> => {
      fail(n);
      if (dead.has(n)) return 'not running';
      dead.add(n);
      paused.delete(n);
      return 'done';
    },
    pause: async (n: string): Promise<NodeFaultOutcome> => {
      fail(n);
      if (dead.has(n)) return 'not running';
      if (paused.has(n)) return 'already paused';
      paused.add(n);
      return 'done';
    },
    resume: async (n: string): Promise<NodeFaultOutcome> => {
      fail(n);
      return paused.delete(n) ? 'done' : 'not paused';
    },
    partition: async () => ({ ...deferred }),
    heal: async () => ({ ...deferred }),
    setClock: async (n: string, clock: { offsetS: number }) => {
      fail(n);
      clocks.set(n, clock.offsetS);
    },
    clockOffsetS: (n: string) => clocks.get(n) ?? 0,
  };
  return { runtime, dead, paused, broken, deferred, clocks };
}

function context(runtime: unknown, seed = 1): NemesisContext {
  const db = { name: 'fake', start: async () => undefined, awaitReady: async () => undefined };
  return { runtime, db, dbCtx: {}, nodes, random: createRandom(seed) } as unknown as NemesisContext;
}

/** Runs start ops until one targets every node (pickNodes draws `all` a quarter of the time). */
async function startOnAll(invoke: (op: Op) => Promise<unknown>, f: string): Promise<{ value?: unknown; error?: string }> {
  for (let i = 0; i < 200; i++) {
    try {
      const value = (await invoke(op(f))) as { nodes?: string[]; skipped?: Record<string, string> };
      if ([...(value.nodes ?? []), ...Object.keys(value.skipped ?? {})].length === nodes.length) return { value };
    } catch (err) {
      const message = (err as Error).message;
      if (nodes.every((n) => message.includes(n))) return { error: message };
    }
  }
  throw new Error(`no ${f} op targeted all of ${nodes.join(' ')}`);
}

describe('node faults say which nodes they reached', () => {
  it('a pause draws among the running nodes, never one a kill took down; it fails when none runs', async () => {
    const fake = fakeRuntime();
    fake.dead.add('n2');
    const pause = pauseNemesis(context(fake.runtime));
    const reached = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const value = (await pause.invoke(op('start-pause'))) as { nodes: string[]; skipped?: unknown };
      expect(value.nodes).not.toContain('n2');
      expect(value.skipped).toBeUndefined();
      for (const n of value.nodes) reached.add(n);
      await pause.invoke(op('stop-pause'));
    }
    expect([...reached].sort()).toEqual(['n1', 'n3']);

    const allDead = fakeRuntime();
    for (const n of nodes) allDead.dead.add(n);
    const none = pauseNemesis(context(allDead.runtime));
    await expect(none.invoke(op('start-pause'))).rejects.toThrow(/^no node to pause: n\d(, n\d)* \(not running\)$/);
  });

  it('a pause that failed on one node still resumes, on stop, the nodes it did pause', async () => {
    const fake = fakeRuntime();
    fake.broken.set('n2', 'the Docker engine did not answer `pause` of container c-n2 within 10 s');
    const pause = pauseNemesis(context(fake.runtime));
    const { error } = await startOnAll((o) => pause.invoke(o), 'start-pause');
    expect(error).toBe('could not pause n2 (the Docker engine did not answer `pause` of container c-n2 within 10 s); paused n1 n3');
    expect([...fake.paused].sort()).toEqual(['n1', 'n3']);
    fake.broken.clear();
    const stopped = (await pause.invoke(op('stop-pause'))) as { nodes: string[]; description: string };
    expect(stopped.nodes).toEqual(['n1', 'n3']);
    expect(stopped.description).toBe('resumed n1 n3');
    expect(fake.paused.size).toBe(0);
  });

  it('a resume of a node killed while paused is skipped, not a failure', async () => {
    const fake = fakeRuntime();
    const pause = pauseNemesis(context(fake.runtime));
    await startOnAll((o) => pause.invoke(o), 'start-pause');
    await fake.runtime.kill('n1');
    expect(await pause.invoke(op('stop-pause'))).toMatchObject({ nodes: ['n2', 'n3'], skipped: { n1: 'not paused' }, description: 'resumed n2 n3; skipped n1 (not paused)' });
  });

  it('a kill of nodes that are all dead already fails; a kill that failed on a node names it and what it did kill', async () => {
    const fake = fakeRuntime();
    for (const n of nodes) fake.dead.add(n);
    await expect(killNemesis(context(fake.runtime)).invoke(op('start-kill'))).rejects.toThrow(/^no node to kill: n\d(, n\d)* \(not running\)$/);

    const partly = fakeRuntime();
    partly.broken.set('n3', 'container c-n3 did not exit within 10 s of SIGKILL');
    const { error } = await startOnAll((o) => killNemesis(context(partly.runtime)).invoke(o), 'start-kill');
    expect(error).toBe('could not kill n3 (container c-n3 did not exit within 10 s of SIGKILL); killed n1 n2');
  });

  it('a restart that fails on one node still restarts the others, then fails naming it', async () => {
    const fake = fakeRuntime();
    fake.dead.add('n1');
    fake.dead.add('n2');
    const started: string[] = [];
    const db = {
      name: 'fake',
      start: async (n: string) => {
        if (n === 'n1') throw new Error('the Docker engine did not answer `start` of container c-n1 within 30 s');
        started.push(n);
        fake.dead.delete(n);
      },
      awaitReady: async () => undefined,
    };
    const ctx = { ...context(fake.runtime), db } as unknown as NemesisContext;
    await expect(killNemesis(ctx).invoke(op('stop-kill'))).rejects.toThrow('could not restart n1 (the Docker engine did not answer `start` of container c-n1 within 30 s); restarted n2');
    expect(started).toEqual(['n2']);
  });

  it('a clock fault draws among the running nodes, and fails when none runs', async () => {
    const fake = fakeRuntime();
    fake.dead.add('n3');
    const clock = clockNemesis(context(fake.runtime, 4));
    for (let i = 0; i < 30; i++) {
      const value = (await clock.invoke(op('start-clock'))) as { nodes: string[]; skipped?: unknown };
      expect(value.nodes).not.toContain('n3');
      expect(value.skipped).toBeUndefined();
      await clock.invoke(op('stop-clock'));
    }
    expect(fake.clocks.has('n3')).toBe(false);

    for (const n of nodes) fake.dead.add(n);
    await expect(clockNemesis(context(fake.runtime)).invoke(op('start-clock'))).rejects.toThrow(/^no node to fake the clock of: /);
  });

  it('a partition in force on no node fails; one pending on some nodes says so', async () => {
    const fake = fakeRuntime();
    Object.assign(fake.deferred, { n1: 'not running', n2: 'paused', n3: 'not running' });
    await expect(partitionNemesis(context(fake.runtime)).invoke(op('start-partition'))).rejects.toThrow(/is in force on no node: n1, n3 \(not running\), n2 \(paused\); it lands when they run again$/);

    const some = fakeRuntime();
    some.deferred['n2'] = 'paused';
    const value = (await partitionNemesis(context(some.runtime), ['halves']).invoke(op('start-partition'))) as { description: string; deferred: Deferred };
    expect(value.deferred).toEqual({ n2: 'paused' });
    expect(value.description).toMatch(/; pending on n2 \(paused\) until they run again$/);
    expect(((await partitionNemesis(context(some.runtime)).invoke(op('stop-partition'))) as { description: string }).description).toBe('healed; pending on n2 (paused) until they run again');
  });

  it('nodeFaultValue: stop ops may reach no node; errors list every failed node in order', async () => {
    const result = await actOnNodes(['n3', 'n1', 'n2'], async (n) => {
      if (n !== 'n2') throw new Error(`${n} broke`);
      return 'done';
    });
    expect(() => nodeFaultValue({ verb: 'kill', past: 'killed' }, result, true)).toThrow('could not kill n1 (n1 broke), n3 (n3 broke); killed n2');
    const same = { done: [], skipped: { n4: 'not running' }, failed: { n3: 'the engine is gone', n1: 'the engine is gone', n2: 'frozen' } };
    expect(() => nodeFaultValue({ verb: 'pause', past: 'paused' }, same, true)).toThrow('could not pause n1, n3 (the engine is gone), n2 (frozen); skipped n4 (not running)');
    expect(nodeFaultValue({ verb: 'resume', past: 'resumed' }, { done: [], skipped: {}, failed: {} }, false)).toEqual({ nodes: [], description: 'nothing to resume' });
  });

  it("names the verb and node once when the runtime's error names them too", async () => {
    const result = await actOnNodes(['n1', 'n2'], async (n) => {
      throw new Error(n === 'n1' ? 'cannot fake the clock of n1: etcd is a Go program' : 'cannot fake the clock of n1: not this node');
    });
    expect(result.failed).toEqual({ n1: 'etcd is a Go program', n2: 'cannot fake the clock of n1: not this node' });
    expect(() => nodeFaultValue({ verb: 'fake the clock of', past: 'faked the clock of' }, result, true)).toThrow('could not fake the clock of n1 (etcd is a Go program), n2 (cannot fake the clock of n1: not this node)');
  });
});
