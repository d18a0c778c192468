// Dependencies point inward (docs/DESIGN.md): the core names no database, workload, fault or
// report, and the bundled store (src/kv) knows nothing of the harness. The known exceptions that
// issue 13 set out to remove are all gone; the lists stay, empty, and may only shrink: an entry
// that no longer occurs fails the test until it is deleted.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** Source files (no tests) under a directory of the repository, as paths relative to the root. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|bench)\.ts$/.test(entry.name)) found.push(path);
  }
  return found;
}

/** The repository paths a file imports (static, re-exported and dynamic), relative imports only. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** "a.ts -> b.ts" for each import of `files` whose target `forbidden` says no to. */
function violations(files: readonly string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file).filter(forbidden).map((target) => `${file} -> ${target}`)).sort();
}

/** Core files: src/ but the adapters (src/db), the bundled store (src/kv) and the edge that wires built-ins. */
const EDGE = new Set(['src/cli.ts', 'src/cli-run.ts', 'src/builtins.ts', 'src/index.ts', 'src/api.ts', 'src/readme-tables.ts']);
const core = sources('src').filter((f) => !f.startsWith('src/db/') && !f.startsWith('src/kv/') && !EDGE.has(f));
const outward = (target: string): boolean => /^(workloads|nemesis|reports)\//.test(target) || target.startsWith('src/db/') || EDGE.has(target);

/** Imports of the core that break the rule today, and the step of issue 13 that removes each. */
const KNOWN_CORE: Record<string, string> = {};

/** Imports of the bundled store's program outside itself that break its rule today. */
const KNOWN_KV: Record<string, string> = {
};

describe('dependencies point inward', () => {
  it('the core imports no database, workload, fault or report beyond the known list, which only shrinks', () => {
    const found = violations(core, outward);
    expect(found.filter((v) => !Object.hasOwn(KNOWN_CORE, v)), 'new imports from the core outward').toEqual([]);
    expect(Object.keys(KNOWN_CORE).filter((v) => !found.includes(v)), 'fixed: delete these from KNOWN_CORE').toEqual([]);
  });

  it('the bundled store imports nothing of the harness beyond the known list, which only shrinks', () => {
    const found = violations(sources('src/kv'), (target) => !target.startsWith('src/kv/'));
    expect(found.filter((v) => !Object.hasOwn(KNOWN_KV, v)), 'new imports from src/kv outward').toEqual([]);
    expect(Object.keys(KNOWN_KV).filter((v) => !found.includes(v)), 'fixed: delete these from KNOWN_KV').toEqual([]);
  });

  it('sees imports written over several lines, re-exports and dynamic imports (so the rule can fail)', () => {
    // api.ts imports the renderer on one line, the CLI imports run.js over several, and cli.ts
    // loads runtime modules with import(): each form must be seen.
    expect(importsOf('src/api.ts')).toContain('reports/render-stored-run.ts');
    expect(importsOf('src/run.ts')).toContain('src/check-stored-run.ts');
    expect(importsOf('src/cli.ts')).toContain('src/runtime/docker-cleanup.ts');
  });
});

/**
 * Libraries that cost a command line tenths of a second to load (a client, Docker, a process
 * runner): a module imports them with `await import()` where it connects or spawns, or for types
 * only, never at its top (docs/DESIGN.md, "Heavy modules load on use"). src/cli-startup.test.ts
 * checks the effect on the real command.
 */
const LOADED_ON_USE = ['dockerode', 'ssh2', 'ioredis', 'node-zookeeper-client', 'pg', 'mysql2', 'nats', 'execa'];

/** "file -> package" for each import (not `import type`) of one of `packages` at the top of a module. */
function staticImports(files: readonly string[], packages: readonly string[]): string[] {
  return files.flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const found = [...text.matchAll(/(?:^|\n)\s*(import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[2] ?? m[3] ?? '');
    return found.filter((s) => packages.some((p) => s === p || s.startsWith(`${p}/`))).map((s) => `${file} -> ${s}`);
  }).sort();
}

describe('heavy modules load on use', () => {
  const shipped = ['src', 'workloads', 'nemesis', 'checkers', 'reports'].flatMap(sources);

  it('no shipped module imports a client library, dockerode or execa at its top', () => {
    expect(staticImports(shipped, LOADED_ON_USE)).toEqual([]);
  });

  it('sees a static import, and not a type-only or dynamic one (so the rule can fail)', () => {
    expect(staticImports(['src/cli-startup.test.ts'], ['vitest'])).toEqual(['src/cli-startup.test.ts -> vitest']);
    expect(staticImports(['src/runtime/local.ts'], ['execa'])).toEqual([]);
    expect(readFileSync(join(root, 'src/runtime/local.ts'), 'utf8')).toMatch(/import type [^;]*'execa'[\s\S]*await import\('execa'\)/);
  });
});
