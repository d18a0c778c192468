// The ops the convergence checker reads, grouped by key: the writes to each key and the reads of it
// on each node. Keys are compared by their text, so 1 (from [1, x]) and "1" (from an object) match.
import type { History } from '../src/op.js';
import { outcomeOf, positionedPairs, type PositionedPair } from './positioned-pairs.js';
import { showValue } from './witness-op.js';

/** What each key holds: a counter (adds of numbers), a set (adds of elements) or a register (writes). */
export type ReplicatedType = 'counter' | 'set' | 'register';

export interface KeyWrite {
  pair: PositionedPair;
  value: unknown;
  outcome: 'ok' | 'fail' | 'info';
}

export interface KeyRead {
  pair: PositionedPair;
  node: string;
  value: unknown;
}

export interface KeyOps {
  key: string;
  writes: KeyWrite[];
  /** Ok reads of the key by node, in invocation order. */
  readsByNode: Map<string, KeyRead[]>;
}

/** Splits a history into per-key writes and per-key, per-node reads; throws naming a malformed op. */
export function keyOps(history: History, type: ReplicatedType): Map<string, KeyOps> {
  const writeF = type === 'register' ? 'write' : 'add';
  const byKey = new Map<string, KeyOps>();
  const ops = (key: string): KeyOps => byKey.get(key) ?? byKey.set(key, { key, writes: [], readsByNode: new Map() }).get(key)!;
  for (const pair of positionedPairs(history, [writeF, 'read'])) {
    const { invoke, complete } = pair;
    if (invoke.f === writeF) {
      if (!Array.isArray(invoke.value) || invoke.value.length !== 2) {
        throw new Error(`op ${invoke.index}: ${writeF} of ${showValue(invoke.value)}; expected [key, ${type === 'register' ? 'value' : type === 'set' ? 'element' : 'amount'}]`);
      }
      const [key, value] = invoke.value as [unknown, unknown];
      if (type === 'counter' && typeof value !== 'number') throw new Error(`op ${invoke.index}: add of ${showValue(value)} to key ${keyName(key)}; expected a number`);
      ops(keyName(key)).writes.push({ pair, value, outcome: outcomeOf(pair) });
      continue;
    }
    if (outcomeOf(pair) !== 'ok') continue;
    const node = complete!.node ?? invoke.node;
    const result = complete!.value;
    if (Array.isArray(invoke.value)) {
      if (!Array.isArray(result) || result.length !== 2) throw new Error(`op ${complete!.index}: read returned ${showValue(result)}; expected [key, value]`);
      if (node !== undefined) addRead(ops(keyName(result[0])), node, pair, result[1], type);
    } else {
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        throw new Error(`op ${complete!.index}: read of every key returned ${showValue(result)}; expected an object of key to value`);
      }
      if (node !== undefined) for (const [key, value] of Object.entries(result)) addRead(ops(key), node, pair, value, type);
    }
  }
  return byKey;
}

function addRead(ops: KeyOps, node: string, pair: PositionedPair, value: unknown, type: ReplicatedType): void {
  if (type === 'set' && value !== null && !Array.isArray(value)) throw new Error(`op ${pair.complete!.index}: read of set ${ops.key} returned ${showValue(value)}; expected an array of elements`);
  if (type === 'counter' && value !== null && typeof value !== 'number') throw new Error(`op ${pair.complete!.index}: read of counter ${ops.key} returned ${showValue(value)}; expected a number`);
  const reads = ops.readsByNode.get(node) ?? ops.readsByNode.set(node, []).get(node)!;
  reads.push({ pair, node, value });
}

/** A key's text: strings as they are, anything else as JSON. */
export function keyName(key: unknown): string {
  return typeof key === 'string' ? key : JSON.stringify(key) ?? String(key);
}

/** The canonical text of a value of the type: sets are sorted, null reads the initial value. */
export function canonical(value: unknown, type: ReplicatedType): string {
  if (type === 'set') return JSON.stringify(((value ?? []) as unknown[]).map((e) => JSON.stringify(e)).sort());
  if (type === 'counter') return JSON.stringify(value ?? 0);
  return JSON.stringify(value ?? null);
}
