// A fault kind described by itself (issue 13): its name, what it needs from the runtime, where it
// stands in the heal order, and how it is made. The built-in faults are made with defineFault,
// as a user's fault will be; nothing else in faultline lists fault names or their heal order.
import type { Db, DbContext } from '../db-contract.js';
import type { Op } from '../op.js';
import type { Random } from '../random.js';
import type { Runtime } from '../runtime/runtime.js';
import { assertDescription, assertFunction, assertName, ownerOf } from './db.js';
import { assertSchema, type OptionSchema, type OptionValues } from './options.js';

/**
 * Heal ranks of the built-ins: lower heals first. Memory limits lift and full disks are freed
 * before a paused node resumes (resumed on a full disk, a node dies of ENOSPC the moment it writes,
 * after the checks that would restart it), then dead nodes restart; clocks reset before partitions
 * heal, and membership is restored last, when every node runs and hears the others.
 */
export const HEAL_RANK = { memory: 6, disk: 8, pause: 10, kill: 20, corrupt: 22, 'lose-unsynced': 24, clock: 30, partition: 40, packet: 50, membership: 60 } as const;

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
/** What a fault's create() gets: the nemesis context and the fault's own options from the spec. */
export type FaultContext<V> = NemesisContext & { options: V };

export interface Nemesis {
  readonly fault: string;
  /** Performs a start or stop op and returns what was done (recorded as the completion value). */
  invoke(op: Op): Promise<unknown>;
}

export interface FaultDefinition<S extends OptionSchema = OptionSchema> {
  readonly kind: 'fault';
  /** The name in --nemesis and in op names: start-<name>, stop-<name>. */
  readonly name: string;
  /** One line for --help and the README's table. */
  readonly description: string;
  readonly options: S;
  /** Heal order: the final phase stops faults in increasing rank; equal ranks in the order given. */
  readonly healRank: number;
  /** True when the runtime can make this fault at all, else why not (one line, ending in what to use instead). */
  canRunOn(runtime: Runtime): true | string;
  /** True when the database (an adapter made, not started) can have this fault, else why not (one line naming what it lacks). */
  canTest(db: Db): true | string;
  /** Why `--nemesis all` leaves this fault out though it could run (it destroys data by design, say); unset: all includes it. */
  readonly leftOutOfAll?: string;
  /** Nodes must start under a fake clock (libfaketime) for this fault to move their clocks. */
  readonly fakeClock: boolean;
  /** Nodes' data directories must be under faultfs (FaultyDisks) from their first start for this fault to reach their disks. */
  readonly faultyDisk: boolean;
  /** Nodes must start where their memory can be limited (the local runtime puts each in a cgroup of its own). */
  readonly memoryLimits: boolean;
  /** The fault's nemesis for one run. */
  create(ctx: FaultContext<OptionValues<S>>): Nemesis;
  /** The file the definition was loaded from, for user definitions (set by the loader). */
  readonly source?: string;
}

export interface FaultDefinitionInput<S extends OptionSchema> {
  name: string;
  description: string;
  options?: S;
  healRank: number;
  canRunOn?(runtime: Runtime): true | string;
  canTest?(db: Db): true | string;
  leftOutOfAll?: string;
  fakeClock?: boolean;
  faultyDisk?: boolean;
  memoryLimits?: boolean;
  create(ctx: FaultContext<OptionValues<S>>): Nemesis;
}

/** Makes a fault definition; a wrong one is refused here in one line naming the field and what was expected. */
export function defineFault<S extends OptionSchema = Record<string, never>>(input: FaultDefinitionInput<S>): FaultDefinition<S> {
  const given = input as unknown as Record<string, unknown>;
  const owner = ownerOf('fault', given);
  assertName(owner, given['name']);
  assertDescription(owner, given['description']);
  if (typeof given['healRank'] !== 'number' || !Number.isFinite(given['healRank'])) {
    throw new Error(`${owner}: healRank ${typeof given['healRank'] === 'number' ? String(given['healRank']) : JSON.stringify(given['healRank'])} is not valid; expected a number (lower heals first; built-ins: ${Object.entries(HEAL_RANK).map(([f, r]) => `${f} ${r}`).join(', ')})`);
  }
  assertFunction(owner, given, 'create', '(ctx) => nemesis');
  assertFunction(owner, given, 'canRunOn', '(runtime) => true | why not', true);
  assertFunction(owner, given, 'canTest', '(db) => true | why not', true);
  if (given['leftOutOfAll'] !== undefined && (typeof given['leftOutOfAll'] !== 'string' || given['leftOutOfAll'].trim() === '')) {
    throw new Error(`${owner}: leftOutOfAll ${JSON.stringify(given['leftOutOfAll'])} is not valid; expected a one-line reason why --nemesis all leaves the fault out, or no field`);
  }
  const options = (input.options ?? {}) as S;
  assertSchema(options, owner);
  return {
    kind: 'fault',
    name: input.name,
    description: input.description,
    options,
    healRank: input.healRank,
    canRunOn: input.canRunOn ?? (() => true),
    canTest: input.canTest ?? (() => true),
    ...(input.leftOutOfAll !== undefined && { leftOutOfAll: input.leftOutOfAll }),
    fakeClock: input.fakeClock ?? false,
    faultyDisk: input.faultyDisk ?? false,
    memoryLimits: input.memoryLimits ?? false,
    create: input.create,
  };
}
