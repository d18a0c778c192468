// The convergence checker, for eventually consistent stores: after healing and quiescence, the final
// reads from every node must agree, and agree with what the acknowledged operations imply; and how
// long each write took to become visible on every node (see staleness.ts).
//
//   counter:  { f: 'add',   value: [k, n] } -> ok | fail | info
//   set:      { f: 'add',   value: [k, e] } -> ok | fail | info
//   register: { f: 'write', value: [k, v] } -> ok | fail | info
//   reads:    { f: 'read',  value: [k, null], node } -> ok [k, x]             (one key)
//             { f: 'read',  value: null, node }      -> ok { [k]: x, ... }     (every key)
//
// x is a number (counter), an array of elements (set) or a value (register); null is the initial
// value. Reads without a node are ignored. The final reads are those from `finalFrom` on (default:
// after the last nemesis op); for each key and node the last of them is that node's final value.
// What the acknowledged ops imply:
//   - counter: the initial value plus every ok add plus some subset of the adds that ended in info
//     (or never ended); a value no subset explains is `not-a-sum`;
//   - set: every element of an ok add (else `lost`) and nothing no ok or info add added (`unexpected`);
//   - register: a value some ok or info write wrote (else `unwritten`, or `lost-all` for the initial
//     value after ok writes), not one an ok write begun after its write completed replaced
//     (`superseded`: a lost update).
import type { Checker, CheckResult, Validity, WitnessOp } from '../src/checker.js';
import type { History } from '../src/op.js';
import { canonical, keyOps, type KeyOps, type KeyRead, type ReplicatedType } from './convergence-ops.js';
import { finalPosition, type FinalFrom } from './final-reads.js';
import { measureStaleness, type Staleness } from './staleness.js';
import { showValue, witnessOp } from './witness-op.js';

export interface ConvergenceOptions {
  type: ReplicatedType;
  /** Where final reads begin (default "after-last-fault"). */
  finalFrom?: FinalFrom;
  /** A counter's value before any add (default 0). */
  initial?: number;
  /** Most keys listed per finding (default 20). */
  maxReported?: number;
}

/** A key whose final reads disagree: each distinct value and the nodes that read it. */
export interface DivergedKey {
  key: string;
  values: { value: unknown; nodes: string[] }[];
}

/** A final value the acknowledged ops do not explain. */
export interface UnexplainedValue {
  key: string;
  problem: 'not-a-sum' | 'lost' | 'unexpected' | 'unwritten' | 'lost-all' | 'superseded';
  value: unknown;
  nodes: string[];
  /** For sets: the elements lost or unexpected. */
  elements?: unknown[];
  /** One of the final reads that returned the value, and for `superseded` the write that should have won. */
  read: WitnessOp;
  write?: WitnessOp;
  explanation: string;
}

export interface ConvergenceResult extends CheckResult {
  valid: Validity;
  summary: string;
  type: ReplicatedType;
  keys: number;
  nodes: string[];
  finalReads: number;
  diverged: DivergedKey[];
  unexplained: UnexplainedValue[];
  /** Keys some node has no final read of, while it has final reads of other keys. */
  missingFinalReads: { key: string; nodes: string[] }[];
  staleness: Staleness;
  note?: string;
}

/** A convergence checker for keys of the given type. */
export function convergence(options: ConvergenceOptions): Checker {
  return (history) => checkConvergence(history, options);
}

