// The one schema of an op (DESIGN.md §2), whatever format it came in: each field's rule and what it
// expects, applied by every history reader at the boundary, so a bad op is reported the same way in
// every format: `h.jsonl line 12: "time" is "x"; expected a non-negative integer (ns)`.
import type { Op, OpType, Process } from '../op.js';

export const OP_TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];

/** One op as a reader sees it: plain field values (EDN keywords already names) and how to show each. */
export interface OpRecord {
  /** The field's value as plain data; undefined when the op has no such field. */
  get(field: string): unknown;
  /** The field's value as the file wrote it, for errors. */
  show(field: string): string;
  /** The field's name as the format writes it: `"time"` in JSON, `:time` in EDN. */
  name(field: string): string;
}

/** What each checked field expects, in words. */
export const OP_FIELD_EXPECTED = {
  index: 'a non-negative integer',
  time: 'a non-negative integer (ns)',
  process: 'a non-negative integer or "nemesis"',
  type: 'one of invoke, ok, fail, info',
  f: 'a non-empty string',
  node: 'a node name (a string)',
} as const;

/** A non-negative integer a double holds exactly (times in ns fit until 104 days). */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The op a record describes, or an error naming `where` (file and line), the field, the value
 * received and what was expected. A missing index or time is the op's position; a missing value is
 * null; an error that is not a string is kept as its JSON text.
 */
export function opFromRecord(record: OpRecord, position: number, where: string): Op {
  const bad = (field: keyof typeof OP_FIELD_EXPECTED, extra = ''): Error =>
    new Error(`${where}: ${record.name(field)} is ${record.get(field) === undefined ? 'missing' : record.show(field)}; expected ${OP_FIELD_EXPECTED[field]}${extra}`);
  const index = countOr(record.get('index'), position, () => bad('index', beyondDouble(record.get('index'))));
  const time = countOr(record.get('time'), position, () => bad('time', beyondDouble(record.get('time'))));
  const process = record.get('process');
  if (!(process === 'nemesis' || isCount(process))) throw bad('process', beyondDouble(process));
  const type = record.get('type');
  if (typeof type !== 'string' || !(OP_TYPES as readonly string[]).includes(type)) throw bad('type');
  const f = record.get('f');
  if (typeof f !== 'string' || f === '') throw bad('f');
  const op: Op = { index, time, process: process as Process, type: type as OpType, f, value: record.get('value') ?? null };
  const node = record.get('node');
  if (node !== undefined && node !== null) {
    if (typeof node !== 'string' || node === '') throw bad('node');
    op.node = node;
  }
  const error = record.get('error');
  if (error !== undefined && error !== null) op.error = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  return op;
}

const TYPE_SET: ReadonlySet<unknown> = new Set(OP_TYPES);

/**
 * The op of a parsed JSON object when every field already is what the schema wants, built without
 * a record: the common case, which keeps reading a 1M-op history fast. Undefined for anything else,
 * which `opFromRecord` then accepts with defaults or refuses with the message. The test checks
 * that both agree wherever this one answers.
 */
export function opFromJsonFast(o: Record<string, unknown>, position: number): Op | undefined {
  const { index, time, process, type, f, value, node, error } = o;
  if (!(index === undefined || index === null || isCount(index))) return undefined;
  if (!(time === undefined || time === null || isCount(time))) return undefined;
  if (!(process === 'nemesis' || isCount(process)) || !TYPE_SET.has(type) || typeof f !== 'string' || f === '') return undefined;
  const op: Op = { index: index ?? position, time: time ?? position, process, type: type as OpType, f, value: value ?? null };
  if (node !== undefined && node !== null) {
    if (typeof node !== 'string' || node === '') return undefined;
    op.node = node;
  }
  if (error !== undefined && error !== null) {
    if (typeof error !== 'string') return undefined;
    op.error = error;
  }
  return op;
}

function countOr(value: unknown, fallback: number, bad: () => Error): number {
  if (value === undefined || value === null) return fallback;
  if (!isCount(value)) throw bad();
  return value;
}

/** A note for integers too big for a double, which faultline cannot hold exactly. */
function beyondDouble(value: unknown): string {
  const big = (typeof value === 'number' && Number.isInteger(value) && value > 0) || typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+N$/.test(value));
  return big ? ' (this one is beyond 2^53, which faultline cannot hold exactly)' : '';
}

/** A value as short JSON for errors (at most 80 characters). */
export function showJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}

/** An OpRecord over a parsed JSON object (jsonl and elle-cli JSON). */
export function jsonOpRecord(o: Record<string, unknown>, defaults: { f?: string } = {}): OpRecord {
  return {
    get: (field) => {
      const value = Object.hasOwn(o, field) ? o[field] : undefined;
      return field === 'f' && (value === undefined || value === null) ? defaults.f : value;
    },
    show: (field) => showJson(Object.hasOwn(o, field) ? o[field] : undefined),
    name: (field) => JSON.stringify(field),
  };
}
