// The test spec: plain JSON data that fully describes a run (seed included). The run's shape is at
// the top; each part (the database, the workload, each fault) keeps its own options under it, as its
// definition declares them. test.json holds exactly this. A spec is resolved from the command line's
// flat flags or from a stored spec, with defaults and validation from the parts' definitions, so
// nothing here names a database, a workload or a fault.
import { basename, relative } from 'node:path';
import type { Db } from './db-contract.js';
import { CONFIG_FILES } from './define/config-files.js';
import { CLIENT_KIND_WORDS, clientKindsOf, type ClientKind, type DbDefinition, type RuntimeName } from './define/db.js';
import type { FaultDefinition } from './define/fault.js';
import { flagKey, flagOf, resolveOptions, type OptionSchema } from './define/options.js';
import { allDefinitions, type Definition, type Registry } from './define/registry.js';
import type { WorkloadDefinition } from './define/workload.js';
import { freshSeed } from './random.js';
import { DEFAULTS, RUNTIMES } from './spec-defaults.js';
import { hostLibfaketime } from './runtime/faketime.js';
import { checkSshSpec, sshFlags, type SshSpec } from './runtime/ssh-hosts.js';
import { probeRuntime } from './runtime/probe.js';

/** The version of test.json's shape; a spec without one is version 1, the flat spec (stored-spec.ts upgrades it). */
export const SPEC_VERSION = 2;

export { DEFAULTS, RUNTIMES } from './spec-defaults.js';

/** One part of a run: which definition (by name, and by path for a user's file) and its options. */
export interface PartSpec {
  name: string;
  /** The file a user's definition was loaded from (absolute), so `faultline check` can load it again. */
  path?: string;
  [option: string]: unknown;
}

export interface TestSpec {
  specVersion: typeof SPEC_VERSION;
  name: string;
  nodes: string[];
  concurrency: number;
  timeLimitS: number;
  seed: number;
  runtime: RuntimeName;
  /** The hosts and how to reach them, with --runtime ssh (node i is hosts[i]). */
  ssh?: SshSpec;
  db: PartSpec;
  workload: PartSpec;
  nemesis: {
    faults: PartSpec[];
    intervalS: number;
    /** Set when the faults were chosen by `--nemesis all`: the faults it left out, and why (this runtime or database cannot have them). */
    leftOut?: Record<string, string>;
  };
  /** Target client ops per second, over all processes. */
  rate: number;
  opTimeoutMs: number;
  /** Seconds to wait for the cluster to become ready, at start and after healing. */
  readyTimeoutS: number;
  checkTimeoutS: number;
  storeDir: string;
}

/**
 * Options as the command line gives them: the run's shape by its spec names, the parts by name, and
 * each part's options by their flags in camel case (--store-mode: storeMode). Any may be missing.
 */
export type SpecOptions = Readonly<Record<string, unknown>>;

/** The spec names of the run's shape, as the command line gives them. */
const CORE_OPTIONS = ['name', 'nodes', 'concurrency', 'timeLimitS', 'workload', 'nemesis', 'nemesisIntervalS', 'seed', 'runtime', 'ssh', 'db', 'rate', 'opTimeoutMs', 'readyTimeoutS', 'checkTimeoutS', 'storeDir'];

export { flagKey } from './define/options.js';

