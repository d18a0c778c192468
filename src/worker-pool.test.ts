import { describe, expect, it } from 'vitest';
import { limit, repeat, clients, type Gen } from './generator.js';
import { Interpreter } from './interpreter.js';
import type { Op } from './op.js';
import { createRandom } from './random.js';
import { Deadlines, WorkerPool } from './worker-pool.js';
import type { Client, ClientResult } from './workload.js';

async function runWith(gen: Gen, behave: (op: Op, opened: number) => Promise<ClientResult>, concurrency = 1, openFails = false) {
  let opened = 0;
  const history: Op[] = [];
  const pool = new WorkerPool({
    nodes: ['n1', 'n2'],
    opTimeoutMs: 50,
    nemesisTimeoutMs: 1000,
    open: async (): Promise<Client> => {
      if (openFails) throw new Error('connection refused');
      const me = ++opened;
      return { invoke: (op) => behave(op, me), close: async () => undefined };
    },
  });
  const interpreter = new Interpreter({
    concurrency, nemesis: false, executor: pool, random: createRandom(1),
    record: (op) => history.push(op), nodeOf: (t) => pool.nodeOf(t),
  });
  await interpreter.run(gen);
  await pool.close();
  return { history, opened: () => opened };
}

describe('worker pool', () => {
  it('records ok ops with the node the process is bound to', async () => {
    const { history } = await runWith(limit(2, repeat({ f: 'read' })), async (op) => ({ type: 'ok', value: 5 }), 2);
    expect(history.filter((o) => o.type === 'ok').map((o) => o.value)).toEqual([5, 5]);
    expect(new Set(history.map((o) => o.node))).toEqual(new Set(['n1', 'n2']));
  });

  it('an op the generator sent to another node is recorded there, invocation and completion alike', async () => {
    const { history } = await runWith({ f: 'read', node: 'n2' }, async (op) => ({ type: 'ok', value: op.node }));
    expect(history.map((o) => [o.type, o.node, o.value])).toEqual([['invoke', 'n2', null], ['ok', 'n2', 'n2']]);
  });

  it('an op past its deadline ends info, retires the process, and the next process gets a fresh client', async () => {
    const { history, opened } = await runWith(limit(2, repeat({ f: 'write', value: 1 })), (op, client) =>
      client === 1 ? new Promise(() => undefined) : Promise.resolve({ type: 'ok' }));
    expect(history.map((o) => [o.process, o.type])).toEqual([[0, 'invoke'], [0, 'info'], [1, 'invoke'], [1, 'ok']]);
    expect(history[1]!.error).toMatch(/timed out after 1050 ms/);
    expect(opened()).toBe(2);
  }, 10_000);

  it('a client that throws gives info with the error', async () => {
    const { history } = await runWith({ f: 'cas' }, async () => {
      throw new Error('socket hang up');
    });
    expect(history[1]).toMatchObject({ type: 'info', error: 'socket hang up' });
  });

  it('a client that returns a nonsense type gives info naming it', async () => {
    const { history } = await runWith({ f: 'read' }, async () => ({ type: 'done' }) as unknown as ClientResult);
    expect(history[1]!.type).toBe('info');
    expect(history[1]!.error).toBe('client returned type "done" for op 0 (f=read); expected ok | fail | info');
  });

  it('a client that cannot connect fails the op definitely', async () => {
    const { history } = await runWith({ f: 'read' }, async () => ({ type: 'ok' }), 1, true);
    expect(history[1]).toMatchObject({ type: 'fail', process: 0 });
    expect(history[1]!.error).toMatch(/could not connect to n1: connection refused/);
  });
});

describe('op deadlines', () => {
  it('drop finished ops as they finish, not a timeout later (a run of many fast ops kept them all)', () => {
    const deadlines = new Deadlines(60_000);
    const expired: number[] = [];
    // 5,000 ops, each finishing right after the next one starts: one is running at any time.
    let running = deadlines.add(() => expired.push(0));
    for (let i = 1; i <= 5000; i++) {
      const next = deadlines.add(() => expired.push(i));
      running.done = true;
      deadlines.settled();
      running = next;
    }
    expect(deadlines.held).toBeLessThanOrEqual(1025);
    // An op that never finishes stays, and what was behind it stays behind it.
    const stuck = deadlines.add(() => expired.push(-1));
    for (let i = 0; i < 2000; i++) {
      const op = deadlines.add(() => expired.push(i));
      op.done = true;
      deadlines.settled();
    }
    expect(deadlines.held).toBeGreaterThan(2000);
    expect(stuck.done).toBe(false);
    deadlines.clear();
    expect(expired).toEqual([]);
  });
});
