// The built-in definitions: every database in src/db/, workload in workloads/ and fault in nemesis/
// that a module there exports, found by reading those directories. So a new built-in is one file
// (and its test): nothing else lists it. The CLI starts from this registry and adds a user's
// definitions to it; the core never imports it.
import { readdirSync } from 'node:fs';
import { createRegistry, definitionsIn, type Definition, type Registry } from './define/registry.js';

/** Where built-in definitions live, relative to this module (in src/ and in dist/src/ alike). */
const DIRECTORIES = ['./db/', '../workloads/', '../nemesis/'];

/** A module of a built-in directory: source or compiled, never a test, bench or declaration file. */
const MODULE = /^[a-z0-9-]+\.(ts|js)$/;

async function discover(): Promise<Definition[]> {
  const found: Definition[] = [];
  for (const directory of DIRECTORIES) {
    const url = new URL(directory, import.meta.url);
    const files = readdirSync(url).filter((file) => MODULE.test(file)).sort();
    for (const file of files) found.push(...definitionsIn((await import(new URL(file, url).href)) as Record<string, unknown>));
  }
  return found;
}

/** Every built-in definition, databases first, each kind in file-name order. */
export const builtinDefinitions: readonly Definition[] = await discover();

/** The built-ins as a registry; its module is this file, so a worker thread can rebuild it. */
export const builtins: Registry = createRegistry(builtinDefinitions, [import.meta.url]);
