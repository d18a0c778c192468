// The db contract: an adapter that starts one database on a node and opens clients for it.
// What a database can do beyond that (serve a register, report a primary) is an optional
// capability, tested with a guard, never by name.
import type { Runtime } from '../runtime/runtime.js';

/** What a db adapter may use while it sets up, restarts and talks to nodes. */
export interface DbContext {
  runtime: Runtime;
  /** The node's directory in the run: logs and data live there. */
  nodeDir(node: string): string;
  /** The resolved test spec (plain data). */
  test: Readonly<Record<string, unknown>> & { seed: number; opTimeoutMs: number };
}

export interface Db {
  readonly name: string;
  /** Starts the database on a node (also how a killed node is restarted). */
  start(node: string, ctx: DbContext): Promise<void>;
  /** Resolves once the nodes serve requests; throws naming a node and its last log lines otherwise. */
  awaitReady(nodes: readonly string[], ctx: DbContext, deadlineMs: number): Promise<void>;
}

/**
 * A failed operation. `definite` means it certainly did not take effect (recorded as `fail`);
 * otherwise it may have (recorded as `info`).
 */
export class OpFailure extends Error {
  constructor(message: string, readonly definite: boolean) {
    super(message);
    this.name = 'OpFailure';
  }
}

/** A connection that reads and writes single registers by key. */
export interface RegisterConnection {
  read(key: string): Promise<unknown>;
  write(key: string, value: unknown): Promise<void>;
  /** True when the value was `from` and is now `to`; false when it was not `from` (nothing changed). */
  cas(key: string, from: unknown, to: unknown): Promise<boolean>;
  close(): Promise<void>;
}

/** A db whose nodes can serve registers. */
export interface RegisterDb extends Db {
  openRegister(node: string, ctx: DbContext): Promise<RegisterConnection>;
}

export function supportsRegister(db: Db): db is RegisterDb {
  return typeof (db as Partial<RegisterDb>).openRegister === 'function';
}

/**
 * A register db without compare-and-set (a leaderless store cannot do it atomically, so it refuses):
 * its connections' cas always fails definitely, and the register workload leaves cas out.
 */
export interface CaslessRegisterDb extends RegisterDb {
  readonly casUnsupported: true;
}

export function lacksCas(db: Db): db is CaslessRegisterDb {
  return (db as Partial<CaslessRegisterDb>).casUnsupported === true;
}

/** A connection that adds elements to sets and reads them, by key. */
export interface SetConnection {
  add(key: string, element: unknown): Promise<void>;
  /** The set's elements (empty when the key is absent). */
  read(key: string): Promise<unknown[]>;
  close(): Promise<void>;
}

/** A db whose nodes can serve sets. */
export interface SetDb extends Db {
  openSet(node: string, ctx: DbContext): Promise<SetConnection>;
}

export function supportsSet(db: Db): db is SetDb {
  return typeof (db as Partial<SetDb>).openSet === 'function';
}

/** A connection that adds to counters (negative amounts where the db allows) and reads them, by key. */
export interface CounterConnection {
  add(key: string, amount: number): Promise<void>;
  /** The counter's value (0 when the key is absent). */
  read(key: string): Promise<number>;
  close(): Promise<void>;
}

/** A db whose nodes can serve counters. */
export interface CounterDb extends Db {
  openCounter(node: string, ctx: DbContext): Promise<CounterConnection>;
}

export function supportsCounter(db: Db): db is CounterDb {
  return typeof (db as Partial<CounterDb>).openCounter === 'function';
}
