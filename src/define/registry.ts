// The definitions a run can name: the built-ins (listed at the edge, src/builtins.ts) and any a user
// loads by path or through faultline.config.ts. The core looks parts up here and nowhere else.
import type { DbDefinition } from './db.js';
import { recognise, type AnyDefinition } from './definition.js';
import type { FaultDefinition } from './fault.js';
import type { WorkloadDefinition } from './workload.js';

/** A database, workload or fault definition. */
export type Definition = AnyDefinition;

export interface Registry {
  readonly dbs: ReadonlyMap<string, DbDefinition>;
  readonly workloads: ReadonlyMap<string, WorkloadDefinition>;
  readonly faults: ReadonlyMap<string, FaultDefinition>;
  /**
   * The modules that hold these definitions (file URLs or paths), so another thread can rebuild the
   * registry by importing them (see loadRegistry).
   */
  readonly modules: readonly string[];
  /**
   * False when a definition was given in code, with no file to import it from: another thread
   * cannot rebuild this registry, so big histories are checked in this one.
   */
  readonly rebuildable: boolean;
}

/** Every definition of a registry: databases, then workloads, then faults. */
export function allDefinitions(registry: Registry): Definition[] {
  return [...registry.dbs.values(), ...registry.workloads.values(), ...registry.faults.values()];
}

/** Whether a value is a definition made by defineDb, defineWorkload or defineFault. */
export function isDefinition(value: unknown): value is Definition {
  return recognise(value, 'a value')?.definition !== undefined;
}

/** A registry of these definitions; the same name twice in one kind is refused in one line naming both sources. */
export function createRegistry(definitions: readonly Definition[], modules: readonly string[] = [], rebuildable = true): Registry {
  const dbs = new Map<string, DbDefinition>();
  const workloads = new Map<string, WorkloadDefinition>();
  const faults = new Map<string, FaultDefinition>();
  for (const definition of definitions) {
    const into: Map<string, Definition> = definition.kind === 'db' ? dbs : definition.kind === 'workload' ? workloads : faults;
    const other = into.get(definition.name);
    // The same definition, or the same file's loaded twice (named by a config and by a path).
    if (other === definition || (other !== undefined && other.source !== undefined && other.source === definition.source)) continue;
    if (other !== undefined) {
      throw new Error(`${definition.kind} "${definition.name}" is defined twice: ${where(other)} and ${where(definition)}; expected one name per ${definition.kind}`);
    }
    into.set(definition.name, definition);
  }
  return { dbs, workloads, faults, modules: [...new Set(modules)], rebuildable };
}

/** A registry with more definitions (a user's) added to it. */
export function extendRegistry(registry: Registry, definitions: readonly Definition[], modules: readonly string[]): Registry {
  const rebuildable = registry.rebuildable && definitions.every((d) => d.source !== undefined);
  return createRegistry([...allDefinitions(registry), ...definitions], [...registry.modules, ...modules], rebuildable);
}

/** The definitions a module exports: named or default exports that are definitions, or lists of them. */
export function definitionsIn(exports: Readonly<Record<string, unknown>>): Definition[] {
  return Object.values(exports).flatMap((value) => (Array.isArray(value) ? value : [value])).filter(isDefinition);
}

function where(definition: Definition): string {
  return definition.source ?? 'faultline (built in)';
}