/** Checks convergence now; what `convergence` runs. */
export function checkConvergence(history: History, options: ConvergenceOptions): ConvergenceResult {
  const { type } = options;
  if (!['counter', 'set', 'register'].includes(type)) throw new Error(`convergence type ${JSON.stringify(type)}; expected counter | set | register`);
  const maxReported = options.maxReported ?? 20;
  const byKey = keyOps(history, type);
  const finalAt = finalPosition(history, options.finalFrom ?? 'after-last-fault');
  const finals = new Map<string, Map<string, KeyRead>>();
  const finalNodes = new Set<string>();
  let finalReads = 0;
  for (const ops of byKey.values()) {
    const latest = new Map<string, KeyRead>();
    for (const [node, reads] of ops.readsByNode) {
      for (const read of reads) {
        if (read.pair.invokeAt < finalAt) continue;
        finalReads++;
        finalNodes.add(node);
        const current = latest.get(node);
        if (!current || read.pair.completeAt > current.pair.completeAt) latest.set(node, read);
      }
    }
    if (latest.size > 0) finals.set(ops.key, latest);
  }
  const diverged: DivergedKey[] = [];
  const unexplained: UnexplainedValue[] = [];
  const missing: ConvergenceResult['missingFinalReads'] = [];
  const notes = new Set<string>();
  for (const [key, latest] of [...finals].sort(([a], [b]) => a.localeCompare(b))) {
    const groups = new Map<string, { value: unknown; reads: KeyRead[] }>();
    for (const read of latest.values()) {
      const text = canonical(read.value, type);
      const group = groups.get(text) ?? groups.set(text, { value: read.value ?? initialOf(type, options), reads: [] }).get(text)!;
      group.reads.push(read);
    }
    if (groups.size > 1) diverged.push({ key, values: [...groups.values()].map((g) => ({ value: g.value, nodes: g.reads.map((r) => r.node).sort() })) });
    const absent = [...finalNodes].filter((n) => !latest.has(n)).sort();
    if (absent.length > 0) missing.push({ key, nodes: absent });
    for (const group of groups.values()) unexplained.push(...explainValue(byKey.get(key)!, group.value, group.reads, options, notes));
  }
  const staleness = measureStaleness(byKey.values(), type, maxReported);
  const valid: Validity = diverged.length > 0 || unexplained.length > 0 ? false : finalReads === 0 || missing.length > 0 ? 'unknown' : true;
  const result: ConvergenceResult = {
    valid,
    summary: summarise(valid, byKey.size, finalNodes.size, finalReads, diverged, unexplained, missing, staleness),
    type,
    keys: byKey.size,
    nodes: [...finalNodes].sort(),
    finalReads,
    diverged: diverged.slice(0, maxReported),
    unexplained: unexplained.slice(0, maxReported),
    missingFinalReads: missing.slice(0, maxReported),
    staleness,
  };
  if (notes.size > 0) result.note = [...notes].join('; ');
  return result;
}

function initialOf(type: ReplicatedType, options: ConvergenceOptions): unknown {
  return type === 'counter' ? (options.initial ?? 0) : type === 'set' ? [] : null;
}

