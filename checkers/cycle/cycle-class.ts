// What kind of anomaly a cycle of the dependency graph is, by the edges it uses (Adya's phenomena as
// Jepsen's Elle names them for list-append, where every anti-dependency is on an item):
//
//   G0                  ww edges only (dirty write)
//   G1c                 ww and wr, at least one wr (circular information flow)
//   G-single-item       exactly one rw (read skew)
//   G-nonadjacent-item  two or more rw, no two of them next to each other around the cycle
//   G2-item             two or more rw, two of them next to each other (write skew)
//
// with the suffix -realtime when the cycle uses a real-time edge, else -process when it uses a
// process edge. A cycle of order edges alone cannot happen (both orders follow time).
import { PROCESS, REALTIME, RW, WR, WW } from './dependency-graph.js';

export type CycleBase = 'G0' | 'G1c' | 'G-single-item' | 'G-nonadjacent-item' | 'G2-item';
export type OrderVariant = '' | '-process' | '-realtime';

/** The bases from the most to the least severe, the order cycles are searched in. */
export const CYCLE_BASES: readonly CycleBase[] = ['G0', 'G1c', 'G-single-item', 'G-nonadjacent-item', 'G2-item'];
export const ORDER_VARIANTS: readonly OrderVariant[] = ['', '-process', '-realtime'];

/** Every cycle anomaly name, e.g. G-single-item-realtime. */
export const CYCLE_ANOMALIES: readonly string[] = ORDER_VARIANTS.flatMap((v) => CYCLE_BASES.map((b) => `${b}${v}`));

/** The order edges a variant's cycles may use. */
export function orderMask(variant: OrderVariant): number {
  return variant === '' ? 0 : variant === '-process' ? PROCESS : PROCESS | REALTIME;
}

/** The data edges a base's cycles may use. */
export function dataMask(base: CycleBase): number {
  return base === 'G0' ? WW : base === 'G1c' ? WW | WR : WW | WR | RW;
}

/** The class of a cycle whose i-th edge has type bit types[i] (the last edge closes the cycle). */
export function classifyCycle(types: ArrayLike<number>): string {
  let ww = 0;
  let wr = 0;
  let rw = 0;
  let process = 0;
  let realtime = 0;
  let adjacent = false;
  for (let i = 0; i < types.length; i++) {
    const bit = types[i]!;
    if (bit === WW) ww++;
    else if (bit === WR) wr++;
    else if (bit === RW) {
      rw++;
      if (types[(i + types.length - 1) % types.length] === RW) adjacent = true;
    } else if (bit === PROCESS) process++;
    else if (bit === REALTIME) realtime++;
    else throw new Error(`edge type ${bit} in a cycle; expected one of ww, wr, rw, process, realtime`);
  }
  const base = rw === 1 ? 'G-single-item' : rw > 1 ? (adjacent ? 'G2-item' : 'G-nonadjacent-item') : wr > 0 ? 'G1c' : ww > 0 ? 'G0' : undefined;
  if (!base) throw new Error(`a cycle of ${types.length} order edges and no data dependency; expected at least one ww, wr or rw edge`);
  return `${base}${realtime > 0 ? '-realtime' : process > 0 ? '-process' : ''}`;
}

/** The base and variant of a cycle anomaly name. */
export function splitCycleAnomaly(anomaly: string): { base: CycleBase; variant: OrderVariant } {
  const variant: OrderVariant = anomaly.endsWith('-realtime') ? '-realtime' : anomaly.endsWith('-process') ? '-process' : '';
  const base = anomaly.slice(0, anomaly.length - variant.length) as CycleBase;
  if (!CYCLE_BASES.includes(base)) throw new Error(`"${anomaly}" is not a cycle anomaly; expected one of ${CYCLE_ANOMALIES.join(', ')}`);
  return { base, variant };
}

/**
 * A family of cycles whose existence is decided exactly, in linear time, by strongly connected
 * components: each consistency model rules out, for each order variant, the cycles of one family
 * (read uncommitted: ww; read committed: ww and wr; snapshot isolation: no two adjacent rw;
 * serializable: any), with the weaker variants' cycles included.
 */
export type CycleFamily = 'ww' | 'ww+wr' | 'nonadjacent-rw' | 'any';
export const CYCLE_FAMILIES: readonly CycleFamily[] = ['ww', 'ww+wr', 'nonadjacent-rw', 'any'];

const FAMILY_BASES: Record<CycleFamily, readonly CycleBase[]> = {
  ww: ['G0'],
  'ww+wr': ['G0', 'G1c'],
  'nonadjacent-rw': ['G0', 'G1c', 'G-single-item', 'G-nonadjacent-item'],
  any: CYCLE_BASES,
};

/** Whether a cycle anomaly belongs to a family at a variant (its own variant no stronger). */
export function inFamily(anomaly: string, family: CycleFamily, variant: OrderVariant): boolean {
  let split = SPLITS.get(anomaly);
  if (!split) SPLITS.set(anomaly, (split = splitCycleAnomaly(anomaly)));
  return FAMILY_BASES[family].includes(split.base) && ORDER_VARIANTS.indexOf(split.variant) <= ORDER_VARIANTS.indexOf(variant);
}

const SPLITS = new Map<string, { base: CycleBase; variant: OrderVariant }>();

/** The smallest family holding a base's cycles. */
export function familyOf(base: CycleBase): CycleFamily {
  return base === 'G0' ? 'ww' : base === 'G1c' ? 'ww+wr' : base === 'G2-item' ? 'any' : 'nonadjacent-rw';
}
