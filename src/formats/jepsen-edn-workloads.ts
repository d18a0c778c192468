// Jepsen EDN histories of the list-append, set, counter and bank workloads, read into the op shapes
// faultline's checkers take (see checkers/cycle/transactions.ts, set.ts, counter.ts, bank.ts). The
// reader is jepsen-edn.ts; this adds what each workload needs: Elle's list-append ops often carry no
// `:f` (they become `txn`), and each op's f and value are checked against the workload's shapes.
import type { History, Op } from '../op.js';
import { EdnKeyword, EdnMap, ednLine, readEdn, type EdnValue } from './edn.js';
import { opFromEdn } from './jepsen-edn.js';

/** The ops each workload's client makes; other f values are rejected (nemesis ops pass). */
export const jepsenWorkloads = {
  'list-append': ['txn'],
  set: ['add', 'read'],
  counter: ['add', 'read'],
  bank: ['transfer', 'read'],
} as const satisfies Record<string, readonly string[]>;

export type JepsenWorkload = keyof typeof jepsenWorkloads;

/** Reads a Jepsen EDN history of `workload`; errors name the line, the bad value and what was expected. */
export function readJepsenWorkloadEdn(text: string, workload: JepsenWorkload, source = 'history.edn'): History {
  if (!Object.hasOwn(jepsenWorkloads, workload)) {
    throw new Error(`unknown Jepsen workload "${String(workload)}"; expected one of ${Object.keys(jepsenWorkloads).join(', ')}`);
  }
  const forms = readEdn(text, source);
  const first = forms[0];
  const maps =
    forms.length === 1 && first && Array.isArray(first.value) ? first.value.map((value) => ({ value, line: ednLine(value) ?? first.line })) : forms;
  return maps.map(({ value, line }, position) => {
    const where = `line ${line} of ${source}`;
    const op = opFromEdn(workload === 'list-append' ? withDefaultF(value, 'txn') : value, position, where);
    if (op.process !== 'nemesis') checkShape(op, workload, where);
    return op;
  });
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
    case 'set':
    case 'counter':
      if (op.f === 'read' && op.type === 'ok' && (workload === 'set' ? !Array.isArray(value) : typeof value !== 'number')) {
        throw bad(workload === 'set' ? 'a read of a collection of elements' : 'a read of a number');
      }
      if (workload === 'counter' && op.f === 'add' && typeof value !== 'number') throw bad(':add of a number');
      break;
    case 'bank':
      if (op.f === 'read' && op.type === 'ok' && (typeof value !== 'object' || value === null || Array.isArray(value))) throw bad('a read of a map {account balance}');
      if (op.f === 'transfer' && op.type === 'invoke' && !isTransfer(value)) throw bad('a transfer {:from a, :to b, :amount n}');
      break;
  }
}

function isTransfer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'from' in value && 'to' in value && typeof (value as { amount?: unknown }).amount === 'number';
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}
