// Jepsen and Knossos histories in EDN: one vector (or list) of op maps, or one op map per line.
// Keywords become strings (`:read` -> "read"), `:process :nemesis` becomes "nemesis", and an op
// with a `:key` gets the value `[key, value]`, faultline's shape for independent keys.
import type { History, Op } from '../op.js';
import { EdnMap, ednLine, ednToPlain, readEdn, showEdn, type EdnForm, type EdnValue } from './edn.js';
import { EdnKeyword, EdnSymbol } from './edn.js';
import { opFromRecord, type OpRecord } from './op-schema.js';

/** Reads a Jepsen EDN history. Ops without `:index`/`:time` get their position in the file. */
export function readJepsenEdn(text: string, source = 'history.edn'): History {
  return historyFromEdnOps(ednOpForms(readEdn(text, source)), source);
}

/** The op forms of a parsed history: the elements of one top-level vector (or list), else every top-level form. */
export function ednOpForms(forms: readonly EdnForm[]): EdnForm[] {
  const first = forms[0];
  if (forms.length === 1 && first && Array.isArray(first.value)) {
    return first.value.map((value) => ({ value, line: ednLine(value) ?? first.line }));
  }
  return [...forms];
}

/** Converts op forms (from `ednOpForms`) into a History; errors name the line in `source`. */
export function historyFromEdnOps(ops: readonly EdnForm[], source = 'history.edn'): History {
  return ops.map(({ value, line }, position) => opFromEdn(value, position, `${source} line ${line}`));
}

/** Converts one EDN op map; `where` names its place for errors ("h.edn line 3"). Checked against the op schema. */
export function opFromEdn(value: EdnValue, position: number, where: string): Op {
  if (!(value instanceof EdnMap)) {
    throw new Error(`${where}: expected an op map {:process P, :type :invoke|:ok|:fail|:info, :f F, :value V}, got ${showEdn(value).slice(0, 80)}`);
  }
  const op = opFromRecord(ednOpRecord(value), position, where);
  if (value.has('key')) op.value = [ednToPlain(value.get('key') ?? null), op.value];
  return op;
}

/** An OpRecord over an EDN op map: keywords are their names, `:process :nemesis` is "nemesis". */
function ednOpRecord(map: EdnMap): OpRecord {
  return {
    get: (field) => {
      const value = map.get(field);
      if (value === undefined) return undefined;
      switch (field) {
        case 'type':
        case 'f':
          return nameOf(value) ?? value;
        case 'process':
          return nameOf(value) === 'nemesis' ? 'nemesis' : value;
        case 'index':
        case 'time':
          return value;
        default:
          return ednToPlain(value);
      }
    },
    show: (field) => showEdn(map.get(field)).slice(0, 80),
    name: (field) => `:${field}`,
  };
}

function nameOf(value: EdnValue | undefined): string | undefined {
  if (value instanceof EdnKeyword || value instanceof EdnSymbol) return value.name;
  return typeof value === 'string' ? value : undefined;
}