/** Resolves command-line options into a full spec; throws one line naming the bad value and what was expected. */
export function resolveSpec(options: SpecOptions, registry: Registry): TestSpec {
  const ssh = options['ssh'] as SshSpec | undefined;
  const nodeCount = ssh !== undefined && options['nodes'] === undefined ? ssh.hosts.length : integer('nodes', options['nodes'] ?? DEFAULTS.nodes, 1, 15);
  const db = pick(registry.dbs, 'db', options['db'] ?? DEFAULTS.db);
  const workload = pick(registry.workloads, 'workload', options['workload'] ?? DEFAULTS.workload);
  const requested = faultList(options['nemesis'] ?? DEFAULTS.nemesis, registry);
  const all = requested.length === 1 && requested[0] === ALL && !registry.faults.has(ALL);
  const leftOut: Record<string, string> = {};
  const runtimeName = oneOf('runtime', options['runtime'] ?? DEFAULTS.runtime, RUNTIMES);
  const faults = all ? faultsForAll(registry, runtimeName, leftOut) : requested.map((name) => pick(registry.faults, 'nemesis', name));
  const parts: Definition[] = [db, workload, ...faults];
  const given = new Map<Definition, Record<string, unknown>>(parts.map((part) => [part, {}]));
  for (const [key, value] of Object.entries(options)) {
    if (CORE_OPTIONS.includes(key) || value === undefined) continue;
    const takers = parts.filter((part) => optionOfFlag(part.options, key) !== undefined);
    if (takers.length === 0) throw new Error(notForThesePartsLine(key, registry, db, workload, faults));
    for (const part of takers) (given.get(part) as Record<string, unknown>)[optionOfFlag(part.options, key) as string] = value;
  }
  const spec = resolveNestedSpec({
    ...(options['name'] !== undefined && { name: String(options['name']) }),
    nodes: Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`),
    concurrency: concurrency(options['concurrency'] ?? DEFAULTS.concurrency, nodeCount),
    timeLimitS: options['timeLimitS'] ?? DEFAULTS.timeLimitS,
    seed: options['seed'] ?? freshSeed(),
    runtime: options['runtime'] ?? DEFAULTS.runtime,
    ...(ssh !== undefined && { ssh }),
    db: partSpec(db, given.get(db)),
    workload: partSpec(workload, given.get(workload)),
    nemesis: {
      faults: faults.map((fault) => partSpec(fault, given.get(fault))),
      intervalS: options['nemesisIntervalS'] ?? DEFAULTS.nemesisIntervalS,
      ...(all && { leftOut }),
    },
    rate: options['rate'] ?? DEFAULTS.rate,
    opTimeoutMs: options['opTimeoutMs'] ?? DEFAULTS.opTimeoutMs,
    readyTimeoutS: options['readyTimeoutS'] ?? DEFAULTS.readyTimeoutS,
    checkTimeoutS: options['checkTimeoutS'] ?? DEFAULTS.checkTimeoutS,
    storeDir: options['storeDir'] ?? DEFAULTS.storeDir,
  }, registry);
  return all ? withoutUntestable(spec, registry) : spec;
}

/** `--nemesis all`: every fault there is, but none other. */
const ALL = 'all';

/** The faults `--nemesis all` picks on this runtime; the others go to `leftOut` with the reason. */
function faultsForAll(registry: Registry, runtime: RuntimeName, leftOut: Record<string, string>): FaultDefinition[] {
  const probe = probeRuntime(runtime);
  return [...registry.faults.values()].filter((fault) => {
    const canRun = fault.canRunOn(probe);
    const why = fault.leftOutOfAll
      ?? (canRun !== true ? `the ${runtime} runtime cannot make it: ${canRun}` : undefined)
      ?? (fault.fakeClock && runtime === 'local' && hostLibfaketime() === undefined ? 'it needs libfaketime on the local runtime, which is not installed (apt-get install libfaketime)' : undefined);
    if (why !== undefined) leftOut[fault.name] = why;
    return why === undefined;
  });
}

/** Drops from an `all` spec the faults its database cannot have, naming them in `leftOut`. */
function withoutUntestable(spec: TestSpec, registry: Registry): TestSpec {
  const db = pick(registry.dbs, 'db', spec.db.name);
  let adapter: Db;
  try {
    adapter = db.create(optionsOf(spec.db) as never);
  } catch {
    return spec; // the run's own checks name a database that cannot be made
  }
  const leftOut = { ...spec.nemesis.leftOut };
  const faults = spec.nemesis.faults.filter((part) => {
    const why = pick(registry.faults, 'nemesis', part.name).canTest(adapter);
    if (why !== true) leftOut[part.name] = `--db ${db.name} cannot have it: ${why}`;
    return why === true;
  });
  return { ...spec, nemesis: { ...spec.nemesis, faults, leftOut } };
}

/** A nested spec as test.json holds it (version 2), any field possibly wrong or missing. */
export interface NestedSpecInput {
  name?: unknown;
  nodes: string[];
  concurrency: unknown;
  timeLimitS: unknown;
  seed: unknown;
  runtime: unknown;
  ssh?: unknown;
  db: unknown;
  workload: unknown;
  nemesis: unknown;
  rate: unknown;
  opTimeoutMs: unknown;
  readyTimeoutS: unknown;
  checkTimeoutS: unknown;
  storeDir: unknown;
}

/**
 * Validates a nested spec against the registry: every value checked, each part's options resolved
 * by its definition (defaults filled in), and the workload's needs checked against the database.
 */
export function resolveNestedSpec(input: NestedSpecInput, registry: Registry): TestSpec {
  const nodeCount = input.nodes.length;
  const ctx = { nodeCount };
  const dbPart = part(input.db, 'db');
  const db = pick(registry.dbs, 'db', dbPart.name);
  const workloadPart = part(input.workload, 'workload');
  const workload = pick(registry.workloads, 'workload', workloadPart.name);
  const nemesis = input.nemesis as { faults?: unknown; intervalS?: unknown; leftOut?: unknown } | undefined;
  if (typeof nemesis !== 'object' || nemesis === null || !Array.isArray(nemesis.faults)) {
    throw new Error(`"nemesis" is ${JSON.stringify(input.nemesis)}; expected { "faults": [{ "name": ... }], "intervalS": seconds }`);
  }
  const faultParts = nemesis.faults.map((f) => part(f, 'nemesis fault'));
  const faults = faultParts.map((f) => pick(registry.faults, 'nemesis', f.name));
  const dbValues = resolveOptions(db.options, optionsOf(dbPart), ctx, `db ${db.name}`);
  db.validate(dbValues, ctx);
  const workloadValues = resolveOptions(workload.options, optionsOf(workloadPart), ctx, `workload ${workload.name}`);
  const faultValues = faults.map((fault, i) => resolveOptions(fault.options, optionsOf(faultParts[i] as PartSpec), ctx, `fault ${fault.name}`));
  assertServes(registry, db, dbValues, workload, workloadValues, nodeCount);
  const runtime = oneOf('runtime', input.runtime, RUNTIMES);
  if (!db.runtimes.includes(runtime)) throw new Error(`--db ${db.name} cannot run on the ${runtime} runtime; expected --runtime ${db.runtimes.join(' | ')}`);
  const ssh = sshOf(runtime, input.ssh, nodeCount);
  const spec: Omit<TestSpec, 'name'> = {
    specVersion: SPEC_VERSION,
    nodes: input.nodes,
    concurrency: concurrency(input.concurrency, nodeCount),
    timeLimitS: number('time-limit', input.timeLimitS, 1, 86_400),
    seed: integer('seed', input.seed, 0, 2 ** 31 - 1),
    runtime,
    ...(ssh !== undefined && { ssh }),
    db: withSource({ name: db.name, ...dbValues }, db),
    workload: withSource({ name: workload.name, ...workloadValues }, workload),
    nemesis: {
      faults: faults.map((fault, i) => withSource({ name: fault.name, ...faultValues[i] }, fault)),
      intervalS: number('nemesis-interval', nemesis.intervalS, 0.1, 3600),
      ...(nemesis.leftOut !== undefined && { leftOut: reasons(nemesis.leftOut) }),
    },
    rate: number('rate', input.rate, 0.1, 100_000),
    opTimeoutMs: integer('op-timeout-ms', input.opTimeoutMs, 10, 600_000),
    readyTimeoutS: number('ready-timeout', input.readyTimeoutS, 1, 3600),
    checkTimeoutS: number('check-timeout', input.checkTimeoutS, 1, 86_400),
    storeDir: String(input.storeDir ?? DEFAULTS.storeDir),
  };
  const name = input.name === undefined
    ? [db.name, ...db.describe(dbValues), workload.name, ...workload.describe(workloadValues), (nemesis.leftOut !== undefined ? ALL : faults.map((f) => f.name).join('+')) || 'no-faults'].filter(Boolean).join('-')
    : String(input.name);
  return { name, ...spec } as TestSpec;
}

/** The SSH runtime's hosts: required with --runtime ssh, one per node; refused with any other runtime. */
function sshOf(runtime: RuntimeName, value: unknown, nodeCount: number): SshSpec | undefined {
  if (runtime !== 'ssh') {
    if (value !== undefined) throw new Error(`--hosts and the --ssh-* flags are for --runtime ssh; this run's runtime is ${runtime}`);
    return undefined;
  }
  if (value === undefined) throw new Error('--runtime ssh needs its hosts: --hosts n1.example,n2.example or --hosts-file FILE');
  const ssh = checkSshSpec(value);
  if (ssh.hosts.length !== nodeCount) throw new Error(`--nodes ${nodeCount} does not match the ${ssh.hosts.length} hosts given (${ssh.hosts.join(', ')}); expected one node per host (leave out --nodes)`);
  return ssh;
}

/** The definitions of a spec's parts, looked up in the registry. */
export function partsOf(spec: TestSpec, registry: Registry): { db: DbDefinition; workload: WorkloadDefinition; faults: FaultDefinition[] } {
  return {
    db: pick(registry.dbs, 'db', spec.db.name),
    workload: pick(registry.workloads, 'workload', spec.workload.name),
    faults: spec.nemesis.faults.map((f) => pick(registry.faults, 'nemesis', f.name)),
  };
}

/** A part's options: its spec without the name and path. */
export function optionsOf(part: PartSpec): Record<string, unknown> {
  const { name: _name, path: _path, ...options } = part;
  return options;
}

/** A value as one shell word: as it is when plain, else single-quoted (a glob such as ** must not expand). */
function shellWord(value: string): string {
  return /^[\w.,:=@%+/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command line that replays a spec exactly. */
export function replayCommand(spec: TestSpec, registry: Registry): string {
  const { db, workload, faults } = partsOf(spec, registry);
  const flags = (definition: Definition, part: PartSpec) =>
    // A boolean is given as the help names it (on|off), lists comma separated.
    Object.entries(definition.options).map(([key, def]) => `--${flagOf(key, def)} ${shellWord(typeof part[key] === 'boolean' ? (part[key] ? 'on' : 'off') : String(part[key]))}`);
  // A definition written in faultline.config.ts is replayed by name: the config is found again in the working directory.
  const nameOf = (part: PartSpec) => (part.path === undefined || CONFIG_FILES.includes(basename(part.path)) ? part.name : `./${relative(process.cwd(), part.path)}`);
  const args = [
    'npx faultline test',
    `--nodes ${spec.nodes.length}`,
    `--concurrency ${spec.concurrency}`,
    `--time-limit ${spec.timeLimitS}`,
    `--workload ${nameOf(spec.workload)}`,
    ...flags(workload, spec.workload),
    `--nemesis ${spec.nemesis.faults.map(nameOf).join(',') || 'none'}`,
    ...faults.flatMap((fault, i) => flags(fault, spec.nemesis.faults[i] as PartSpec)),
    `--nemesis-interval ${spec.nemesis.intervalS}`,
    `--runtime ${spec.runtime}`,
    ...(spec.ssh ? sshFlags(spec.ssh) : []),
    `--db ${nameOf(spec.db)}`,
    ...flags(db, spec.db),
    `--rate ${spec.rate}`,
    `--op-timeout-ms ${spec.opTimeoutMs}`,
    `--seed ${spec.seed}`,
  ];
  // A flag several faults share (--nemesis-targets) is given once when the command line set it for all.
  return [...new Set(args)].join(' ');
}

/** Every part option's flag in camel case, as the command line and a nightly matrix give them. */
export function partFlagKeys(registry: Registry): string[] {
  return [...new Set(allDefinitions(registry).flatMap((d) => Object.entries(d.options).map(([key, def]) => flagKey(flagOf(key, def)))))];
}

/** The key of the option a camel-case flag sets in a schema, if any. */
function optionOfFlag(schema: OptionSchema, key: string): string | undefined {
  return Object.entries(schema).find(([optionKey, def]) => flagKey(flagOf(optionKey, def)) === key)?.[0];
}

/** The refusal of a flag that none of the chosen parts has: who has it, or that nobody does. */
function notForThesePartsLine(key: string, registry: Registry, db: DbDefinition, workload: WorkloadDefinition, faults: readonly Definition[]): string {
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const owners = [
    ...[...registry.dbs.values()].filter((d) => optionOfFlag(d.options, key) !== undefined).map((d) => `--db ${d.name}`),
    ...[...registry.workloads.values()].filter((w) => optionOfFlag(w.options, key) !== undefined).map((w) => `--workload ${w.name}`),
    ...[...registry.faults.values()].filter((f) => optionOfFlag(f.options, key) !== undefined).map((f) => `--nemesis ${f.name}`),
  ];
  if (owners.length === 0) return `${flag} is not an option of any database, workload or fault; expected one of their flags (see faultline test --help)`;
  const chosen = `--db ${db.name}, --workload ${workload.name}${faults.length > 0 ? ` and --nemesis ${faults.map((f) => f.name).join(',')}` : ''}`;
  return `${flag} applies to ${owners.join(', ')} only; ${chosen} have no such setting (drop it)`;
}

/** Refuses a workload whose needs the database (with these options) does not serve, naming who does. */
function assertServes(registry: Registry, db: DbDefinition, dbValues: Record<string, unknown>, workload: WorkloadDefinition, workloadValues: Record<string, unknown>, nodeCount: number): void {
  const served = servedBy(db, dbValues);
  if (served === undefined) return; // create() threw: the run's own setup reports it with the file and the message
  const missing = workload.needs(workloadValues).filter((kind) => !served.includes(kind));
  if (missing.length === 0) return;
  const needs = missing.map((kind) => CLIENT_KIND_WORDS[kind]).join(' and ');
  const who = [...registry.dbs.values()].map((other) => whereServed(other, missing, nodeCount)).filter((s): s is string => s !== undefined);
  throw new Error(`${describePart('workload', workload, workloadValues, nodeCount)} needs ${needs}, which ${describePart('db', db, dbValues, nodeCount)} lacks; databases with ${missing.length === 1 ? 'them' : 'both'}: ${who.join(', ') || 'none of the known ones'}`);
}

/** The client kinds a database serves with these options; undefined when its create() throws. */
function servedBy(db: DbDefinition, values: Record<string, unknown>): ClientKind[] | undefined {
  try {
    return clientKindsOf(db.create(values));
  } catch {
    return undefined;
  }
}

/** "etcd", "bundled (--store-mode raft | primary)", or undefined when no single choice of an option serves `kinds`. */
function whereServed(db: DbDefinition, kinds: readonly ClientKind[], nodeCount: number): string | undefined {
  let defaults: Record<string, unknown>;
  try {
    defaults = resolveOptions(db.options, {}, { nodeCount }, `db ${db.name}`);
  } catch {
    return undefined;
  }
  const serves = (values: Record<string, unknown>) => (servedBy(db, values) ?? []).filter((k) => kinds.includes(k)).length === kinds.length;
  const choices = Object.entries(db.options).flatMap(([key, def]) => {
    const all = def.choices ?? [];
    const good = all.filter((choice) => serves({ ...defaults, [key]: choice }));
    // An option every choice of which serves (or none does) says nothing about where to look.
    return good.length > 0 && good.length < all.length ? [`--${flagOf(key, def)} ${good.join(' | ')}`] : [];
  });
  if (choices.length === 0) return serves(defaults) ? db.name : undefined;
  return `${db.name} (${choices.join('; ')})`;
}

/** "--db bundled --store-mode quorum": a part with the options that differ from their defaults. */
function describePart(kind: 'db' | 'workload', definition: Definition, values: Record<string, unknown>, nodeCount: number): string {
  let defaults: Record<string, unknown> = {};
  try {
    defaults = resolveOptions(definition.options, {}, { nodeCount }, `${kind} ${definition.name}`);
  } catch {
    // an option without a default: every option is named
  }
  const set = Object.entries(definition.options).filter(([key]) => values[key] !== defaults[key]).map(([key, def]) => `--${flagOf(key, def)} ${String(values[key])}`);
  return [`--${kind} ${definition.name}`, ...set].join(' ');
}

function partSpec(definition: Definition, options: Record<string, unknown> | undefined): PartSpec {
  return { name: definition.name, ...options };
}

function withSource(part: PartSpec, definition: Definition): PartSpec {
  return definition.source === undefined ? part : { name: part.name, path: definition.source, ...optionsOf(part) };
}

/** A part of a nested spec: an object with a name. */
function part(value: unknown, what: string): PartSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { name?: unknown }).name !== 'string') {
    throw new Error(`the ${what} part is ${JSON.stringify(value)?.slice(0, 80)}; expected an object with a "name" and its options`);
  }
  return value as PartSpec;
}

