// The session workload: every process writes unique values to a few shared keys and reads them back,
// each op through a node of its choosing, so the session checker can find read-your-writes,
// monotonic-reads, monotonic-writes and writes-follow-reads violations (checkers/session.ts).
//
//   { f: 'write', value: [k, v], node? } -> ok | fail | info      (v unique per key)
//   { f: 'read',  value: [k, null], node? } -> ok [k, v | null] | fail
//
// `session` is how a process keeps its guarantees. `none`: each op goes to a node drawn at random
// (its `node`), so a read may hit a replica behind the process's last write or last read. `sticky`:
// every op of a process goes to its own node (as a load balancer with sticky sessions). `tokens`:
// random nodes as with none, but the process's connections share the db's session (version tokens:
// a read waits for, or refuses, a node older than what the process wrote or read). Final reads,
// after healing and a quiet period, read every key through each process's own node.
import { session as sessionChecker } from '../checkers/session.js';
import type { Checker } from '../src/checker.js';
import { supportsRegister, supportsSessions, type Db, type DbContext, type RegisterConnection, type SessionDb } from '../src/db-contract.js';
import { eachThread, op, sleep, stagger, type Gen, type OpTemplate } from '../src/generator.js';
import type { Op } from '../src/op.js';
import { option } from '../src/define/options.js';
import { defineWorkload } from '../src/define/workload.js';
import { failedResult, FINAL_QUIESCE_S, type Client, type ClientResult, type Workload, type WorkloadOptions } from '../src/workload.js';

export interface SessionWorkloadOptions extends WorkloadOptions {
  session: (typeof SESSIONS)[number];
  /** Keys are 0..keys-1, shared by every process. */
  keys: number;
  /** Seconds to wait after healing before the final reads (a deposed primary rejoins, replicas catch up). */
  quiesceS: number;
}

/** Keys the session workload shares between its processes. */
export const DEFAULT_SESSION_KEYS = 3;

/** A third of the ops write, so most reads follow a write of the process or of another. */
const WRITE_CHANCE = 1 / 3;

/** Creates the session workload against a db with registers (and sessions, for `tokens`). */
export function sessionWorkload(db: Db, dbCtx: DbContext, options: SessionWorkloadOptions): Workload {
  if (!supportsRegister(db)) throw new Error(`db "${db.name}" cannot run the session workload; expected a db with registers (bundled, etcd, ...)`);
  const sessions = options.session === 'tokens' ? requireSessions(db) : undefined;
  const keys = Array.from({ length: options.keys }, (_, k) => k);
  return {
    name: 'session',
    generator: stagger(1e9 / options.rate, sessionSteps(options, 0)),
    finalGenerator: () => eachThread([sleep(options.quiesceS * 1e9), ...keys.map((k): OpTemplate => ({ f: 'read', value: [k, null] }))]),
    async open(home) {
      const session = sessions?.startSession(dbCtx);
      const openAt = (node: string): Promise<RegisterConnection> => (session ? session.openRegister(node) : db.openRegister(node, dbCtx));
      return sessionClient(openAt, home, await openAt(home));
    },
  };
}

function requireSessions(db: Db): SessionDb {
  if (supportsSessions(db)) return db;
  throw new Error(`db "${db.name}" has no client sessions, so --session tokens cannot run; expected the bundled db in mode raft, primary or quorum`);
}

/** The session workload's checker: the four session guarantees, writes ordered by real time. */
export function sessionCheckers(): Record<string, Checker> {
  return { session: sessionChecker() };
}

/**
 * Ops on random keys (and nodes, unless sticky); the generator gives each to a random idle process,
 * so every process makes its own sequence of writes and reads. Writes write next, next + 1, ...:
 * unique values.
 */
function sessionSteps(options: SessionWorkloadOptions, next: number): Gen {
  return {
    op(ctx) {
      if (ctx.free.length === 0) return 'pending';
      const key = ctx.random.int(options.keys);
      const write = ctx.random.chance(WRITE_CHANCE);
      const template: OpTemplate = write ? { f: 'write', value: [key, next] } : { f: 'read', value: [key, null] };
      if (options.session !== 'sticky') template.node = ctx.random.pick(options.nodes);
      const result = op(template, ctx);
      return result === null || result === 'pending' ? result : [result[0], sessionSteps(options, write ? next + 1 : next)];
    },
  };
}

/** A process's client: one connection per node it has sent an op to, opened on first use. */
function sessionClient(openAt: (node: string) => Promise<RegisterConnection>, home: string, first: RegisterConnection): Client {
  const connections = new Map([[home, first]]);
  const connectionTo = async (node: string): Promise<RegisterConnection> => {
    let connection = connections.get(node);
    if (!connection) {
      connection = await openAt(node);
      connections.set(node, connection);
    }
    return connection;
  };
  return {
    async invoke(o: Op): Promise<ClientResult> {
      const [key, value] = o.value as [number, unknown];
      try {
        const connection = await connectionTo(o.node ?? home);
        switch (o.f) {
          case 'read':
            return { type: 'ok', value: [key, await connection.read(String(key))] };
          case 'write':
            await connection.write(String(key), value);
            return { type: 'ok', value: o.value };
          default:
            return { type: 'fail', value: o.value, error: `session client cannot do f="${o.f}"; expected read | write` };
        }
      } catch (err) {
        return failedResult(o, err, o.f === 'read');
      }
    },
    async close() {
      await Promise.all([...connections.values()].map((c) => c.close()));
    },
  };
}

/** How a process keeps its session guarantees. */
export const SESSIONS = ['none', 'sticky', 'tokens'] as const;

/** The session workload, as --workload session names it. */
export default defineWorkload({
  name: 'session',
  description: 'writes and reads through nodes of each process\'s choosing, checked for the four session guarantees',
  options: {
    session: option.oneOf(SESSIONS, { default: 'none', help: 'none (each op to a random node), sticky (a process keeps to its node), tokens (random nodes, with the database\'s version tokens)' }),
  },
  needs: (options) => (options.session === 'tokens' ? ['register', 'session'] : ['register']),
  describe: (options) => (options.session === 'none' ? [] : [options.session]),
  create: (ctx) => sessionWorkload(ctx.db, ctx.dbCtx, { nodes: ctx.nodes, concurrency: ctx.concurrency, rate: ctx.rate, session: ctx.options.session, keys: DEFAULT_SESSION_KEYS, quiesceS: FINAL_QUIESCE_S }),
  checkers: () => sessionCheckers(),
});
