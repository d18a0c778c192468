// Consistency models and the anomalies they rule out, to turn the anomalies found into "this history
// is not X" claims: the weakest models violated (`not`) and every stronger one (`alsoNot`).
//
// The relations restate the hierarchy Jepsen's Elle uses (after Adya, Bailis et al., Cerone et al.,
// Daudjee and Salem; see https://jepsen.io/consistency), limited to transactional models.

/** Anomaly -> the anomalies it implies (a G0 cycle is also a G1c cycle, a G1c is a G1, ...). */
const IMPLIES: Record<string, readonly string[]> = {
  G0: ['G1c', 'G0-process'],
  'G0-process': ['G1c-process', 'G0-realtime'],
  'G0-realtime': ['G1c-realtime'],
  G1a: ['G1'],
  G1b: ['G1'],
  G1c: ['G1', 'G1c-process'],
  'G1c-process': ['G1c-realtime', 'G1-process'],
  'G1c-realtime': ['G1-realtime'],
  G1: ['G1-process'],
  'G1-process': ['G1-realtime'],
  'G-single-item': ['G-single', 'G-single-item-process', 'G-nonadjacent-item'],
  'G-single-item-process': ['G-single-process', 'G-single-item-realtime', 'G-nonadjacent-item-process'],
  'G-single-item-realtime': ['G-single-realtime', 'G-nonadjacent-item-realtime'],
  'G-single': ['G-nonadjacent', 'G-single-process'],
  'G-single-process': ['G-nonadjacent-process', 'G-single-realtime'],
  'G-single-realtime': ['G-nonadjacent-realtime'],
  'G-nonadjacent-item': ['G-nonadjacent', 'G2-item', 'G-nonadjacent-item-process'],
  'G-nonadjacent-item-process': ['G-nonadjacent-process', 'G2-item-process', 'G-nonadjacent-item-realtime'],
  'G-nonadjacent-item-realtime': ['G2-item-realtime', 'G-nonadjacent-realtime'],
  'G-nonadjacent': ['G2', 'G-nonadjacent-process'],
  'G-nonadjacent-process': ['G2-process', 'G-nonadjacent-realtime'],
  'G-nonadjacent-realtime': ['G2-realtime'],
  G2: ['G2-process'],
  'G2-item': ['G2', 'G2-item-process'],
  'G2-item-process': ['G2-process', 'G2-item-realtime'],
  'G2-item-realtime': ['G2-realtime'],
  'G2-process': ['G2-realtime'],
  // Two reads no single order of appends explains means some read saw uncommitted state.
  'incompatible-order': ['G1a'],
  // Reading one's own later write is a trivial cycle T -wr-> T.
  'future-read': ['G1c'],
  'dirty-update': ['G1a'],
  // A read of a value nobody appended: treated like a read of an aborted write.
  'garbage-read': ['G1a'],
  'lost-update': ['write-skew', 'G2-item'],
  'write-skew': ['G2'],
};

/** Model -> the weaker models it implies. */
const STRONGER_THAN: Record<string, readonly string[]> = {
  'strict-serializable': ['serializable', 'snapshot-isolation', 'strong-snapshot-isolation', 'strong-session-serializable'],
  serializable: ['repeatable-read', 'snapshot-isolation', 'update-serializable'],
  'strong-session-serializable': ['serializable', 'strong-session-snapshot-isolation'],
  'strong-snapshot-isolation': ['strong-session-snapshot-isolation', 'strong-read-committed'],
  'strong-session-snapshot-isolation': ['snapshot-isolation', 'strong-session-read-committed'],
  'snapshot-isolation': ['forward-consistent-view', 'monotonic-atomic-view', 'monotonic-snapshot-read', 'parallel-snapshot-isolation', 'prefix'],
  'update-serializable': ['forward-consistent-view'],
  'forward-consistent-view': ['consistent-view'],
  'consistent-view': ['cursor-stability', 'monotonic-view'],
  'repeatable-read': ['cursor-stability', 'monotonic-atomic-view'],
  'parallel-snapshot-isolation': ['causal-cerone', 'update-atomic'],
  prefix: ['causal-cerone'],
  'causal-cerone': ['read-atomic'],
  'update-atomic': ['read-atomic'],
  'read-atomic': ['monotonic-atomic-view'],
  'monotonic-atomic-view': ['read-committed'],
  'cursor-stability': ['read-committed'],
  'monotonic-view': ['read-committed'],
  'monotonic-snapshot-read': ['read-committed'],
  'strong-read-committed': ['strong-session-read-committed', 'strong-read-uncommitted'],
  'strong-session-read-committed': ['read-committed', 'strong-session-read-uncommitted'],
  'strong-read-uncommitted': ['strong-session-read-uncommitted'],
  'strong-session-read-uncommitted': ['read-uncommitted'],
  'read-committed': ['read-uncommitted'],
  'read-uncommitted': [],
};