/** What is wrong with one final value of a key, if anything. */
function explainValue(ops: KeyOps, value: unknown, reads: KeyRead[], options: ConvergenceOptions, notes: Set<string>): UnexplainedValue[] {
  const nodes = reads.map((r) => r.node).sort();
  const read = witnessOp(reads[0]!.pair.invoke, reads[0]!.pair.complete, `read ${ops.key} -> ${showValue(value)}`);
  const base = { key: ops.key, value, nodes, read };
  const on = `on ${nodes.join(', ')}`;
  if (options.type === 'counter') {
    const okSum = ops.writes.reduce((sum, w) => sum + (w.outcome === 'ok' ? (w.value as number) : 0), 0);
    const maybe = ops.writes.filter((w) => w.outcome === 'info').map((w) => w.value as number);
    const target = (value as number) - (options.initial ?? 0) - okSum;
    const verdict = subsetSums(maybe, target);
    if (verdict === 'bounds') notes.add(`counter ${ops.key}: too many indeterminate adds to check every subset; checked the bounds only`);
    if (verdict === false) {
      return [{ ...base, problem: 'not-a-sum', explanation: `counter ${ops.key} reads ${String(value)} ${on}, but the ok adds sum to ${okSum}${maybe.length > 0 ? ` and no subset of the ${maybe.length} indeterminate adds (${showValue(maybe, 60)}) makes up the difference of ${target}` : ''}` }];
    }
    return [];
  }
  if (options.type === 'set') {
    const held = new Set(((value ?? []) as unknown[]).map((e) => JSON.stringify(e)));
    const acknowledged = ops.writes.filter((w) => w.outcome === 'ok').map((w) => w.value);
    const possible = new Set(ops.writes.filter((w) => w.outcome !== 'fail').map((w) => JSON.stringify(w.value)));
    const lost = [...new Map(acknowledged.map((e) => [JSON.stringify(e), e])).entries()].filter(([text]) => !held.has(text)).map(([, e]) => e);
    const unexpected = ((value ?? []) as unknown[]).filter((e) => !possible.has(JSON.stringify(e)));
    const found: UnexplainedValue[] = [];
    if (lost.length > 0) found.push({ ...base, problem: 'lost', elements: lost, explanation: `set ${ops.key} ${on} lacks ${lost.length} acknowledged element${lost.length === 1 ? '' : 's'}: ${showValue(lost, 60)}` });
    if (unexpected.length > 0) found.push({ ...base, problem: 'unexpected', elements: unexpected, explanation: `set ${ops.key} ${on} holds ${showValue(unexpected, 60)}, which no ok or info add added` });
    return found;
  }
  const text = JSON.stringify(value ?? null);
  const acknowledged = ops.writes.filter((w) => w.outcome === 'ok');
  if (value === null || value === undefined) {
    return acknowledged.length === 0 ? [] : [{ ...base, problem: 'lost-all', explanation: `register ${ops.key} ${on} holds the initial value after ${acknowledged.length} acknowledged writes` }];
  }
  const writers = ops.writes.filter((w) => w.outcome !== 'fail' && JSON.stringify(w.value) === text);
  if (writers.length === 0) return [{ ...base, problem: 'unwritten', explanation: `register ${ops.key} ${on} holds ${showValue(value)}, which no ok or info write wrote` }];
  const writtenBy = writers.reduce((a, b) => (a.pair.completeAt >= b.pair.completeAt ? a : b));
  if (writtenBy.outcome !== 'ok') return [];
  const later = acknowledged.find((w) => w.pair.invokeAt > writtenBy.pair.completeAt);
  if (!later) return [];
  return [{
    ...base,
    problem: 'superseded',
    write: witnessOp(later.pair.invoke, later.pair.complete, `write ${showValue(later.value)} to ${ops.key}`),
    explanation: `register ${ops.key} ${on} holds ${showValue(value)} (op ${writtenBy.pair.invoke.index}), but op ${later.pair.invoke.index} wrote ${showValue(later.value)} after that write completed and was acknowledged: a lost update`,
  }];
}

/** Whether some subset of `amounts` sums to `target`: exact for integers within a budget, else by bounds ("bounds"). */
export function subsetSums(amounts: readonly number[], target: number): boolean | 'bounds' {
  const low = amounts.reduce((s, a) => s + Math.min(a, 0), 0);
  const high = amounts.reduce((s, a) => s + Math.max(a, 0), 0);
  if (target < low || target > high) return false;
  if (amounts.every((a) => a === 1)) return Number.isInteger(target);
  const range = high - low;
  if (!amounts.every(Number.isInteger) || !Number.isInteger(target) || amounts.length * (range + 1) > 5e7) return 'bounds';
  const reachable = new Uint8Array(range + 1);
  reachable[-low] = 1;
  for (const a of amounts) {
    if (a >= 0) for (let s = range - a; s >= 0; s--) reachable[s + a] ||= reachable[s]!;
    else for (let s = -a; s <= range; s++) reachable[s + a] ||= reachable[s]!;
  }
  return reachable[target - low] === 1;
}

function summarise(valid: Validity, keys: number, nodes: number, finalReads: number, diverged: DivergedKey[], unexplained: UnexplainedValue[], missing: { key: string }[], staleness: Staleness): string {
  const lag = staleness.measured > 0 ? `; writes visible everywhere after p50 ${staleness.p50Ms} ms, p99 ${staleness.p99Ms} ms, max ${staleness.maxMs} ms` : '';
  if (finalReads === 0) return `no final read from any node${lag}`;
  if (valid === false) {
    const first = diverged[0] ? `first: key ${diverged[0].key} reads ${diverged[0].values.map((v) => `${showValue(v.value, 40)} on ${v.nodes.join(' ')}`).join(' vs ')}` : unexplained[0]!.explanation;
    return `${diverged.length} of ${keys} keys diverged, ${unexplained.length} final values unexplained; ${first}`;
  }
  const gaps = missing.length > 0 ? `; ${missing.length} keys lack a final read from some node` : '';
  return `${keys} keys agree on ${nodes} nodes and with the acknowledged ops${gaps}${lag}`;
}
