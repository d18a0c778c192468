// What a user's file may export: a database, workload or fault definition, recognised by its `kind`
// and checked field by field, so that an object that only looks like one (written by hand, or by
// another tool) is refused in one line naming the missing field and the function that makes it.
import type { DbDefinition } from './db.js';
import type { FaultDefinition } from './fault.js';
import type { OptionSchema } from './options.js';
import type { WorkloadDefinition } from './workload.js';

/** The kinds of definition: `--db`, `--workload` and the faults of `--nemesis`. */
export type DefinitionKind = 'db' | 'workload' | 'fault';

/** What every definition has, whatever its kind. */
export interface Definition {
  readonly kind: DefinitionKind;
  readonly name: string;
  readonly description: string;
  readonly options: OptionSchema;
}

/** The definition type of each kind. */
export interface DefinitionOf {
  db: DbDefinition;
  workload: WorkloadDefinition;
  fault: FaultDefinition;
}

/** Any definition: a database, a workload or a fault. */
export type AnyDefinition = DefinitionOf[DefinitionKind];

type FieldType = 'string' | 'number' | 'boolean' | 'function' | 'object';

interface KindFacts {
  /** The word in messages: "database", "workload", "fault". */
  readonly noun: string;
  readonly plural: string;
  /** The function that makes it. */
  readonly maker: string;
  /** Every field the maker sets, and its type. */
  readonly fields: Readonly<Record<string, FieldType>>;
}

const COMMON_FIELDS = { name: 'string', description: 'string', options: 'object' } as const;

/** Facts about each kind, for recognising definitions and for error messages. */
export const KINDS: Readonly<Record<DefinitionKind, KindFacts>> = {
  db: {
    noun: 'database', plural: 'databases', maker: 'defineDb',
    fields: { ...COMMON_FIELDS, runtimes: 'object', validate: 'function', describe: 'function', create: 'function' },
  },
  workload: {
    noun: 'workload', plural: 'workloads', maker: 'defineWorkload',
    fields: { ...COMMON_FIELDS, needs: 'function', keyGroups: 'boolean', describe: 'function', create: 'function', checkers: 'function', report: 'object' },
  },
  fault: {
    noun: 'fault', plural: 'faults', maker: 'defineFault',
    fields: { ...COMMON_FIELDS, healRank: 'number', canRunOn: 'function', fakeClock: 'boolean', create: 'function', canTest: 'function' },
  },
};

/** Every kind's field names: an object with a string name and one of these looks like a definition. */
const DEFINITION_FIELDS = new Set(['description', 'options', 'create', 'healRank', 'canRunOn', 'runtimes', 'ready', 'clients', 'needs', 'checkers']);

/** A value seen in a module: a definition, a would-be definition with what is wrong with it, or something else. */
export type Recognised = { definition: AnyDefinition; problem?: undefined } | { definition?: undefined; problem: string } | undefined;

/** "made with defineDb(...)" for one kind, or with any of the makers when the kind is not known. */
export function madeWith(kind?: DefinitionKind): string {
  if (kind !== undefined) return `made with ${KINDS[kind].maker}(...)`;
  return 'made with defineDb(...), defineWorkload(...) or defineFault(...)';
}

/**
 * Recognises a definition in `value`. `where` names it in a problem ("the default export",
 * `export "nats"`); `expected` is the kind the caller wants, for naming the right maker.
 * Returns undefined when `value` does not look like a definition at all.
 */
export function recognise(value: unknown, where: string, expected?: DefinitionKind): Recognised {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const given = value as Record<string, unknown>;
  const kind = given['kind'];
  if (!isKind(kind)) {
    const looksLikeOne = typeof given['name'] === 'string' && Object.keys(given).some((key) => DEFINITION_FIELDS.has(key));
    if (!looksLikeOne) return undefined;
    if (kind === undefined) return { problem: `${where} has no field "kind"; expected an object ${madeWith(expected)}` };
    return { problem: `${where} has kind ${show(kind)}; expected db, workload or fault, as the define functions set it` };
  }
  const facts = KINDS[kind];
  const owner = `${facts.noun} ${typeof given['name'] === 'string' ? JSON.stringify(given['name']) : '(unnamed)'} (${where})`;
  for (const [field, type] of Object.entries(facts.fields)) {
    const got = given[field];
    if (got === undefined) return { problem: `${owner} has no field "${field}"; expected ${article(type)}, as ${facts.maker}(...) sets it` };
    if (typeOf(got) !== type) return { problem: `${owner}: field "${field}" is ${describe(got)}; expected ${article(type)}, as ${facts.maker}(...) sets it` };
  }
  return { definition: value as AnyDefinition };
}

/** A short description of any value for messages: "a string", "a number (3)", "an array", "undefined". */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return `${article(typeof value)} (${String(value)})`;
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  return article(typeof value);
}

function isKind(value: unknown): value is DefinitionKind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

function typeOf(value: unknown): string {
  return value === null ? 'other' : Array.isArray(value) ? 'object' : typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describe(value);
}