/** Model -> the anomalies it rules out directly (weaker models' anomalies are added by implication). */
const PROSCRIBES: Record<string, readonly string[]> = {
  // Version orders are total: a key whose inferred versions form a cycle (rw-register) has none.
  'read-uncommitted': ['G0', 'duplicate-elements', 'cyclic-versions'],
  'read-committed': ['G1'],
  'cursor-stability': ['G1', 'lost-update'],
  'monotonic-view': ['G1'],
  'monotonic-snapshot-read': ['G1'],
  'consistent-view': ['G1', 'G-single'],
  'forward-consistent-view': ['G1'],
  'monotonic-atomic-view': [],
  'read-atomic': ['internal', 'G1a', 'future-read'],
  'causal-cerone': ['internal', 'G1a'],
  prefix: ['internal', 'G1a'],
  'update-atomic': ['lost-update'],
  'parallel-snapshot-isolation': ['internal', 'G1a'],
  'repeatable-read': ['G1', 'G2-item', 'lost-update'],
  'snapshot-isolation': ['internal', 'G1', 'G-nonadjacent'],
  'update-serializable': ['G1'],
  serializable: ['internal', 'G1', 'G2'],
  'strong-session-read-uncommitted': ['G0-process'],
  'strong-session-read-committed': ['G1c-process'],
  'strong-read-uncommitted': ['G0-realtime'],
  'strong-read-committed': ['G1c-realtime'],
  'strong-session-snapshot-isolation': ['internal', 'G1-process', 'G-nonadjacent-process'],
  'strong-snapshot-isolation': ['internal', 'G1-realtime', 'G-nonadjacent-realtime'],
  'strong-session-serializable': ['G1-process', 'G2-process'],
  'strict-serializable': ['G1', 'G1c-realtime', 'G2-realtime'],
};

/** Other names for models. */
const ALIASES: Record<string, string> = { 'strong-serializable': 'strict-serializable', 'conflict-serializable': 'serializable' };

export type ConsistencyModel = keyof typeof STRONGER_THAN;

/** The model names this module knows, aliases included. */
export const consistencyModels: readonly string[] = [...Object.keys(STRONGER_THAN), ...Object.keys(ALIASES)].sort();

/** The canonical name of a model; throws listing the known models for an unknown name. */
export function canonicalModel(name: string): ConsistencyModel {
  const canonical = ALIASES[name] ?? name;
  if (!Object.hasOwn(STRONGER_THAN, canonical)) {
    throw new Error(`unknown consistency model "${name}"; expected one of ${consistencyModels.join(', ')}`);
  }
  return canonical;
}

function closure(start: Iterable<string>, next: (x: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const x = todo.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    todo.push(...next(x));
  }
  return seen;
}

const IMPLIED_BY = invert(IMPLIES);
const WEAKER_THAN = invert(STRONGER_THAN);
const PROSCRIBED_BY = invert(PROSCRIBES);

function invert(relation: Record<string, readonly string[]>): Record<string, string[]> {
  const inverse: Record<string, string[]> = {};
  for (const [from, tos] of Object.entries(relation)) for (const to of tos) (inverse[to] ??= []).push(from);
  return inverse;
}

/** Every anomaly that may not appear in a history satisfying all of `models`. */
export function anomaliesProhibitedBy(models: readonly string[]): Set<string> {
  const implied = closure(models.map(canonicalModel), (m) => STRONGER_THAN[m] ?? []);
  const direct = [...implied].flatMap((m) => PROSCRIBES[m] ?? []);
  return closure(direct, (a) => IMPLIED_BY[a] ?? []);
}

/** The anomalies present wherever these are (each anomaly included): a G0 is also a G1c, a G0-process, ... */
export function impliedAnomalies(anomalies: Iterable<string>): Set<string> {
  return closure(anomalies, (a) => IMPLIES[a] ?? []);
}

/** The weakest models the anomalies rule out, and every stronger model they also rule out. */
export function violatedModels(anomalies: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const implied = impliedAnomalies(anomalies);
  const direct = [...implied].flatMap((a) => PROSCRIBED_BY[a] ?? []);
  const impossible = closure(direct, (m) => WEAKER_THAN[m] ?? []);
  const not = [...impossible].filter((m) => !(STRONGER_THAN[m] ?? []).some((weaker) => impossible.has(weaker))).sort();
  return { not, alsoNot: [...impossible].filter((m) => !not.includes(m)).sort() };
}

/**
 * The strongest models not among `ruledOut` (which, being `not` and `alsoNot`, holds every model
 * stronger than one it holds): the maximal elements of what is left of the hierarchy. A history with
 * only G2-item left standing: snapshot-isolation among them, since it allows write skew.
 */
export function strongestNotRuledOut(ruledOut: Iterable<string>): string[] {
  const out = new Set(ruledOut);
  const left = Object.keys(STRONGER_THAN).filter((m) => !out.has(m));
  return left.filter((m) => !(WEAKER_THAN[m] ?? []).some((stronger) => !out.has(stronger))).sort();
}

/** The models a model implies, itself included (serializable: repeatable-read, snapshot-isolation, ...). */
export function modelsImpliedBy(model: string): Set<string> {
  return closure([canonicalModel(model)], (m) => STRONGER_THAN[m] ?? []);
}
