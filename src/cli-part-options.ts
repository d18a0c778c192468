// The command line's flags for the options of databases, workloads and faults, made from their
// definitions: one flag per name, its help naming who has it and the default.
import { Option } from 'commander';
import type { OptionDef } from './define/options.js';
import { flagOf, shownDefault } from './define/options.js';
import { allDefinitions, type Registry } from './define/registry.js';

/** Lists of choices longer than this are shown in the help, not in the flag's column. */
const LONG_CHOICES = 40;

/** One commander option per part flag; a flag several parts share is listed once, naming them all (and, where their definitions differ, what each says). */
export function partOptions(registry: Registry): Option[] {
  const byFlag = new Map<string, { def: OptionDef<unknown>; owner: string }[]>();
  for (const definition of allDefinitions(registry)) {
    for (const [key, def] of Object.entries(definition.options)) {
      const flag = flagOf(key, def);
      const entries = byFlag.get(flag) ?? byFlag.set(flag, []).get(flag)!;
      entries.push({ def, owner: `${definition.kind === 'fault' ? 'nemesis' : definition.kind} ${definition.name}` });
    }
  }
  return [...byFlag].map(([flag, entries]) => {
    // Parts whose definitions of the flag say the same are named together.
    const groups = new Map<string, { def: OptionDef<unknown>; owners: string[] }>();
    for (const { def, owner } of entries) {
      const said = describeDef(def);
      (groups.get(said) ?? groups.set(said, { def, owners: [] }).get(said)!).owners.push(owner);
    }
    const def = entries[0]!.def;
    const choices = [...new Set(entries.flatMap((e) => e.def.choices ?? []))];
    // A long list of choices goes into the help, so it does not widen the flag column of every line.
    const longList = def.kind === 'list' && choices.join(',').length > LONG_CHOICES;
    const value = longList ? '<list>' : def.kind === 'list' ? `<${choices.join(',')}>` : choices.length > 0 ? `<${choices.join('|')}>` : `<${def.kind === 'boolean' ? 'on|off' : def.kind === 'string' ? 'text' : def.kind === 'integers' ? 'n,...' : 'n'}>`;
    return new Option(`--${flag} ${value}`, [...groups].map(([said, g]) => `${g.owners.join(', ')}: ${said}`).join(' \u00b7 '));
  });
}

/** What a flag's help says of one definition: its help, long choice lists, its default. */
function describeDef(def: OptionDef<unknown>): string {
  const shown = shownDefault(def) === undefined ? '' : `; default ${shownDefault(def)}`;
  const longList = def.kind === 'list' && (def.choices?.join(',').length ?? 0) > LONG_CHOICES;
  const choices = longList ? ` (comma separated, of: ${def.choices?.join(', ')})` : '';
  return `${def.help}${choices}${shown}`;
}
