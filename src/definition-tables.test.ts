import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import { defineFault } from './define/fault.js';
import { extendRegistry } from './define/registry.js';
import { definitionTables, TABLES_END, TABLES_START, withTables } from './definition-tables.js';

describe("the README's tables of databases, workloads and faults", () => {
  it('are the ones the built-in definitions make (run npm run readme:tables after changing a definition)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(withTables(readme, definitionTables(builtins))).toBe(readme);
  });

  it('name every definition with its options, and change when a definition is added', () => {
    const tables = definitionTables(builtins);
    for (const name of [...builtins.dbs.keys(), ...builtins.workloads.keys(), ...builtins.faults.keys()]) expect(tables).toContain(`| \`${name}\` |`);
    expect(tables).toContain('`--store-mode` (default raft)');
    const lag = defineFault({ name: 'lag', description: 'adds | lag', healRank: 45, create: () => ({ fault: 'lag', invoke: async () => null }) });
    expect(definitionTables(extendRegistry(builtins, [lag], []))).toContain('| `lag` | 45 | adds \\| lag |  |');
    expect(() => withTables('no markers', tables)).toThrow(`README.md has no definition tables markers; expected ${TABLES_START} ... ${TABLES_END}`);
  });
});