/** A definition by name, or one line naming the value and the names known. */
function pick<D extends Definition>(definitions: ReadonlyMap<string, D>, option: string, name: unknown): D {
  const found = typeof name === 'string' ? definitions.get(name) : undefined;
  if (found !== undefined) return found;
  throw new Error(`--${option} "${String(name)}" is not known; expected one of: ${[...definitions.keys()].join(', ')}${option === 'nemesis' ? '' : `, or a path to a file made with define${option === 'db' ? 'Db' : 'Workload'}`}`);
}

const MAX_CONCURRENCY = 1000;

/**
 * Client processes: a whole number, or Jepsen's `Nn`, N times the node count (`2n` on 5 nodes is 10).
 * The spec keeps the resolved number, so test.json and the replay line need no node count to read it.
 */
function concurrency(value: unknown, nodeCount: number): number {
  const text = String(value).trim();
  const expected = `expected a whole number from 1 to ${MAX_CONCURRENCY}, or Nn for N times the node count (e.g. 2n: ${2 * nodeCount} on ${nodeCount} nodes)`;
  const times = /^[1-9][0-9]*n$/.test(text) ? Number(text.slice(0, -1)) : undefined;
  if (times === undefined) {
    const n = typeof value === 'number' ? value : Number(text);
    if (text === '' || !Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`--concurrency "${String(value)}" is not valid; ${expected}`);
    return n;
  }
  if (times * nodeCount > MAX_CONCURRENCY) throw new Error(`--concurrency "${String(value)}" is ${times * nodeCount} processes on ${nodeCount} nodes; expected at most ${MAX_CONCURRENCY}`);
  return times * nodeCount;
}

