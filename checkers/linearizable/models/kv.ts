// The `kv` model: get/put/append on string values per key, every key starting as "" (Porcupine's
// kvModel). Keys are independent, so `partition` splits by key and `step` sees one key's ops.
import { ILLEGAL, UNKNOWN, type Model, type Operation, type OpView } from '../model.js';
import { canonicalValue, describeBadOp, showValue, type Canonical } from './canonical-value.js';

export type KvInput = { f: 'get' | 'put' | 'append'; key: Canonical; value: string };

/** A get's value; null for put and append. */
export type KvOutput = string | null;

/**
 * A key's value and a hash of how it was built (put, then appends), so the search can tell states
 * apart without hashing long strings. Equal text built two ways may hash apart: the search then
 * merely treats them as two states, which is safe.
 */
export interface KvState {
  readonly text: string;
  readonly hash: number;
}

/** A string store with get/put/append, partitioned by key. */
export function kvModel(): Model<KvState, KvInput, KvOutput> {
  const expected = 'get | put | append with a string value';
  const text = (name: string, f: string, value: unknown): string => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw new Error(describeBadOp(name, f, value, expected));
  };
  return {
    name: 'kv',
    init: () => ({ text: '', hash: 0 }),
    step(state, input, output) {
      switch (input.f) {
        case 'get':
          return output === UNKNOWN || output === state.text ? state : ILLEGAL;
        case 'put':
          return { text: input.value, hash: mixHash(0x2545f491, input.value) };
        case 'append':
          return { text: state.text + input.value, hash: mixHash(state.hash, input.value) };
      }
    },
    hash: (state) => state.hash,
    equal: (a, b) => a.text === b.text,
    readOnly: (input) => input.f === 'get',
    partition(operations) {
      const byKey = new Map<Canonical, (typeof operations)[number][]>();
      for (const op of operations) {
        const list = byKey.get(op.input.key);
        if (list) list.push(op);
        else byKey.set(op.input.key, [op]);
      }
      return [...byKey.values()];
    },
    couldBecomeLegal(operations) {
      // The value only grows, except by a put: a get can still succeed only if it extends the value,
      // or if an unplaced put of one of its prefixes remains.
      const puts = operations.flatMap((op, i) => (op.input.f === 'put' ? [i] : []));
      const restarts = new Map<number, number[]>();
      const restartsOf = (g: number): number[] => {
        let list = restarts.get(g);
        if (!list) {
          const get = operations[g]!;
          const seen = get.output as string;
          list = puts.filter((p) => operations[p]!.input.key === get.input.key && operations[p]!.call < get.return && seen.startsWith(operations[p]!.input.value));
          restarts.set(g, list);
        }
        return list;
      };
      return (state, g, placed) => {
        const get = operations[g]!;
        if (get.input.f !== 'get' || (get.output as string).startsWith(state.text)) return true;
        return restartsOf(g).some((p) => !placed(p));
      };
    },
    fromOp(op: OpView) {
      const key = canonicalValue(op.key);
      switch (op.f) {
        case 'get':
          if (!op.known) return undefined;
          return { input: { f: 'get', key, value: '' }, output: text('kv', op.f, op.result) };
        case 'put':
        case 'append':
          return { input: { f: op.f, key, value: text('kv', op.f, op.value) }, output: op.known ? null : UNKNOWN };
        default:
          throw new Error(describeBadOp('kv', op.f, op.value, expected));
      }
    },
    describeOperation(input, output) {
      const unknown = output === UNKNOWN ? ' (unknown)' : '';
      if (input.f === 'get') return output === UNKNOWN ? 'get (unknown)' : `get -> ${showValue(output)}`;
      return `${input.f} ${showValue(input.value)}${unknown}`;
    },
    describeState: (state) => showValue(state.text),
    explainIllegal(state, input, output) {
      return `${input.f} returned ${showValue(output === UNKNOWN ? null : output)} but the key held ${showValue(state.text)}`;
    },
    crashObservers: kvCrashObservers,
  };
}

/**
 * An unknown put of v matters only to gets whose value starts with v (appends only add after it);
 * an unknown append of x only to gets containing x. Nothing but get observes the state.
 */
function kvCrashObservers(operations: readonly Operation<KvInput, KvOutput>[]): (readonly number[] | undefined)[] {
  const gets: number[] = [];
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i]!;
    if (op.input.f === 'get' && op.output !== UNKNOWN) gets.push(i);
  }
  return operations.map((op) => {
    if (op.output !== UNKNOWN) return undefined;
    const { f, key, value } = op.input;
    if (f === 'get') return [];
    return gets.filter((g) => {
      const got = operations[g]!;
      if (got.input.key !== key || got.return < op.call) return false;
      const seen = got.output as string;
      return f === 'put' ? seen.startsWith(value) : seen.includes(value);
    });
  });
}

/** FNV-style mixing of a string into a running hash. */
function mixHash(hash: number, text: string): number {
  let x = hash ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 0x01000193);
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d);
  return (x ^ (x >>> 12)) | 0;
}
