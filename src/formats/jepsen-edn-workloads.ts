// Jepsen EDN histories of the list-append, rw-register, set, counter and bank workloads, read into the op shapes
// faultline's checkers take (see checkers/cycle/transactions.ts, set.ts, counter.ts, bank.ts). The
// reader is jepsen-edn.ts; this adds what each workload needs: Elle's list-append ops often carry no
// `:f` (they become `txn`), and each op's f and value are checked against the workload's shapes.
// Set and counter ops may be on independent keys (values `[k x]`, as jepsen.independent and
// faultline write them): then each op's inner value x is checked.
import type { History, Op } from '../op.js';
import { EdnKeyword, EdnMap, readEdn, type EdnForm, type EdnValue } from './edn.js';
import { ednOpForms, opFromEdn } from './jepsen-edn.js';

/** The ops each workload's client makes; other f values are rejected (nemesis ops pass). */
export const jepsenWorkloads = {
  'list-append': ['txn'],
  'rw-register': ['txn'],
  set: ['add', 'read'],
  counter: ['add', 'read'],
  // faultline's bank also records the one `create` of the accounts; the bank checker ignores it.
  bank: ['transfer', 'read', 'create'],
} as const satisfies Record<string, readonly string[]>;

export type JepsenWorkload = keyof typeof jepsenWorkloads;

/** Reads a Jepsen EDN history of `workload`; errors name the line, the bad value and what was expected. */
export function readJepsenWorkloadEdn(text: string, workload: JepsenWorkload, source = 'history.edn'): History {
  return jepsenWorkloadHistory(ednOpForms(readEdn(text, source)), workload, source);
}

/** Converts op forms (from `ednOpForms`) of `workload` into a History, checking each op's shape. */
export function jepsenWorkloadHistory(forms: readonly EdnForm[], workload: JepsenWorkload, source = 'history.edn'): History {
  if (!Object.hasOwn(jepsenWorkloads, workload)) {
    throw new Error(`unknown Jepsen workload "${String(workload)}"; expected one of ${Object.keys(jepsenWorkloads).join(', ')}`);
  }
  const lines: number[] = [];
  const history = forms.map(({ value, line }, position) => {
    lines.push(line);
    return opFromEdn(workload === 'list-append' ? withDefaultF(value, 'txn') : value, position, `${source} line ${line}`);
  });
  const keyed = hasIndependentKeys(history, workload);
  history.forEach((op, i) => {
    if (op.process !== 'nemesis') checkShape(keyed ? { ...op, value: innerValue(op.value) } : op, workload, `${source} line ${lines[i]}`);
  });
  return history;
}

/**
 * Whether a set or counter history is on independent keys: every client op's value is a pair
 * `[k, x]`, and every ok read a pair `[k, elements]` (set) or `[k, n]` (counter). Jepsen's plain set
 * reads return a bare collection, so `[0 1 2]` is a read of three elements, not key 0.
 */
export function hasIndependentKeys(history: History, workload: JepsenWorkload | (string & {})): boolean {
  if (workload !== 'set' && workload !== 'counter') return false;
  let clientOps = 0;
  for (const op of history) {
    if (op.process === 'nemesis' || op.type === 'fail' || op.type === 'info') continue;
    clientOps++;
    if (!Array.isArray(op.value) || op.value.length !== 2) return false;
    if (op.f === 'read' && op.type === 'ok' && !(workload === 'set' ? Array.isArray(op.value[1]) : typeof op.value[1] === 'number')) return false;
  }
  return clientOps > 0;
}

/** x of a pair `[k, x]`; anything else as it is (an info completion may carry no pair). */
function innerValue(value: unknown): unknown {
  return Array.isArray(value) && value.length === 2 ? value[1] : value;
}

/** The map with `:f` set to `f` when it has none (Elle's list-append histories omit it). */
function withDefaultF(value: EdnValue, f: string): EdnValue {
  if (!(value instanceof EdnMap)) return value;
  const current = value.get('f');
  if (current !== undefined && current !== null) return value;
  return new EdnMap([...value.entries.filter(([k]) => !(k instanceof EdnKeyword && k.name === 'f')), [new EdnKeyword('f'), new EdnKeyword(f)]]);
}

function checkShape(op: Op, workload: JepsenWorkload, where: string): void {
  const fs: readonly string[] = jepsenWorkloads[workload];
  if (!fs.includes(op.f)) throw new Error(`${where}: expected :f ${fs.map((f) => `:${f}`).join(' | ')} for the ${workload} workload, got :${op.f}`);
  const bad = (expected: string): Error => new Error(`${where}: expected ${expected}, got ${show(op.value)}`);
  const value = op.value;
  switch (workload) {
    case 'list-append':
      if (!Array.isArray(value)) throw bad('a transaction [[:append k v] [:r k nil] ...]');
      for (const mop of value) {
        if (!Array.isArray(mop) || mop.length !== 3 || (mop[0] !== 'append' && mop[0] !== 'r')) throw bad('micro-ops [:append k v] or [:r k v]');
      }
      break;
    case 'rw-register':
      if (!Array.isArray(value)) throw bad('a transaction [[:w k v] [:r k nil] ...]');
      for (const mop of value) {
        if (!Array.isArray(mop) || mop.length !== 3 || (mop[0] !== 'w' && mop[0] !== 'r')) throw bad('micro-ops [:w k v] or [:r k v]');
      }
      break;
    case 'set':
    case 'counter':
      if (op.f === 'read' && op.type === 'ok' && (workload === 'set' ? !Array.isArray(value) : typeof value !== 'number')) {
        throw bad(workload === 'set' ? 'a read of a collection of elements' : 'a read of a number');
      }
      if (workload === 'counter' && op.f === 'add' && typeof value !== 'number') throw bad(':add of a number');
      break;
    case 'bank':
      if (op.f === 'read' && op.type === 'ok' && !isBalances(value)) throw bad('a read of a map {account balance} with balances numbers below 2^53');
      if (op.f === 'transfer' && op.type === 'invoke' && !isTransfer(value)) throw bad('a transfer {:from a, :to b, :amount n}');
      break;
  }
}

function isBalances(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((b) => typeof b === 'number' || b === null);
}

function isTransfer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'from' in value && 'to' in value && typeof (value as { amount?: unknown }).amount === 'number';
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}
