// What an op needs to keep its meaning in a shrunk history: the ops whose effects it observed. A
// witness keeps every op a kept op depends on, so a read never shows a value no kept op wrote.
// Read from the ops' shapes (docs/shrinking.md has the table per workload), conservatively:
//
//   read [k, v] -> ok [k, v]        (register, session)  the writes of v to k, and cas ops to v,
//                                                          invoked before the read completed
//   cas [k, [from, to]] -> ok                             the writes (and cas ops) of `from` to k so invoked
//   read [k, null] -> ok [k, [e..]] (set)                 the adds of every element read
//   read [k, null] -> ok [k, n]     (counter)             every add to k invoked before the read completed
//   read null -> ok {account: n}    (bank)                the creates of the accounts
//   txn -> ok [['r', k, [v..]], ..] (list-append)         the txns appending each element read
//   txn -> ok [['r', k, v], ..]     (rw-register)         the txns writing v to k, invoked before it completed
//
// A history whose values are not all `[k, x]` (Knossos' and Jepsen's single registers and sets)
// is one key: `read -> ok v` depends on the writes of v, and so on. Ops of other shapes depend on
// nothing: ddmin alone decides whether they stay.
import type { Op } from '../op.js';

/** An operation as shrinking sees it: its invocation, completion and their positions in the history. */
export interface OpUnit {
  invoke: Op;
  complete: Op | undefined;
  invokeAt: number;
  /** Position of the completion; the history's length when it never completed. */
  completeAt: number;
}

/** For each unit, the units it depends on (by position in `units`); `keyed`: values are `[k, x]` (looksKeyed). */
export function opDependencies(units: readonly OpUnit[], keyed: boolean): number[][] {
  const split = (value: unknown): [unknown, unknown] | undefined => (!keyed ? [null, value] : isKeyed(value) ? value : undefined);
  const writers = new Map<string, number[]>(); // key + value -> writes, cas ops to it, rw-register writes
  const appenders = new Map<string, number[]>(); // key + element -> set adds, list appends
  const addsByKey = new Map<string, number[]>(); // counter adds
  const creates: number[] = [];
  const push = (map: Map<string, number[]>, key: string, id: number) => {
    const list = map.get(key);
    if (list) list.push(id);
    else map.set(key, [id]);
  };
  units.forEach((u, id) => {
    if (u.invoke.process === 'nemesis' || u.complete?.type === 'fail') return;
    const { f, value } = u.invoke;
    if (f === 'create') creates.push(id);
    if (f === 'txn' && Array.isArray(value)) {
      for (const mop of value) {
        if (!Array.isArray(mop)) continue;
        if (mop[0] === 'append') push(appenders, pairKey(mop[1], mop[2]), id);
        if (mop[0] === 'w') push(writers, pairKey(mop[1], mop[2]), id);
      }
      return;
    }
    const kv = split(value);
    if (kv === undefined) return;
    const [k, x] = kv;
    if (f === 'write') push(writers, pairKey(k, x), id);
    if (f === 'cas' && Array.isArray(x) && x.length === 2) push(writers, pairKey(k, x[1]), id);
    if (f === 'add') {
      push(appenders, pairKey(k, x), id);
      push(addsByKey, text(k), id);
    }
  });
  const invokedBefore = (ids: readonly number[] | undefined, at: number) => (ids ?? []).filter((id) => units[id]!.invokeAt < at);

  return units.map((u, self) => {
    if (u.complete?.type !== 'ok' || u.invoke.process === 'nemesis') return [];
    const deps: number[] = [];
    const { f } = u.invoke;
    const result = u.complete.value;
    const read = f === 'read' ? split(result) : undefined;
    const cas = f === 'cas' ? split(u.invoke.value) : undefined;
    if (read !== undefined && !(typeof result === 'object' && result !== null && !Array.isArray(result))) {
      const [k, x] = read;
      if (Array.isArray(x)) for (const e of x) deps.push(...(appenders.get(pairKey(k, e)) ?? []));
      else if (typeof x === 'number' && addsByKey.has(text(k))) deps.push(...invokedBefore(addsByKey.get(text(k)), u.completeAt));
      else if (x !== null && x !== undefined) deps.push(...invokedBefore(writers.get(pairKey(k, x)), u.completeAt));
    } else if (f === 'read' && typeof result === 'object' && result !== null && !Array.isArray(result)) {
      deps.push(...creates);
    } else if (cas !== undefined && Array.isArray(cas[1]) && cas[1][0] !== null) {
      deps.push(...invokedBefore(writers.get(pairKey(cas[0], cas[1][0])), u.completeAt));
    } else if (f === 'txn' && Array.isArray(result)) {
      for (const mop of result) {
        if (!Array.isArray(mop) || mop[0] !== 'r') continue;
        if (Array.isArray(mop[2])) for (const e of mop[2]) deps.push(...(appenders.get(pairKey(mop[1], e)) ?? []));
        else if (mop[2] !== null && mop[2] !== undefined) deps.push(...invokedBefore(writers.get(pairKey(mop[1], mop[2])), u.completeAt));
      }
    }
    return [...new Set(deps)].filter((d) => d !== self);
  });
}

/** The ids in `kept` and every id they depend on, transitively. */
export function dependencyClosure(kept: Iterable<number>, deps: readonly (readonly number[])[]): Set<number> {
  const closed = new Set<number>(kept);
  const todo = [...closed];
  while (todo.length > 0) {
    for (const d of deps[todo.pop()!] ?? []) {
      if (!closed.has(d)) {
        closed.add(d);
        todo.push(d);
      }
    }
  }
  return closed;
}

/** True when every client op's value is `[k, x]` (a cas's x a pair), as the linearizability checker decides. */
export function looksKeyed(history: readonly Op[]): boolean {
  let clientOps = 0;
  for (const op of history) {
    if (op.type !== 'invoke' || op.process === 'nemesis') continue;
    clientOps++;
    if (!isKeyed(op.value) || (op.f === 'cas' && !Array.isArray(op.value[1]))) return false;
  }
  return clientOps > 0;
}

/** True for an independent-keys value `[key, x]`. */
export function isKeyed(value: unknown): value is [unknown, unknown] {
  return Array.isArray(value) && value.length === 2 && !Array.isArray(value[0]);
}

function pairKey(k: unknown, v: unknown): string {
  return `${text(k)}\u0000${text(v)}`;
}

function text(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}
