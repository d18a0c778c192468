// The CRDTs of the crdt mode, as plain JSON states with a join (merge) and a value:
//  - G-counter: per node, how much that node added; the value is the sum; merge is pointwise max.
//  - PN-counter: two G-counters, increments (p) and decrements (n); the value is sum(p) - sum(n).
//  - OR-set (add-wins): each add tags the element with a unique dot (node:event); a remove removes
//    the dots it has seen, so an add concurrent with a remove survives it. Merge unions both.
// States are kept canonical (sorted keys and dots) so equal states have equal JSON text.
import type { CounterType, Json } from '../protocol.js';

export interface CounterState {
  t: CounterType;
  p: Record<string, number>;
  n: Record<string, number>;
}

export interface OrSetState {
  t: 'or-set';
  /** Element (its JSON text) -> dots of the adds not known to be removed. */
  a: Record<string, string[]>;
  /** Dots removed (kept, so a late copy of a removed add stays removed). */
  r: string[];
}

export type CrdtState = CounterState | OrSetState;

/** The join of two states of one key. States of different kinds (a client error) keep the one whose kind sorts first. */
export function mergeCrdt(a: CrdtState, b: CrdtState): CrdtState {
  if (a.t === 'or-set' && b.t === 'or-set') return mergeSets(a, b);
  if (a.t !== 'or-set' && b.t !== 'or-set') {
    // A G-counter is a PN-counter whose n is empty: merging one into a PN-counter loses nothing.
    return { t: a.t === 'pn-counter' || b.t === 'pn-counter' ? 'pn-counter' : 'g-counter', p: maxMerge(a.p, b.p), n: maxMerge(a.n, b.n) };
  }
  return a.t < b.t ? a : b;
}

/** What a read returns: a counter's number, or a set's elements ordered by their JSON text. */
export function crdtValue(state: CrdtState): Json {
  if (state.t === 'or-set') return Object.keys(state.a).sort().map((text) => JSON.parse(text) as Json);
  return sum(state.p) - sum(state.n);
}

/** The delta that adds `delta` to `node`'s share of a counter whose current state is `current`. */
export function counterDelta(current: CounterState | null, type: CounterType, node: string, delta: number): CounterState {
  const p = current?.p[node] ?? 0;
  const n = current?.n[node] ?? 0;
  return delta >= 0 ? { t: type, p: { [node]: p + delta }, n: {} } : { t: type, p: {}, n: { [node]: n - delta } };
}

/** The delta that adds `element` with a fresh dot. */
export function addDelta(element: Json, dot: string): OrSetState {
  return { t: 'or-set', a: { [JSON.stringify(element)]: [dot] }, r: [] };
}

/** The delta that removes every add of `element` this replica has seen. */
export function removeDelta(current: OrSetState | null, element: Json): OrSetState {
  return { t: 'or-set', a: {}, r: [...(current?.a[JSON.stringify(element)] ?? [])].sort() };
}

function mergeSets(a: OrSetState, b: OrSetState): OrSetState {
  const removed = new Set([...a.r, ...b.r]);
  const adds: Record<string, string[]> = {};
  for (const text of [...new Set([...Object.keys(a.a), ...Object.keys(b.a)])].sort()) {
    const dots = [...new Set([...(a.a[text] ?? []), ...(b.a[text] ?? [])])].filter((d) => !removed.has(d)).sort();
    if (dots.length > 0) adds[text] = dots;
  }
  return { t: 'or-set', a: adds, r: [...removed].sort() };
}

function maxMerge(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const node of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) merged[node] = Math.max(a[node] ?? 0, b[node] ?? 0);
  return merged;
}

function sum(counts: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
