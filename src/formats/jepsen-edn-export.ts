// Writes faultline histories as Jepsen EDN, one op map per line (as Jepsen stores history.edn), so
// Jepsen's own checkers (Elle, Knossos, elle-cli) can check what faultline recorded.
//
// Ops become {:index i, :time t, :type :ok, :process p, :f :name, :value v} plus :node and :error
// when present; the nemesis is :nemesis. Values map as JSON would to EDN, except:
//   - transaction micro-ops ["append", k, v] / ["r", k, v] / ["w", k, v] (in an op with f "txn")
//     start with a keyword, [:append k v], as Elle's list-append and rw-register expect;
//   - object keys that are keyword names become keywords ({from: 1} -> {:from 1}), keys that are
//     integers become integers (bank reads {"0": 10} -> {0 10}), others stay strings.
// jepsen-edn.ts reads every such file back into the same history.
import type { History, Op } from '../op.js';

// A name EDN reads as a keyword: no leading digit, at most one `/` between two non-empty parts.
const KEYWORD = /^[A-Za-z*+!_?<>=.][A-Za-z0-9*+!_?<>=.-]*(\/[A-Za-z*+!_?<>=.-][A-Za-z0-9*+!_?<>=.-]*)?$/;
const INTEGER = /^(0|-?[1-9][0-9]*)$/;

/** The history as EDN text, one op per line. */
export function writeJepsenEdn(history: History): string {
  return history.map((op) => `${opToEdn(op)}\n`).join('');
}

/** One op as an EDN map. */
export function opToEdn(op: Op): string {
  const parts = [
    `:index ${integer(op.index, 'index', op)}`,
    `:time ${integer(op.time, 'time', op)}`,
    `:type :${op.type}`,
    `:process ${op.process === 'nemesis' ? ':nemesis' : integer(op.process, 'process', op)}`,
    `:f ${name(op.f)}`,
    `:value ${op.f === 'txn' && isTransaction(op.value) ? transaction(op.value) : toEdn(op.value)}`,
  ];
  if (op.node !== undefined) parts.push(`:node ${string(op.node)}`);
  if (op.error !== undefined) parts.push(`:error ${string(op.error)}`);
  return `{${parts.join(', ')}}`;
}

/** A JSON-like value as EDN: null is nil, arrays are vectors, objects are maps (see the module comment for keys). */
export function toEdn(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return number(value);
  if (typeof value === 'string') return string(value);
  if (Array.isArray(value)) return `[${value.map(toEdn).join(' ')}]`;
  if (value instanceof Set) return `#{${[...value].map(toEdn).join(' ')}}`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${key(k)} ${toEdn(v)}`).join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} ${String(value)} as EDN; expected JSON-like data (null, boolean, number, string, array, object)`);
}

function isTransaction(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.every((mop) => Array.isArray(mop) && mop.length === 3 && (mop[0] === 'append' || mop[0] === 'r' || mop[0] === 'w'));
}

function transaction(mops: unknown[][]): string {
  return `[${mops.map(([f, k, v]) => `[:${String(f)} ${toEdn(k)} ${toEdn(v)}]`).join(' ')}]`;
}

function key(k: string): string {
  if (INTEGER.test(k) && Number.isSafeInteger(Number(k))) return k;
  return KEYWORD.test(k) && !INTEGER.test(k) ? `:${k}` : string(k);
}

function name(f: string): string {
  return KEYWORD.test(f) ? `:${f}` : string(f);
}

function number(n: number): string {
  if (Number.isNaN(n)) return '##NaN';
  if (n === Infinity) return '##Inf';
  if (n === -Infinity) return '##-Inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return Object.is(n, -0) ? '0' : String(n);
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function integer(n: number, field: string, op: Op): string {
  if (!Number.isInteger(n)) throw new Error(`op ${op.index}: ${field} ${String(n)} is not an integer; expected one for Jepsen's :${field}`);
  return String(n);
}

function string(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}
