import { describe, expect, it } from 'vitest';
import { checkSessions } from '../checkers/session.js';
import type { Db, DbContext, RegisterConnection, RegisterDb, SessionDb } from '../src/db-contract.js';
import { clients, timeLimit } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { simulate } from '../src/simulate.js';
import type { TestSpec } from '../src/spec.js';
import { sessionWorkload, type SESSIONS } from './session.js';

const nodes = ['n1', 'n2', 'n3'];
const options = (session: (typeof SESSIONS)[number]) => ({ nodes, concurrency: 6, rate: 1000, session, keys: 3, quiesceS: 1 });
const connection = (): RegisterConnection => ({ read: async () => null, write: async () => {}, cas: async () => false, close: async () => {} });
const registers: RegisterDb = { name: 'fake', start: async () => {}, awaitReady: async () => {}, openRegister: async () => connection() };

/**
 * Runs the main phase against a store that never replicates: every node keeps only the writes made
 * through it (the extreme of asynchronous replication).
 */
async function runIsolatedNodes(session: (typeof SESSIONS)[number]): Promise<Op[]> {
  const workload = sessionWorkload(registers, {} as DbContext, options(session));
  const copies = new Map(nodes.map((n) => [n, new Map<number, unknown>()]));
  const complete = (invoke: Op) => {
    const [key, value] = invoke.value as [number, unknown];
    // Without a node of its own choosing, an op goes to its process's node.
    const copy = copies.get(invoke.node ?? nodes[(invoke.process as number) % nodes.length]!)!;
    if (invoke.f === 'write') copy.set(key, value);
    return { type: 'ok' as const, value: invoke.f === 'read' ? [key, copy.get(key) ?? null] : invoke.value };
  };
  return simulate(clients(timeLimit(1e9, workload.generator)), { concurrency: 6, complete });
}

describe('the session workload', () => {
  it('spreads ops over every process, writes values unique per key, and sends ops to random nodes unless sticky', async () => {
    const history = await runIsolatedNodes('none');
    const invokes = history.filter((o) => o.type === 'invoke');
    const perProcess = [0, 1, 2, 3, 4, 5].map((p) => invokes.filter((o) => o.process === p).length);
    expect(Math.min(...perProcess)).toBeGreaterThan(invokes.length / 6 / 2);
    const writes = history.filter((o) => o.type === 'invoke' && o.f === 'write').map((o) => JSON.stringify(o.value));
    expect(writes.length).toBeGreaterThan(100);
    expect(new Set(writes).size).toBe(writes.length);
    expect(new Set(history.filter((o) => o.type === 'invoke').map((o) => o.node))).toEqual(new Set(nodes));
    const sticky = await runIsolatedNodes('sticky');
    expect(sticky.filter((o) => o.type === 'invoke').every((o) => o.node === undefined)).toBe(true);
  });

  it('lets the session checker tell random nodes (read-your-writes broken) from sticky ones on a store that never replicates', async () => {
    const none = checkSessions(await runIsolatedNodes('none'));
    expect(none.valid).toBe(false);
    expect(none.counts['read-your-writes']).toBeGreaterThan(0);
    expect(checkSessions(await runIsolatedNodes('sticky')).valid).toBe(true);
  });

  it('routes each op to its node over one connection per node, through the db session with tokens', async () => {
    const opened: string[] = [];
    const sessions: string[] = [];
    const db: SessionDb = {
      ...registers,
      startSession: () => {
        sessions.push('started');
        return { openRegister: async (node) => (opened.push(`session:${node}`), connection()) };
      },
    };
    const client = await sessionWorkload(db, {} as DbContext, options('tokens')).open('n1');
    const op = (node: string, f = 'read'): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f, value: [0, f === 'read' ? null : 7], node });
    expect(await client.invoke(op('n2'))).toEqual({ type: 'ok', value: [0, null] });
    expect(await client.invoke(op('n2', 'write'))).toEqual({ type: 'ok', value: [0, 7] });
    await client.invoke(op('n3'));
    expect(opened).toEqual(['session:n1', 'session:n2', 'session:n3']);
    expect(sessions).toEqual(['started']);
  });

  it('refuses a db without registers, and tokens on a db without sessions, naming them', () => {
    expect(() => sessionWorkload({ name: 'plain' } as Db, {} as DbContext, options('none'))).toThrow('db "plain" cannot run the session workload');
    expect(() => sessionWorkload(registers, {} as DbContext, options('tokens'))).toThrow('db "fake" has no client sessions, so --session tokens cannot run');
  });
});
