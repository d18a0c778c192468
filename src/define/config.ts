// faultline.config.ts: the file in a user's repository naming several definitions, as values or as
// paths relative to it. Loading it gives a registry fragment, name to definition, each with the path
// it came from so that a stored run can load it again; a name used twice is refused.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KINDS, describe, recognise, type DefinitionKind, type DefinitionOf } from './definition.js';
import { CONFIG_FILES } from './config-files.js';
import { importFile, resolveFile, shownPath } from './import-file.js';
import { loadDefinition, loadDefinitions, type LoadedDefinition } from './load.js';

export { CONFIG_FILES } from './config-files.js';

/** What a config file's default export is: `export default { dbs: [nats, './other.ts'] } satisfies FaultlineConfig`. */
export interface FaultlineConfig {
  dbs?: readonly (DefinitionOf['db'] | string)[];
  workloads?: readonly (DefinitionOf['workload'] | string)[];
  faults?: readonly (DefinitionOf['fault'] | string)[];
}

/** The definitions a config names, by kind and name. */
export interface ConfigRegistry {
  /** The config file, absolute. */
  readonly path: string;
  readonly dbs: ReadonlyMap<string, LoadedDefinition<DefinitionOf['db']>>;
  readonly workloads: ReadonlyMap<string, LoadedDefinition<DefinitionOf['workload']>>;
  readonly faults: ReadonlyMap<string, LoadedDefinition<DefinitionOf['fault']>>;
}

const GROUPS = { dbs: 'db', workloads: 'workload', faults: 'fault' } as const satisfies Record<keyof FaultlineConfig, DefinitionKind>;
type Group = keyof typeof GROUPS;

/** The absolute path of the config file in `cwd`, or undefined when there is none; two are refused. */
export function findConfig(cwd: string): string | undefined {
  const present = CONFIG_FILES.filter((name) => existsSync(join(cwd, name)));
  if (present.length > 1) throw new Error(`${cwd} has ${present.length} config files (${present.join(', ')}); expected one`);
  return present[0] === undefined ? undefined : join(cwd, present[0]);
}

/**
 * Loads a config file: each entry of `dbs`, `workloads` and `faults` is a definition of that kind
 * or a path (relative to the config file) to a file exporting one. Throws one line naming the
 * config, the entry and the problem.
 */
export async function loadConfig(path: string, options: { cwd?: string } = {}): Promise<ConfigRegistry> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = resolveFile(path, cwd, path);
  const label = shownPath(absolute, cwd);
  const config = (await importFile(absolute, label, cwd))['default'];
  const expected = `{ ${Object.keys(GROUPS).map((g) => `${g}?: [...]`).join(', ')} }`;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    const got = config === undefined ? 'has no default export' : `its default export is ${describe(config)}`;
    throw new Error(`${label}: ${got}; expected a default export ${expected} of definitions or paths`);
  }
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(GROUPS, key)) throw new Error(`${label}: field "${key}" is not known; expected ${Object.keys(GROUPS).join(', ')}`);
  }

  const given = config as Record<string, unknown>;
  const context = { label, configPath: absolute, cwd };
  return {
    path: absolute,
    dbs: await loadGroup(given['dbs'], 'dbs', 'db', context),
    workloads: await loadGroup(given['workloads'], 'workloads', 'workload', context),
    faults: await loadGroup(given['faults'], 'faults', 'fault', context),
  };
}

interface ConfigContext {
  /** The config as shown in errors. */
  label: string;
  configPath: string;
  cwd: string;
}

/** One group of a config (`dbs`), by name; a name given twice is refused naming both sources. */
async function loadGroup<K extends DefinitionKind>(entries: unknown, group: Group, kind: K, ctx: ConfigContext): Promise<Map<string, LoadedDefinition<DefinitionOf[K]>>> {
  const names = new Map<string, LoadedDefinition<DefinitionOf[K]>>();
  if (entries === undefined) return names;
  if (!Array.isArray(entries)) {
    throw new Error(`${ctx.label}: field "${group}" is ${describe(entries)}; expected an array of definitions made with ${KINDS[kind].maker}(...) or paths to them`);
  }
  for (const [i, entry] of entries.entries()) {
    const at = `${group}[${i}]`;
    const loaded = typeof entry === 'string'
      ? await loadDefinition(entry, kind, `${ctx.label}: ${at}`, { cwd: dirname(ctx.configPath) })
      : inline(entry, kind, at, ctx);
    const name = loaded.definition.name;
    const before = names.get(name);
    if (before !== undefined) {
      throw new Error(`${ctx.label}: two ${KINDS[kind].plural} are named ${JSON.stringify(name)}: ${source(before, ctx.cwd)} and ${source(loaded, ctx.cwd)}; expected each name once`);
    }
    names.set(name, loaded);
  }
  return names;
}

/** A definition written (or imported) into the config itself: the config is the file that gives it again. */
function inline<K extends DefinitionKind>(entry: unknown, kind: K, at: string, { label, configPath }: ConfigContext): LoadedDefinition<DefinitionOf[K]> {
  const facts = KINDS[kind];
  const seen = recognise(entry, at, kind);
  if (seen === undefined) throw new Error(`${label}: ${at} is ${describe(entry)}; expected a ${facts.noun} made with ${facts.maker}(...) or a path to one`);
  if (seen.problem !== undefined) throw new Error(`${label}: ${seen.problem}`);
  if (seen.definition.kind !== kind) {
    throw new Error(`${label}: ${at} is ${KINDS[seen.definition.kind].noun} ${JSON.stringify(seen.definition.name)}, expected a ${facts.noun} made with ${facts.maker}`);
  }
  return { definition: seen.definition as DefinitionOf[K], path: configPath, exportName: at };
}

/** Where a registered definition came from, for the duplicate refusal: "./a.ts" or "faultline.config.ts (dbs[0])". */
function source(loaded: LoadedDefinition, cwd: string): string {
  return `${shownPath(loaded.path, cwd)} (${loaded.exportName})`;
}

/** Every definition a file gives: a config file's, or a definition file's own; each with the file it came from. */
export async function loadFileDefinitions(path: string): Promise<LoadedDefinition[]> {
  if (!CONFIG_FILES.some((name) => path.endsWith(`/${name}`))) return loadDefinitions(path, { cwd: dirname(path) });
  const config = await loadConfig(path, { cwd: dirname(path) });
  return [...config.dbs.values(), ...config.workloads.values(), ...config.faults.values()];
}
