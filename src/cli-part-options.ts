// The command line's flags for the options of databases, workloads and faults, made from their
// definitions: one flag per name, its help naming who has it and the default.
import { Option } from 'commander';
import type { OptionDef } from './define/options.js';
import { flagOf } from './define/options.js';
import { allDefinitions, type Registry } from './define/registry.js';

/** Lists of choices longer than this are shown in the help, not in the flag's column. */
const LONG_CHOICES = 40;

/** One commander option per part flag; a flag several parts share is listed once, naming them all. */
export function partOptions(registry: Registry): Option[] {
  const byFlag = new Map<string, { def: OptionDef<unknown>; owners: string[] }>();
  for (const definition of allDefinitions(registry)) {
    for (const [key, def] of Object.entries(definition.options)) {
      const flag = flagOf(key, def);
      const entry = byFlag.get(flag) ?? { def, owners: [] };
      entry.owners.push(`${definition.kind === 'fault' ? 'nemesis' : definition.kind} ${definition.name}`);
      byFlag.set(flag, entry);
    }
  }
  return [...byFlag].map(([flag, { def, owners }]) => {
    const shown = typeof def.default === 'function' || def.default === undefined ? '' : `; default ${Array.isArray(def.default) ? def.default.join(',') : String(def.default)}`;
    // A long list of choices goes into the help, so it does not widen the flag column of every line.
    const longList = def.kind === 'list' && (def.choices?.join(',').length ?? 0) > LONG_CHOICES;
    const value = longList ? '<list>' : def.kind === 'list' ? `<${def.choices?.join(',')}>` : def.choices ? `<${def.choices.join('|')}>` : `<${def.kind === 'boolean' ? 'on|off' : def.kind === 'string' ? 'text' : def.kind === 'integers' ? 'n,...' : 'n'}>`;
    const choices = longList ? ` (comma separated, of: ${def.choices?.join(', ')})` : '';
    return new Option(`--${flag} ${value}`, `${owners.join(', ')}: ${def.help}${choices}${shown}`);
  });
}