/** `nemesis.leftOut` as test.json holds it: fault names and one-line reasons. */
function reasons(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new Error(`"nemesis.leftOut" is ${JSON.stringify(value)}; expected an object of fault names and reasons`);
  }
  return { ...(value as Record<string, string>) };
}

/** A comma-separated fault list; `none` (alone) is no faults. An empty list or item is refused: it is a typo more often than a wish. */
function faultList(value: unknown, registry: Registry): string[] {
  const known = [...registry.faults.keys()].join(', ');
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  if (Array.isArray(value) && value.length === 0) return [];
  const names = items.map((s) => s.trim());
  if (names.every((s) => s === '')) {
    throw new Error(`--nemesis "${String(value)}" is an empty list; expected faults, comma separated (${known}), or none for no faults, or all`);
  }
  if (names.includes('')) {
    throw new Error(`--nemesis "${String(value)}" has an empty item; expected faults separated by single commas (${known}), or none for no faults, or all`);
  }
  if (names.length > 1 && names.includes('none')) {
    throw new Error(`--nemesis "${String(value)}" lists none with faults; expected none alone, or faults without none`);
  }
  if (names.length > 1 && names.includes(ALL) && !registry.faults.has(ALL)) {
    throw new Error(`--nemesis "${String(value)}" lists all with faults; expected all alone (every fault this runtime and database can have), or faults without all`);
  }
  return names[0] === 'none' ? [] : names;
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new Error(`--${option} "${String(value)}" is not known; expected one of: ${allowed.join(', ')}`);
}

function number(option: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${option} "${String(value)}" is not valid; expected a number from ${min} to ${max}`);
  }
  return n;
}

function integer(option: string, value: unknown, min: number, max: number): number {
  const n = number(option, value, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${option} "${String(value)}" is not valid; expected a whole number from ${min} to ${max}`);
  return n;
}
