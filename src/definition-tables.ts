// The README's tables of databases, workloads and faults, made from their definitions, so that the
// documentation names exactly what `faultline test` accepts. `npm run readme:tables` writes them
// between the README's markers; a test fails when the README and the definitions disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { CLIENT_KIND_WORDS } from './define/db.js';
import { flagOf, shownDefault, type OptionSchema } from './define/options.js';
import type { Registry } from './define/registry.js';

export const TABLES_START = '<!-- definition tables: made by `npm run readme:tables` from the definitions; do not edit -->';
export const TABLES_END = '<!-- end of definition tables -->';

/** The three tables, as markdown. */
export function definitionTables(registry: Registry): string {
  const rows = (cells: string[][]) => cells.map((c) => `| ${c.map(escapeCell).join(' | ')} |`).join('\n');
  const dbs = [...registry.dbs.values()].map((d) => [`\`${d.name}\``, d.runtimes.join(', '), d.description, optionCells(d.options)]);
  const workloads = [...registry.workloads.values()].map((w) => {
    const needs = [...new Set(w.needs(defaultsOf(w.options)))].map((k) => CLIENT_KIND_WORDS[k]).join('; ');
    return [`\`${w.name}\``, needs, w.description, optionCells(w.options)];
  });
  const faults = [...registry.faults.values()].map((f) => [`\`${f.name}\``, String(f.healRank), f.description, optionCells(f.options)]);
  return [
    '**Databases** (`--db`)', '', '| name | runtimes | what it is | options |', '| --- | --- | --- | --- |', rows(dbs), '',
    '**Workloads** (`--workload`)', '', '| name | needs from the database | what it does | options |', '| --- | --- | --- | --- |', rows(workloads), '',
    '**Faults** (`--nemesis`, comma separated; healed in increasing heal rank)', '', '| name | heal rank | what it does | options |', '| --- | --- | --- | --- |', rows(faults),
  ].join('\n');
}

/** `text` with the tables between the markers replaced by `tables`; throws when the markers are missing. */
export function withTables(text: string, tables: string): string {
  const start = text.indexOf(TABLES_START);
  const end = text.indexOf(TABLES_END);
  if (start < 0 || end < start) throw new Error(`README.md has no definition tables markers; expected ${TABLES_START} ... ${TABLES_END}`);
  return `${text.slice(0, start + TABLES_START.length)}\n${tables}\n${text.slice(end)}`;
}

/** Rewrites README.md's tables; returns whether it changed. */
export function writeReadmeTables(readmePath: string, registry: Registry): boolean {
  const text = readFileSync(readmePath, 'utf8');
  const next = withTables(text, definitionTables(registry));
  if (next !== text) writeFileSync(readmePath, next);
  return next !== text;
}

function optionCells(options: OptionSchema): string {
  const entries = Object.entries(options);
  if (entries.length === 0) return '';
  return entries.map(([key, def]) => {
    const shown = shownDefault(def) === undefined ? '' : ` (default ${shownDefault(def)})`;
    return `\`--${flagOf(key, def)}\`${shown}: ${def.help}`;
  }).join('<br>');
}

/** The options' plain defaults, for asking a workload what it needs by default. */
function defaultsOf(options: OptionSchema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).map(([key, def]) => [key, typeof def.default === 'function' ? undefined : def.default]));
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
