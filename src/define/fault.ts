// A fault kind described by itself (issue 13): its name, what it needs from the runtime, where it
// stands in the heal order, and how it is made. The built-in faults are made with defineFault,
// as a user's fault will be; nothing else in faultline lists fault names or their heal order.
import type { Db, DbContext } from '../db-contract.js';
import type { Op } from '../op.js';
import type { Random } from '../random.js';
import type { Runtime } from '../runtime/runtime.js';
import { assertSchema, type OptionSchema } from './options.js';

/** Heal ranks of the built-ins: lower heals first (a paused node resumes before killed ones restart, clocks reset before partitions heal). */
export const HEAL_RANK = { pause: 10, kill: 20, clock: 30, partition: 40, packet: 50 } as const;

/** What a nemesis may touch. */
export interface NemesisContext {
  runtime: Runtime;
  db: Db;
  dbCtx: DbContext;
  nodes: readonly string[];
  /** The nemesis's own stream, forked from the test seed. */
  random: Random;
}

/** One fault kind for one run: `start-<fault>` breaks something, `stop-<fault>` repairs it. */
export interface Nemesis {
  readonly fault: string;
  /** Performs a start or stop op and returns what was done (recorded as the completion value). */
  invoke(op: Op): Promise<unknown>;
}

export interface FaultDefinition {
  readonly kind: 'fault';
  /** The name in --nemesis and in op names: start-<name>, stop-<name>. */
  readonly name: string;
  /** One line for --help and the README's table. */
  readonly description: string;
  readonly options: OptionSchema;
  /** Heal order: the final phase stops faults in increasing rank; equal ranks in the order given. */
  readonly healRank: number;
  /** True when the runtime can make this fault at all, else why not (one line, ending in what to use instead). */
  canRunOn(runtime: Runtime): true | string;
  /** The fault's nemesis for one run. */
  create(ctx: NemesisContext): Nemesis;
}

export interface FaultDefinitionInput {
  name: string;
  description: string;
  options?: OptionSchema;
  healRank: number;
  canRunOn?(runtime: Runtime): true | string;
  create(ctx: NemesisContext): Nemesis;
}

/** Makes a fault definition; a wrong one is refused here in one line naming the field and what was expected. */
export function defineFault(input: FaultDefinitionInput): FaultDefinition {
  const given = input as unknown as Record<string, unknown>;
  const owner = `fault ${typeof given['name'] === 'string' ? given['name'] : '(unnamed)'}`;
  if (typeof given['name'] !== 'string' || !/^[a-z][a-z0-9-]*$/.test(given['name'])) {
    throw new Error(`${owner}: name ${JSON.stringify(given['name'])} is not valid; expected lower-case letters, digits and dashes, starting with a letter`);
  }
  if (typeof given['description'] !== 'string' || given['description'] === '') throw new Error(`${owner}: description is missing; expected one line for --help`);
  if (typeof given['healRank'] !== 'number' || !Number.isFinite(given['healRank'])) {
    throw new Error(`${owner}: healRank ${typeof given['healRank'] === 'number' ? String(given['healRank']) : JSON.stringify(given['healRank'])} is not valid; expected a number (lower heals first; built-ins: ${Object.entries(HEAL_RANK).map(([f, r]) => `${f} ${r}`).join(', ')})`);
  }
  if (typeof given['create'] !== 'function') throw new Error(`${owner}: create is missing; expected a function (ctx) => nemesis`);
  if (given['canRunOn'] !== undefined && typeof given['canRunOn'] !== 'function') throw new Error(`${owner}: canRunOn is not a function; expected (runtime) => true | why not`);
  const options = input.options ?? {};
  assertSchema(options, owner);
  return {
    kind: 'fault',
    name: input.name,
    description: input.description,
    options,
    healRank: input.healRank,
    canRunOn: input.canRunOn ?? (() => true),
    create: input.create,
  };
}
