// The db contract: an adapter that starts one database on a node and opens clients for it. The
// adapters (src/db/, and a user's own) implement it; the core and the workloads use only this.
// What a database can do beyond that (serve a register, report a primary) is an optional
// capability, tested with a guard, never by name.
import type { Runtime } from './runtime/runtime.js';

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
  /**
   * True when reads may be served stale (a replica's possibly old prefix, as etcd's serializable
   * reads or the bundled store's local reads): transactions are then serializable at best.
   */
  readonly staleReads?: boolean;
  /**
   * Why no clock fault can reach this database's processes, when none can (a Go program reads the
   * clock through the vDSO, never libc, so libfaketime cannot shift it). Faults that move clocks
   * are then refused before the run, naming this reason; `--nemesis all` leaves them out. A db
   * whose processes differ says so per process instead (the spawn spec's `clockUnfakeable`).
   */
  readonly clockUnfakeable?: string;
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

/** One client's session: connections to any node that share what the client has written and read. */
export interface DbSession {
  openRegister(node: string): Promise<RegisterConnection>;
}

/**
 * A db with client sessions (version tokens): a read through any connection of a session sees at
 * least what the session wrote and read before, or fails definitely (the node could not catch up).
 */
export interface SessionDb extends RegisterDb {
  startSession(ctx: DbContext): DbSession;
}

export function supportsSessions(db: Db): db is SessionDb {
  return supportsRegister(db) && typeof (db as Partial<SessionDb>).startSession === 'function';
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

/** A list-append micro-op (Elle's): append v to the list at k, or read that list (null until read). */
export type ListMicroOp = ['append', string, unknown] | ['r', string, unknown[] | null];

/** A connection that runs list-append transactions: all micro-ops atomically, in order. */
export interface TxnConnection {
  /** The micro-ops with every read filled in (a key never appended to reads []). */
  txn(mops: readonly ListMicroOp[]): Promise<ListMicroOp[]>;
  close(): Promise<void>;
}

/** A db whose nodes run multi-key transactions. */
export interface TxnDb extends Db {
  openTxn(node: string, ctx: DbContext): Promise<TxnConnection>;
}

export function supportsTxn(db: Db): db is TxnDb {
  return typeof (db as Partial<TxnDb>).openTxn === 'function';
}

/** An rw-register micro-op (Elle's): write v to the register at k, or read it (null until read; null read: never written). */
export type RegisterMicroOp = ['w', string, unknown] | ['r', string, unknown];

/** A connection that runs rw-register transactions: all micro-ops atomically (at the db's isolation level), in order. */
export interface RwRegisterConnection {
  /** The micro-ops with every read filled in (a key never written reads null). */
  txn(mops: readonly RegisterMicroOp[]): Promise<RegisterMicroOp[]>;
  close(): Promise<void>;
}

/** A db whose nodes run multi-key read/write transactions over registers. */
export interface RwRegisterDb extends Db {
  openRwRegister(node: string, ctx: DbContext): Promise<RwRegisterConnection>;
}

export function supportsRwRegister(db: Db): db is RwRegisterDb {
  return typeof (db as Partial<RwRegisterDb>).openRwRegister === 'function';
}

/** Bank accounts: transfers between them and reads of all their balances. */
export interface BankConnection {
  /** Creates the accounts with these balances unless they already exist (so a retry is harmless). */
  createAccounts(balances: Readonly<Record<string, number>>): Promise<void>;
  /** Moves `amount` between accounts; false (nothing changed) when `from` holds less than `amount`. */
  transfer(from: string, to: string, amount: number): Promise<boolean>;
  /** Every account's balance (null for an account that does not exist). */
  read(accounts: readonly string[]): Promise<Record<string, number | null>>;
  close(): Promise<void>;
}

/**
 * A db that can run the bank: with transactions, a transfer and a read of all balances are each one
 * transaction; with counters only, a transfer is a saga (bank-saga.ts: a withdrawal, a deposit, and
 * a compensating deposit back if that certainly failed) and a read reads account after account, so
 * reads see money in flight and faults leave the total wrong.
 */
export interface BankDb extends Db {
  openBank(node: string, ctx: DbContext): Promise<BankConnection>;
}

export function supportsBank(db: Db): db is BankDb {
  return typeof (db as Partial<BankDb>).openBank === 'function';
}

/** An optional capability: knowing which nodes are primaries right now (a leader, a master), so faults can aim at them. */
export interface PrimaryDb extends Db {
  /** The nodes that currently act as primary, as the cluster itself reports them (may be empty). */
  primaries(ctx: DbContext): Promise<string[]>;
}

export function hasPrimaries(db: Db): db is PrimaryDb {
  return typeof (db as Partial<PrimaryDb>).primaries === 'function';
}

/**
 * An optional capability: the remedy an operator would apply, by the database's own manual, to a
 * cluster that does not come back by itself once every fault is healed (Galera's: stop every node
 * and bootstrap the most advanced one). The final phase asks once, after awaitReady failed, then
 * waits for readiness again; run.json records what the remedy did (manualRecovery), and the report
 * shows it, so a cluster that was helped is never taken for one that recovered by itself.
 */
export interface RecoverableDb extends Db {
  /**
   * Looks at the cluster and, when it is in the state the remedy is for, applies it within
   * `deadlineMs`. Resolves to one line saying what it did, or undefined when it did nothing (the
   * cluster was not in that state). Throws, in one line, when the remedy was begun and failed.
   */
  recover(nodes: readonly string[], ctx: DbContext, deadlineMs: number): Promise<string | undefined>;
}

export function canRecover(db: Db): db is RecoverableDb {
  return typeof (db as Partial<RecoverableDb>).recover === 'function';
}

/**
 * A db whose start() keeps the node's data directory as it was (a restart recovers from it), and
 * that names the files in it holding its data, as opposed to configuration it writes at start
 * (redis.conf, ZooKeeper's myid). Faults that change files while a node is down (corrupt) need it.
 */
export interface DataFilesDb extends Db {
  /** Globs, relative to the data directory ('/'-separated; `**` crosses directories), of the data files. */
  readonly dataFiles: readonly string[];
}

export function hasDataFiles(db: Db): db is DataFilesDb {
  const files = (db as Partial<DataFilesDb>).dataFiles;
  return Array.isArray(files) && files.length > 0 && files.every((f) => typeof f === 'string' && f !== '');
}

/** One membership change: a voting member leaves the cluster, or a node (back) joins it. */
export interface MembershipChange {
  op: 'remove' | 'add';
  node: string;
}

/**
 * A db whose cluster membership can change while it runs (Raft configuration changes, etcd's
 * member remove/add). The membership fault asks it which changes are legal now, so it never
 * draws one the db would refuse by design (removing the last voter, adding a member twice).
 */
export interface MembershipDb extends Db {
  /** The voting members now, as the cluster itself reports them (sorted node names). */
  members(ctx: DbContext): Promise<string[]>;
  /** The changes the db can make now, one at a time; empty while a change is still in flight. */
  legalMembershipChanges(ctx: DbContext): Promise<MembershipChange[]>;
  /** Makes one change and resolves once the cluster committed it; throws one line otherwise. */
  changeMembership(change: MembershipChange, ctx: DbContext): Promise<void>;
}

export function hasMembership(db: Db): db is MembershipDb {
  return typeof (db as Partial<MembershipDb>).changeMembership === 'function';
}
