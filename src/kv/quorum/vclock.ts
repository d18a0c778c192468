// Vector clocks with siblings (Dynamo, Riak with allow_mult): a value's clock counts, per node, the
// writes it coordinated that this value has seen. A replica keeps every value whose clock no other
// value's clock dominates, so concurrent writes survive side by side as siblings; a read returns
// them all with a context (the join of their clocks), and a write that sends that context back
// supersedes exactly the siblings it read. Nothing acknowledged is lost; the client must resolve.
import type { Json } from '../protocol.js';
import type { ReadResult, Versioning } from './versioning.js';

export type VClock = Record<string, number>;

export interface Sibling {
  v: Json;
  c: VClock;
}

export interface VcState {
  s: Sibling[];
}

/** True when every entry of a is at most b's: a happened before b or equals it. */
export function descends(b: VClock, a: VClock): boolean {
  for (const [node, n] of Object.entries(a)) if ((b[node] ?? 0) < n) return false;
  return true;
}

/** The pointwise maximum, keys sorted. */
export function joinClocks(clocks: VClock[]): VClock {
  const joined: VClock = {};
  for (const clock of clocks) for (const [node, n] of Object.entries(clock)) joined[node] = Math.max(joined[node] ?? 0, n);
  return sortKeys(joined);
}

export function encodeContext(clock: VClock): string {
  return Buffer.from(JSON.stringify(clock)).toString('base64url');
}

/** Parses a context a read returned; throws naming the bad text. */
export function decodeContext(text: string): VClock {
  let clock: unknown;
  try {
    clock = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    clock = undefined;
  }
  if (typeof clock !== 'object' || clock === null || Array.isArray(clock) || !Object.values(clock).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw new Error(`context ${JSON.stringify(text.slice(0, 60))} is not a context a read returned (base64url JSON of node -> count)`);
  }
  return clock as VClock;
}

export class VcVersioning implements Versioning<VcState> {
  constructor(
    private readonly self: string,
    private readonly nextEvent: () => number,
  ) {}

  /** Keeps the siblings no other sibling strictly dominates; one of each clock; canonical order. */
  merge(a: VcState, b: VcState): VcState {
    const all = [...a.s, ...b.s];
    const kept: Sibling[] = [];
    for (const x of all) {
      const dominated = all.some((y) => y !== x && descends(y.c, x.c) && !descends(x.c, y.c));
      if (dominated || kept.some((k) => descends(k.c, x.c) && descends(x.c, k.c))) continue;
      kept.push({ v: x.v, c: sortKeys(x.c) });
    }
    kept.sort((x, y) => compareText(JSON.stringify(x.c), JSON.stringify(y.c)));
    return { s: kept };
  }

  reply(state: VcState | null): ReadResult {
    const siblings = state?.s ?? [];
    const result: ReadResult = { siblings: siblings.map((s) => s.v), context: encodeContext(joinClocks(siblings.map((s) => s.c))) };
    if (siblings.length <= 1) result.value = siblings[0]?.v ?? null;
    return result;
  }

  values(state: VcState | null): Json[] {
    return state?.s.map((s) => s.v) ?? [];
  }

  /** Vector clocks are only partially ordered: no versions (a read with `after` is unsupported). */
  version(): undefined {
    return undefined;
  }

  write(value: Json, basis: { state: VcState | null } | { context: string | undefined }): VcState {
    const seen = 'state' in basis ? joinClocks(basis.state?.s.map((s) => s.c) ?? []) : basis.context === undefined ? {} : decodeContext(basis.context);
    // A number this node never used before dominates every clock it could have put in `seen`.
    return { s: [{ v: value, c: sortKeys({ ...seen, [this.self]: this.nextEvent() }) }] };
  }
}

function sortKeys(clock: VClock): VClock {
  return Object.fromEntries(Object.entries(clock).sort(([a], [b]) => compareText(a, b)));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
