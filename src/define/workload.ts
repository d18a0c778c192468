// A workload described by itself (issue 13): its name, options, the clients it needs from a
// database, how it makes its generators and clients, and its checkers. The built-in workloads are
// made with defineWorkload, as a user's workload is.
import type { Checker, CheckResult } from '../checker.js';
import type { Db, DbContext } from '../db-contract.js';
import type { Workload } from '../workload.js';
import { assertDescription, assertFunction, assertName, CLIENT_KINDS, ownerOf, type ClientKind } from './db.js';
import { assertSchema, type OptionSchema, type OptionValues } from './options.js';

/** What a workload's create() gets: the started cluster's adapter, and the run's shape. */
export interface WorkloadContext<V> {
  db: Db;
  dbCtx: DbContext;
  nodes: readonly string[];
  concurrency: number;
  /** Target client ops per second over all processes. */
  rate: number;
  options: V;
}

/** What a workload's checkers() gets: only what test.json holds, so a stored run re-checks without starting anything. */
export interface CheckerContext<V> {
  options: V;
  /** The database's adapter for the stored options, made but never started: what it served (cas, stale reads). */
  db: Db;
  /** Budget of each expensive checker, in ms; past it the verdict is unknown. */
  checkTimeoutMs: number;
}

/**
 * A report section of a workload's own checker: the HTML of its evidence, shown under the checker's
 * verdict and summary. Everything that came from the database must be escaped (escapeHtml).
 */
export type ReportSection = (result: CheckResult) => string;

export interface WorkloadDefinition<S extends OptionSchema = OptionSchema> {
  readonly kind: 'workload';
  /** The name in --workload and in test.json. */
  readonly name: string;
  /** One line for --help and the README's table. */
  readonly description: string;
  readonly options: S;
  /** The client kinds it needs from the database, for these options. */
  needs(values: OptionValues<S>): readonly ClientKind[];
  /** Gives each key to a group of processes, one per node: concurrency must be a multiple of the group. */
  readonly keyGroups: boolean;
  /** Words the run's default name takes from these options. */
  describe(values: OptionValues<S>): string[];
  create(ctx: WorkloadContext<OptionValues<S>>): Workload;
  checkers(ctx: CheckerContext<OptionValues<S>>): Record<string, Checker>;
  /** Report sections of its own checkers, by checker name (the report has views of faultline's checkers' results already). */
  readonly report: Readonly<Record<string, ReportSection>>;
  /** The file the definition was loaded from, for user definitions (set by the loader). */
  readonly source?: string;
}

export interface WorkloadDefinitionInput<S extends OptionSchema> {
  name: string;
  description: string;
  options?: S;
  needs: readonly ClientKind[] | ((values: OptionValues<S>) => readonly ClientKind[]);
  keyGroups?: boolean;
  describe?(values: OptionValues<S>): string[];
  create(ctx: WorkloadContext<OptionValues<S>>): Workload;
  checkers(ctx: CheckerContext<OptionValues<S>>): Record<string, Checker>;
  report?: Readonly<Record<string, ReportSection>>;
}

/** Makes a workload definition; a wrong one is refused here in one line naming the field and what was expected. */
export function defineWorkload<S extends OptionSchema = Record<string, never>>(input: WorkloadDefinitionInput<S>): WorkloadDefinition<S> {
  const given = input as unknown as Record<string, unknown>;
  const owner = ownerOf('workload', given);
  assertName(owner, given['name']);
  assertDescription(owner, given['description']);
  const needs = given['needs'];
  if (typeof needs !== 'function') {
    const unknown = Array.isArray(needs) ? needs.filter((k) => !Object.hasOwn(CLIENT_KINDS, k as string)) : undefined;
    if (unknown === undefined || unknown.length > 0) {
      throw new Error(`${owner}: needs ${JSON.stringify(unknown?.[0] ?? needs)} is not valid; expected a list of client kinds (${Object.keys(CLIENT_KINDS).join(', ')}) or a function of the options returning one`);
    }
  }
  assertFunction(owner, given, 'create', '(ctx) => workload (generator, open)');
  assertFunction(owner, given, 'checkers', '(ctx) => { name: checker }');
  assertFunction(owner, given, 'describe', '(options) => words for the run name', true);
  const report = given['report'];
  if (report !== undefined && (typeof report !== 'object' || report === null || !Object.values(report).every((r) => typeof r === 'function'))) {
    throw new Error(`${owner}: report is not valid; expected { checkerName: (result) => html }`);
  }
  const options = (input.options ?? {}) as S;
  assertSchema(options, owner);
  const fixed = input.needs;
  return {
    kind: 'workload',
    name: input.name,
    description: input.description,
    options,
    needs: typeof fixed === 'function' ? fixed : () => fixed,
    keyGroups: input.keyGroups ?? false,
    describe: input.describe ?? (() => []),
    create: input.create,
    checkers: input.checkers,
    report: input.report ?? {},
  };
}
