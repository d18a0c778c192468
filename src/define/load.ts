// Loads definitions from a user's file by path (`--db ./x.ts`, `--workload ./y.ts`, a fault in
// `--nemesis`): the default export and named exports made with defineDb, defineWorkload or
// defineFault. Every refusal is one line naming the file and the problem.
import { KINDS, describe, madeWith, recognise, type Definition, type DefinitionKind, type DefinitionOf } from './definition.js';
import { importFile, resolveFile } from './import-file.js';

/** A definition and where it came from: enough for a stored spec to load it again. */
export interface LoadedDefinition<D extends Definition = Definition> {
  readonly definition: D;
  /** The absolute path of the file it was loaded from. */
  readonly path: string;
  /** Where in that file: "default", a named export, or a place in a collection ("default[1]", "dbs[0]"). */
  readonly exportName: string;
}

export interface LoadOptions {
  /** Relative paths are resolved against it; default: process.cwd(). */
  cwd?: string;
  /** The CLI flag the path came with, to start each error as the user wrote it ("--db"). */
  flag?: string;
}

/**
 * Every definition a file exports: its default export (one definition, or an array or object of
 * them, as a config file has) and its named exports that are definitions, each once. Throws one
 * line when the file is missing, throws on import, exports none, or exports a malformed one.
 */
export async function loadDefinitions(path: string, options: LoadOptions = {}): Promise<LoadedDefinition[]> {
  return load(path, options.cwd ?? process.cwd(), options.flag === undefined ? path : `${options.flag} ${path}`);
}

/**
 * The one definition of `kind` that the file at `path` gives `flag` (`--db`): its default export,
 * or its only named export of that kind. A definition of another kind is refused in one line:
 * `--db ./w.ts exports workload "bank", expected a database made with defineDb`.
 */
export async function loadDefinition<K extends DefinitionKind>(path: string, kind: K, flag: string, options: { cwd?: string } = {}): Promise<LoadedDefinition<DefinitionOf[K]>> {
  const label = `${flag} ${path}`;
  const found = await load(path, options.cwd ?? process.cwd(), label, kind);
  const ofKind = found.filter((d) => d.definition.kind === kind) as LoadedDefinition<DefinitionOf[K]>[];
  const byDefault = ofKind.find((d) => d.exportName === 'default');
  if (byDefault !== undefined) return byDefault;
  if (ofKind.length === 1 && ofKind[0] !== undefined) return ofKind[0];
  const facts = KINDS[kind];
  if (ofKind.length > 1) {
    throw new Error(`${label} exports ${ofKind.length} ${facts.plural} (${ofKind.map((d) => d.exportName).join(', ')}) and none as its default; expected one default export ${madeWith(kind)}`);
  }
  // load() refused a file without definitions, so there is another kind here: name it.
  const other = (found.find((d) => d.exportName === 'default') ?? found[0]) as LoadedDefinition;
  throw new Error(`${label} exports ${KINDS[other.definition.kind].noun} ${JSON.stringify(other.definition.name)}, expected a ${facts.noun} made with ${facts.maker}`);
}

/** The definitions in the file, refusing a file with none or with a malformed one. */
async function load(path: string, cwd: string, label: string, expected?: DefinitionKind): Promise<LoadedDefinition[]> {
  const absolute = resolveFile(path, cwd, label);
  const module = await importFile(absolute, label, cwd);
  const found: LoadedDefinition[] = [];
  const seen = new Set<unknown>();
  const add = (definition: Definition, exportName: string): void => {
    if (seen.has(definition)) return; // `export const nats = defineDb(...); export default nats;`
    seen.add(definition);
    found.push({ definition, path: absolute, exportName });
  };
  const refuse = (problem: string): never => {
    throw new Error(`${label}: ${problem}`);
  };

  const byDefault = module['default'];
  const whole = recognise(byDefault, 'the default export', expected);
  if (whole?.problem !== undefined) refuse(whole.problem);
  if (whole?.definition !== undefined) add(whole.definition, 'default');
  else for (const [exportName, value] of collection(byDefault)) {
    const entry = recognise(value, exportName, expected);
    if (entry === undefined) refuse(`${exportName} is ${describe(value)}; expected a definition ${madeWith(expected)}`);
    else if (entry.problem !== undefined) refuse(entry.problem);
    else add(entry.definition, exportName);
  }

  for (const [name, value] of Object.entries(module)) {
    if (name === 'default') continue;
    const entry = recognise(value, `export "${name}"`, expected);
    if (entry?.problem !== undefined) refuse(entry.problem);
    if (entry?.definition !== undefined) add(entry.definition, name);
  }

  if (found.length === 0) {
    const defaultIs = byDefault === undefined ? 'no default export' : `a default export that is ${describe(byDefault)}`;
    refuse(`exports no definition (it has ${defaultIs}); expected a default export ${madeWith(expected)}`);
  }
  return found;
}

/**
 * The entries of a default export that holds several definitions, as a config does: an array
 * (`default[0]`), or an object of definitions or arrays of them (`default.dbs[0]`). A default
 * export holding no definition at all is no collection: the file then exports no definition.
 */
function collection(value: unknown): [string, unknown][] {
  let entries: [string, unknown][] = [];
  if (Array.isArray(value)) entries = value.map((item, i) => [`default[${i}]`, item]);
  else if (typeof value === 'object' && value !== null) {
    entries = Object.entries(value).flatMap(([key, item]): [string, unknown][] =>
      Array.isArray(item) ? item.map((inner, i): [string, unknown] => [`default.${key}[${i}]`, inner]) : [[`default.${key}`, item]],
    );
  }
  return entries.some(([, item]) => recognise(item, '') !== undefined) ? entries : [];
}
