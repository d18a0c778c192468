// Which workload a Jepsen history is, told from its ops' shapes and, where they leave a choice, from
// the keys of Jepsen's results.edn (which name the checkers the test composed):
//
//   :txn (or no :f) of [:append k v] / [:r k list]  -> list-append   (Elle)
//   :txn of [:w k v] / [:r k v]                     -> rw-register   (Elle)
//   :transfer, :read of {account balance}           -> bank
//   :add, :read of a collection                     -> set-full, or set when results.edn has checker/set's keys
//   :add of numbers, :read of a number              -> counter (also with no read, when adds repeat a number)
//   :read / :write / :cas                           -> the cas-register model, Knossos' way (a nil read matches any value)
//   :acquire / :release                             -> the mutex model
//
// Values may be `[k v]` tuples of jepsen.independent. The ops decide; results.edn only picks between
// set and set-full, or names the family when the ops say too little (only adds, only reads of
// numbers). Only reads of collections are a set's.
import type { FileWorkload } from './check-workload-files.js';
import { EdnKeyword, EdnMap, EdnSet, EdnSymbol, ednToPlain, type EdnValue } from './formats/edn.js';

/** What could be told, and from what (phrases for "inferred from ..."). */
export type Inference =
  | { kind: 'workload'; workload: FileWorkload; evidence: string[] }
  | { kind: 'model'; model: string; evidence: string[] }
  | { kind: 'unknown'; reason: string; evidence: string[] };

/** The checker families results.edn can name, and the key that named each. */
export type ResultsHint = 'linearizable' | 'elle' | 'set' | 'set-full' | 'bank' | 'counter';

/** The model Jepsen register tests are checked with: Knossos' cas-register, where a nil read constrains nothing. */
export const JEPSEN_REGISTER_MODEL = 'cas-register;nil-read=any';

/** Infers the workload of a history's op maps, with results.edn's parsed value when there is one. */
export function inferJepsenWorkload(ops: readonly EdnValue[], results?: EdnValue): Inference {
  const hints = results === undefined ? new Map<ResultsHint, string>() : resultsHints(results);
  const fromResults = (hint: ResultsHint): string => `results.edn (${hints.get(hint)})`;
  const shapes = opShapes(ops);
  const evidence = (...more: string[]): string[] => [`the ops (${shapes.describe()})`, ...more];
  const fs = shapes.fs;
  const only = (...allowed: string[]): boolean => fs.size > 0 && [...fs].every((f) => allowed.includes(f));

  if (fs.size === 0) return unknown('history.edn has no client ops', hints, []);
  if (only('txn')) {
    if (shapes.microOps.has('w') && [...shapes.microOps].every((m) => m === 'w' || m === 'r')) {
      return { kind: 'workload', workload: 'rw-register', evidence: evidence(...(hints.has('elle') ? [fromResults('elle')] : [])) };
    }
    if (shapes.microOps.size > 0 && [...shapes.microOps].every((m) => m === 'append' || m === 'r')) {
      return { kind: 'workload', workload: 'list-append', evidence: evidence(...(hints.has('elle') ? [fromResults('elle')] : [])) };
    }
    return unknown(`its transactions hold micro-ops ${listed(shapes.microOps) || '(none)'}; expected [:append k v] and [:r k list], or [:w k v] and [:r k v]`, hints, evidence());
  }
  if (only('transfer', 'read', 'create') && (fs.has('transfer') || shapes.reads.has('map'))) {
    return { kind: 'workload', workload: 'bank', evidence: evidence(...(hints.has('bank') ? [fromResults('bank')] : [])) };
  }
  if (only('add', 'read') && fs.has('add')) {
    const readsSets = shapes.reads.has('collection');
    const readsNumbers = shapes.reads.has('number');
    const setHint = hints.has('set-full') ? 'set-full' : hints.has('set') ? 'set' : undefined;
    if (readsSets && !readsNumbers) {
      return { kind: 'workload', workload: setHint ?? 'set-full', evidence: evidence(...(setHint ? [fromResults(setHint)] : [])) };
    }
    if (readsNumbers && !readsSets && shapes.adds.size > 0 && [...shapes.adds].every((a) => a === 'number')) {
      return { kind: 'workload', workload: 'counter', evidence: evidence(...(hints.has('counter') ? [fromResults('counter')] : [])) };
    }
    if (!readsSets && !readsNumbers) {
      if (setHint) return { kind: 'workload', workload: setHint, evidence: evidence(fromResults(setHint)) };
      if (hints.has('counter')) return { kind: 'workload', workload: 'counter', evidence: evidence(fromResults('counter')) };
      if (shapes.addsRepeat) return { kind: 'workload', workload: 'counter', evidence: evidence() };
      return unknown('it has adds but no ok read, so it could be a set or a counter', hints, evidence());
    }
    return unknown(`its adds and reads do not fit a set or a counter`, hints, evidence());
  }
  if (shapes.reads.has('transaction')) {
    return unknown('its reads return transactions [[:r k v] ...] (as in Jepsen\'s long-fork), which faultline does not check', hints, evidence());
  }
  if (only('read', 'write', 'cas')) {
    if (fs.has('write') || fs.has('cas') || hints.has('linearizable')) {
      return { kind: 'model', model: JEPSEN_REGISTER_MODEL, evidence: evidence(...(hints.has('linearizable') ? [fromResults('linearizable')] : [])) };
    }
    const family = (['set-full', 'set', 'counter'] as const).find((h) => hints.has(h));
    if (family) return { kind: 'workload', workload: family, evidence: evidence(fromResults(family)) };
    // Only a set's reads return collections (list-append's are transactions).
    if (shapes.reads.has('collection') && !shapes.reads.has('number')) return { kind: 'workload', workload: 'set-full', evidence: evidence() };
    return unknown('it has only reads', hints, evidence());
  }
  if (only('acquire', 'release')) {
    return { kind: 'model', model: 'mutex', evidence: evidence(...(hints.has('linearizable') ? [fromResults('linearizable')] : [])) };
  }
  return unknown(`its ops ${listed(fs)} match no workload faultline checks`, hints, evidence());
}

