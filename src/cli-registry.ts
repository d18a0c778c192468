// The definitions a command line can name: the built-ins it is given, those of a faultline.config.ts
// in the working directory, and the files `--db`, `--workload` and `--nemesis` name by path. A
// stored run's test.json names its user definitions by path too, so `check` loads them the same way.
// Every definition loaded from a file keeps that file as its source, which the spec records.
import { basename, dirname } from 'node:path';
import { CONFIG_FILES, findConfig, loadConfig } from './define/config.js';
import type { DefinitionKind } from './define/definition.js';
import { loadDefinition, type LoadedDefinition } from './define/load.js';
import { extendRegistry, type Definition, type Registry } from './define/registry.js';
import { upgradeSpec } from './stored-spec.js';
import { readStoredSpecObject } from './stored-spec.js';

/** A registry, and the names that paths given on the command line stand for. */
export interface CommandLineRegistry {
  registry: Registry;
  /** `--db ./nats.ts` gives the name of the database loaded from ./nats.ts (a name stays as it is). */
  nameOf(kind: DefinitionKind, value: string): string;
}

/** Whether a --db, --workload or --nemesis value is a path to a file rather than a name. */
export function isPath(value: string): boolean {
  return value.includes('/') || /\.(m?ts|m?js)$/.test(value);
}

/** The flags whose values may be paths, and the kind of definition each names. */
const PATH_FLAGS: Readonly<Record<string, DefinitionKind>> = { '--db': 'db', '--workload': 'workload', '--nemesis': 'fault' };

/**
 * The registry of a `faultline test` command line: `base`, then a config file in `cwd`, then the
 * files its --db, --workload and --nemesis values name. `argv` is the arguments after the command.
 */
export async function commandLineRegistry(base: Registry, argv: readonly string[], cwd: string): Promise<CommandLineRegistry> {
  const loaded: LoadedDefinition[] = [];
  const config = findConfig(cwd);
  if (config !== undefined) {
    const fragment = await loadConfig(config, { cwd });
    loaded.push(...fragment.dbs.values(), ...fragment.workloads.values(), ...fragment.faults.values());
  }
  const names = new Map<string, string>();
  for (const [flag, value] of flagValues(argv)) {
    const kind = PATH_FLAGS[flag] as DefinitionKind;
    for (const item of kind === 'fault' ? value.split(',').map((s) => s.trim()) : [value]) {
      // One file may give a database and a workload: a path names one definition per kind.
      if (!isPath(item) || names.has(`${kind}\0${item}`)) continue;
      const found = await loadDefinition(item, kind, flag, { cwd });
      loaded.push(found);
      names.set(`${kind}\0${item}`, found.definition.name);
    }
  }
  return { registry: withSources(base, loaded), nameOf: (kind, value) => names.get(`${kind}\0${value}`) ?? value };
}

/** The registry a stored run needs: `base` and the files its test.json names by path (a config file, or a definition's own). */
export async function storedRunRegistry(base: Registry, dir: string): Promise<Registry> {
  const spec = upgradeSpec(readStoredSpecObject(dir));
  const parts: [unknown, DefinitionKind][] = [
    [spec.db, 'db'],
    [spec.workload, 'workload'],
    ...((spec.nemesis as { faults?: unknown[] } | undefined)?.faults ?? []).map((f): [unknown, DefinitionKind] => [f, 'fault']),
  ];
  const loaded: LoadedDefinition[] = [];
  for (const [part, kind] of parts) {
    const { path, name } = (part ?? {}) as { path?: unknown; name?: unknown };
    if (typeof path !== 'string') continue;
    const flag = `test.json's ${kind} path`;
    if (!CONFIG_FILES.includes(basename(path))) {
      loaded.push(await loadDefinition(path, kind, flag));
      continue;
    }
    const config = await loadConfig(path, { cwd: dirname(path) });
    const found = { db: config.dbs, workload: config.workloads, fault: config.faults }[kind].get(String(name));
    if (found === undefined) throw new Error(`${flag} ${path} defines no ${kind} named ${JSON.stringify(name)}; expected the config the run was made with`);
    loaded.push(found);
  }
  return withSources(base, loaded);
}

/** `base` with the loaded definitions added, each carrying the file it came from. */
function withSources(base: Registry, loaded: readonly LoadedDefinition[]): Registry {
  if (loaded.length === 0) return base;
  // One definition reached twice (a config names it as a value, and --db gives its file; or one
  // file named twice) is kept once, with its own file rather than the config's.
  const byDefinition = new Map<unknown, LoadedDefinition>();
  for (const l of loaded) {
    const seen = byDefinition.get(l.definition);
    if (seen === undefined || (CONFIG_FILES.includes(basename(seen.path)) && !CONFIG_FILES.includes(basename(l.path)))) byDefinition.set(l.definition, l);
  }
  const unique = [...new Map([...byDefinition.values()].map((l) => [`${l.definition.kind}\0${l.definition.name}\0${l.path}`, l])).values()];
  const definitions = unique.map((l) => ({ ...l.definition, source: l.path }) as Definition);
  return extendRegistry(base, definitions, [...new Set(loaded.map((l) => l.path))]);
}

/** The values of the path flags in `argv`, in both `--db x` and `--db=x` forms. */
function flagValues(argv: readonly string[]): [string, string][] {
  const found: [string, string][] = [];
  argv.forEach((arg, i) => {
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (!Object.hasOwn(PATH_FLAGS, flag)) return;
    const value = inline ?? argv[i + 1];
    if (value !== undefined) found.push([flag, value]);
  });
  return found;
}
