// A database described by itself (issue 13): its name, options, the runtimes it can run on and the
// adapter it makes from resolved options. What clients it serves is read from the adapter (the
// methods it has), so a workload's needs are checked against the database before any node starts.
// The built-in databases are made with defineDb, as a user's database is.
import { supportsBank, supportsCounter, supportsRegister, supportsSessions, supportsSet, supportsTxn, supportsRwRegister, type Db } from '../db-contract.js';
import { assertSchema, type OptionContext, type OptionSchema, type OptionValues } from './options.js';

/** Where nodes run. */
export const RUNTIME_NAMES = ['local', 'docker', 'ssh'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** The kinds of client a workload can ask a database for, and the adapter method that serves each. */
export const CLIENT_KINDS = {
  register: 'openRegister',
  set: 'openSet',
  counter: 'openCounter',
  txn: 'openTxn',
  'rw-register': 'openRwRegister',
  bank: 'openBank',
  session: 'startSession',
} as const;
export type ClientKind = keyof typeof CLIENT_KINDS;

/** What each client kind is, in the words of a refusal ("workload bank needs bank accounts"). */
export const CLIENT_KIND_WORDS: Record<ClientKind, string> = {
  register: 'registers (read, write, cas)',
  set: 'sets (add, read)',
  counter: 'counters (add, read)',
  txn: 'list-append transactions',
  'rw-register': 'read/write register transactions',
  bank: 'bank accounts (transfer, read all)',
  session: 'client sessions (version tokens)',
};

/** The client kinds an adapter serves. */
export function clientKindsOf(db: Db): ClientKind[] {
  const guards: Record<ClientKind, (db: Db) => boolean> = {
    register: supportsRegister,
    set: supportsSet,
    counter: supportsCounter,
    txn: supportsTxn,
    'rw-register': supportsRwRegister,
    bank: supportsBank,
    session: supportsSessions,
  };
  return (Object.keys(guards) as ClientKind[]).filter((kind) => guards[kind](db));
}

export interface DbDefinition<S extends OptionSchema = OptionSchema> {
  readonly kind: 'db';
  /** The name in --db and in test.json. */
  readonly name: string;
  /** One line for --help and the README's table. */
  readonly description: string;
  readonly options: S;
  /** The runtimes its nodes can run on. */
  readonly runtimes: readonly RuntimeName[];
  /** Checks that need several options at once (R at most N); throws one line naming the flags. */
  validate(values: OptionValues<S>, ctx: OptionContext): void;
  /** Words the run's default name takes from these options (e.g. the store mode). */
  describe(values: OptionValues<S>): string[];
  /** The adapter for these options. Making it starts nothing, so it is also how a stored run learns what the database served. */
  create(values: OptionValues<S>): Db;
  /** The file the definition was loaded from, for user definitions (set by the loader). */
  readonly source?: string;
}

export interface DbDefinitionInput<S extends OptionSchema> {
  name: string;
  description: string;
  options?: S;
  runtimes: readonly RuntimeName[];
  validate?(values: OptionValues<S>, ctx: OptionContext): void;
  describe?(values: OptionValues<S>): string[];
  create(values: OptionValues<S>): Db;
}

/** Makes a database definition; a wrong one is refused here in one line naming the field and what was expected. */
export function defineDb<S extends OptionSchema = Record<string, never>>(input: DbDefinitionInput<S>): DbDefinition<S> {
  const given = input as unknown as Record<string, unknown>;
  const owner = ownerOf('db', given);
  assertName(owner, given['name']);
  assertDescription(owner, given['description']);
  const runtimes = given['runtimes'];
  if (!Array.isArray(runtimes) || runtimes.length === 0 || !runtimes.every((r) => (RUNTIME_NAMES as readonly unknown[]).includes(r))) {
    throw new Error(`${owner}: runtimes ${JSON.stringify(runtimes)} is not valid; expected a non-empty list of ${RUNTIME_NAMES.join(', ')}`);
  }
  assertFunction(owner, given, 'create', '(options) => adapter with start() and awaitReady()');
  assertFunction(owner, given, 'validate', '(options, ctx) => void, throwing one line', true);
  assertFunction(owner, given, 'describe', '(options) => words for the run name', true);
  const options = (input.options ?? {}) as S;
  assertSchema(options, owner);
  return {
    kind: 'db',
    name: input.name,
    description: input.description,
    options,
    runtimes: [...input.runtimes],
    validate: input.validate ?? (() => undefined),
    describe: input.describe ?? (() => []),
    create: input.create,
  };
}

/** "db nats" or "db (unnamed)": how refusals name a part being defined. */
export function ownerOf(kind: string, given: Record<string, unknown>): string {
  return `${kind} ${typeof given['name'] === 'string' ? given['name'] : '(unnamed)'}`;
}

export function assertName(owner: string, name: unknown): void {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new Error(`${owner}: name ${JSON.stringify(name)} is not valid; expected lower-case letters, digits and dashes, starting with a letter`);
  }
}

export function assertDescription(owner: string, description: unknown): void {
  if (typeof description !== 'string' || description === '') throw new Error(`${owner}: description is missing; expected one line for --help`);
}

export function assertFunction(owner: string, given: Record<string, unknown>, field: string, expected: string, optional = false): void {
  const value = given[field];
  if (optional && value === undefined) return;
  if (typeof value !== 'function') throw new Error(`${owner}: ${field} is ${value === undefined ? 'missing' : `a ${typeof value}`}; expected a function ${expected}`);
}