function unknown(reason: string, hints: Map<ResultsHint, string>, evidence: string[]): Inference {
  const said = [...hints].map(([hint, key]) => `${key} (${hint})`).join(', ');
  return { kind: 'unknown', reason: said ? `${reason}; results.edn has ${said}` : reason, evidence };
}

function listed(names: Iterable<string>): string {
  return [...names].map((n) => `:${n}`).join(' ');
}

interface OpShapes {
  /** Client ops' f; "txn" for an op without :f. */
  fs: Set<string>;
  /** Micro-op names of transactions. */
  microOps: Set<string>;
  /** Shapes of ok reads' values: number, collection, transaction, map, nil, other. */
  reads: Set<string>;
  /** Shapes of adds' values. */
  adds: Set<string>;
  /** Whether two adds (of one key) add the same number: a counter's, since a set's elements are unique. */
  addsRepeat: boolean;
  /** Whether every client op's value is a [k v] tuple. */
  keyed: boolean;
  describe(): string;
}

function opShapes(ops: readonly EdnValue[]): OpShapes {
  const fs = new Set<string>();
  const microOps = new Set<string>();
  const reads = new Set<string>();
  const adds = new Set<string>();
  const added = new Set<string>();
  let addsRepeat = false;
  const values: { f: string; type: string; value: EdnValue }[] = [];
  for (const op of ops) {
    if (!(op instanceof EdnMap) || nameOf(op.get('process')) === 'nemesis') continue;
    const f = nameOf(op.get('f')) ?? 'txn';
    const type = nameOf(op.get('type')) ?? '';
    fs.add(f);
    values.push({ f, type, value: op.get('value') ?? null });
  }
  // Independent keys: every invocation and ok completion carries [k v] (a fail or info may carry anything).
  const definite = values.filter((v) => v.type === 'invoke' || v.type === 'ok');
  const keyed = definite.length > 0 && definite.every(isKeyedOp);
  for (const { f, type, value } of values) {
    const inner = keyed && isTuple(value) ? value[1]! : value;
    if (f === 'txn' && Array.isArray(inner)) {
      for (const mop of inner) if (Array.isArray(mop) && mop.length === 3) microOps.add(nameOf(mop[0]) ?? '?');
    }
    if (f === 'read' && type === 'ok') reads.add(readInner(inner));
    if (f === 'add' && type === 'invoke') {
      adds.add(typeof inner === 'number' ? 'number' : 'other');
      const seen = `${keyed && isTuple(value) ? JSON.stringify(ednToPlain(value[0]!)) : ''} ${JSON.stringify(ednToPlain(inner))}`;
      if (added.has(seen)) addsRepeat = true;
      added.add(seen);
    }
  }
  const shapes: OpShapes = {
    fs,
    microOps,
    reads,
    adds,
    addsRepeat,
    keyed,
    describe() {
      const parts: string[] = [];
      if (fs.has('txn')) parts.push(`transactions of ${listed(microOps) || 'nothing'}`);
      const others = [...fs].filter((f) => f !== 'txn');
      if (others.length) parts.push(listed(others));
      if (reads.size) parts.push(`reads of ${[...reads].map((r) => (r === 'nil' ? r : `${r}s`)).join(' and ')}`);
      if (adds.size) parts.push(`adds of ${[...adds].map((a) => (a === 'number' ? 'numbers' : 'other values')).join(' and ')}${addsRepeat ? ' that repeat' : ''}`);
      if (keyed) parts.push('on [k v] tuples');
      return parts.join(', ');
    },
  };
  return shapes;
}

