// Jepsen and Knossos histories in EDN: one vector (or list) of op maps, or one op map per line.
// Keywords become strings (`:read` -> "read"), `:process :nemesis` becomes "nemesis", and an op
// with a `:key` gets the value `[key, value]`, faultline's shape for independent keys.
import type { History, Op, OpType, Process } from '../op.js';
import { EdnMap, ednLine, ednToPlain, readEdn, showEdn, type EdnForm, type EdnValue } from './edn.js';
import { EdnKeyword, EdnSymbol } from './edn.js';

const TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];

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
  return ops.map(({ value, line }, position) => opFromEdn(value, position, `line ${line} of ${source}`));
}

/** Converts one EDN op map; `where` names its place for errors ("line 3 of h.edn"). */
export function opFromEdn(value: EdnValue, position: number, where: string): Op {
  const expected = 'an op map {:process P, :type :invoke|:ok|:fail|:info, :f F, :value V}';
  if (!(value instanceof EdnMap)) throw new Error(`${where}: expected ${expected}, got ${showEdn(value).slice(0, 80)}`);
  const type = nameOf(value.get('type'));
  if (!type || !(TYPES as readonly string[]).includes(type)) {
    throw new Error(`${where}: expected :type :invoke | :ok | :fail | :info, got ${showEdn(value.get('type'))}`);
  }
  const f = nameOf(value.get('f'));
  if (f === undefined) throw new Error(`${where}: expected :f to be a keyword or string, got ${showEdn(value.get('f'))}`);
  const op: Op = {
    index: numberOr(value.get('index'), position),
    time: numberOr(value.get('time'), position),
    process: processOf(value.get('process'), where),
    type: type as OpType,
    f,
    value: ednToPlain(value.get('value') ?? null),
  };
  if (value.has('key')) op.value = [ednToPlain(value.get('key') ?? null), op.value];
  const error = value.get('error');
  if (error !== undefined && error !== null) {
    const plain = ednToPlain(error);
    op.error = typeof plain === 'string' ? plain : JSON.stringify(plain);
  }
  const node = value.get('node');
  if (typeof node === 'string') op.node = node;
  return op;
}

function nameOf(value: EdnValue | undefined): string | undefined {
  if (value instanceof EdnKeyword || value instanceof EdnSymbol) return value.name;
  return typeof value === 'string' ? value : undefined;
}

function numberOr(value: EdnValue | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function processOf(value: EdnValue | undefined, where: string): Process {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (nameOf(value) === 'nemesis') return 'nemesis';
  throw new Error(`${where}: expected :process to be an integer or :nemesis, got ${showEdn(value)}`);
}