/** Whether an op's value is a `[k v]` tuple of jepsen.independent, not a transaction or a plain cas `[from to]`. */
function isKeyedOp({ f, type, value }: { f: string; type: string; value: EdnValue }): boolean {
  if (f === 'txn' || !isTuple(value) || readInner(value) === 'transaction') return false;
  if (f === 'cas') return Array.isArray(value[1]);
  return f !== 'read' || type !== 'ok' || readInner(value[1]) !== 'other';
}

function readInner(value: EdnValue | undefined): string {
  if (typeof value === 'number') return 'number';
  if (value === null || value === undefined) return 'nil';
  // Long-fork reads [[:r k v] ...] are transactions, not a set's elements.
  if (Array.isArray(value) && value.length > 0 && value.every((e) => Array.isArray(e) && e.length === 3 && e[0] instanceof EdnKeyword)) return 'transaction';
  if (Array.isArray(value) || value instanceof EdnSet) return 'collection';
  if (value instanceof EdnMap) return 'map';
  return 'other';
}

function isTuple(value: EdnValue): value is EdnValue[] {
  return Array.isArray(value) && value.length === 2;
}

function nameOf(value: EdnValue | undefined): string | undefined {
  if (value instanceof EdnKeyword || value instanceof EdnSymbol) return value.name;
  return typeof value === 'string' ? value : undefined;
}

/** Keys of results.edn that name a checker, searched in maps nested in maps, a few levels deep. */
export function resultsHints(results: EdnValue): Map<ResultsHint, string> {
  const hints = new Map<ResultsHint, string>();
  const note = (hint: ResultsHint, key: string): void => {
    if (!hints.has(hint)) hints.set(hint, key);
  };
  let visited = 0;
  const visit = (map: EdnMap, depth: number): void => {
    if (depth > 6 || ++visited > 10_000) return;
    const keys = new Set(map.entries.map(([k]) => nameOf(k)).filter((k): k is string => k !== undefined));
    for (const key of ['linear', 'linearizable']) if (keys.has(key)) note('linearizable', `:${key}`);
    const analyzer = nameOf(map.get('analyzer'));
    if (analyzer === 'linear' || analyzer === 'wgl' || analyzer === 'competition') note('linearizable', `:analyzer :${analyzer}`);
    for (const key of ['anomaly-types', 'also-not']) if (keys.has(key)) note('elle', `:${key}`);
    for (const key of ['set-full', 'stable-count', 'stale-count', 'never-read-count']) if (keys.has(key)) note('set-full', `:${key}`);
    for (const key of ['set', 'acknowledged-count', 'recovered-count']) if (keys.has(key)) note('set', `:${key}`);
    if (keys.has('bank')) note('bank', ':bank');
    else if (keys.has('read-count') && keys.has('error-count') && keys.has('first-error')) note('bank', ':read-count :error-count :first-error');
    if (keys.has('counter')) note('counter', ':counter');
    for (const [, value] of map.entries) if (value instanceof EdnMap) visit(value, depth + 1);
  };
  if (results instanceof EdnMap) visit(results, 0);
  return hints;
}
