// The Wing-Gong/Lowe search with just-in-time linearization: ops' call and return entries in one
// doubly-linked list ordered by time; the search places ("lifts") any op whose call comes before the
// first remaining return, backtracking when that return is reached with its op unplaced. Private to
// the checker: callers go through check-operations.ts. Candidates are tried earliest return first.
//
// What makes it fast:
// - States are interned ints (state-table.ts); each op caches its last transition.
// - A configuration is (ops placed, state). Every op whose return entry precedes the first unplaced
//   return is placed, and no op called after it can be, so the memo key only needs the bits from that
//   return's rank up to the highest placed rank: a few words instead of n/32 (config-memo.ts).
// - A read-only op (one that never changes the state, like a read) that is legal now is placed at
//   once with no branch: moving it earlier in any legal order keeps that order legal, since it
//   changes nothing and nothing it must follow is unplaced. (An op that is merely a no-op in this
//   state, like a write of the current value, does not qualify: later it might not be.)
// - Crashed ops are dropped at their deadline (crash-deadlines.ts) rather than kept to the end.
import { ADDED, ConfigMemo, FULL } from './config-memo.js';

/** A partition ready to search: times, deadlines, and a stepper over interned state ids. */
export interface SearchProblem {
  count: number;
  call: Float64Array;
  /** The return time of a definite op; the crash deadline of an op with an unknown output. */
  deadline: Float64Array;
  /** 1 for ops with a definite output (they must be placed), 0 for crashed ops (optional). */
  known: Uint8Array;
  /** 1 for ops that never change the state when legal (reads): placed as soon as legal, no branch. */
  readOnly: Uint8Array;
  init: number;
  /** The next state id, or -1 when the op is illegal in that state. */
  step: (state: number, op: number) => number;
  /** False when a read-only op illegal in this state can never become legal from it (model pruning). */
  couldBecomeLegal?: (state: number, op: number, placed: (op: number) => boolean) => boolean;
}

/** When to give up: an absolute `performance.now()` time and the memo's byte budget. */
export interface SearchBudget {
  deadlineAt: number;
  memoryBytes: number;
}

/** A sequence of placed ops (crashed ops dropped at their deadline left out) and the state after each. */
export interface SearchPath {
  ops: number[];
  statesAfter: number[];
}

export interface SearchResult {
  outcome: 'ok' | 'illegal' | 'unknown';
  cause?: 'timeout' | 'memory';
  /** ok: a full linearization. illegal or unknown: the deepest partial linearization found. */
  path: SearchPath;
  /** The state at the end of `path`. */
  state: number;
  /** illegal: the ops that could not be placed next, first the one whose return was reached. */
  stuck: number[];
  /** Configurations memoised. */
  explored: number;
}

const NORMAL = 0;
const FORCED = 1;
const DROP = 2;

/** A search that runs in slices, so many partitions can share the time and stop early together. */
export interface Search {
  /** Runs at most `iterations` more steps; the result when finished, undefined when paused. */
  run(iterations: number): SearchResult | undefined;
}

/** Searches for a linearization of the problem's ops within the budget, to the end. */
export function searchLinearization(problem: SearchProblem, budget: SearchBudget): SearchResult {
  return createSearch(problem, budget).run(Infinity)!;
}

/** Prepares a search of the problem's ops; nothing runs until `run`. */
export function createSearch(problem: SearchProblem, budget: SearchBudget): Search {
  // Crashed ops with a deadline before their call can never matter: leave them out.
  const keep: number[] = [];
  for (let i = 0; i < problem.count; i++) if (problem.deadline[i]! >= problem.call[i]!) keep.push(i);
  const m = keep.length;
  const known = new Uint8Array(m);
  const readOnly = new Uint8Array(m);
  let definiteLeft = 0;
  for (let i = 0; i < m; i++) {
    known[i] = problem.known[keep[i]!]!;
    readOnly[i] = problem.readOnly[keep[i]!]!;
    definiteLeft += known[i]!;
  }

  // Entries sorted by time; at equal times calls first (closed intervals), then returns, then deadlines.
  const entryCount = 2 * m;
  const eTime = new Float64Array(entryCount);
  const eKind = new Uint8Array(entryCount);
  for (let i = 0; i < m; i++) {
    eTime[2 * i] = problem.call[keep[i]!]!;
    eTime[2 * i + 1] = problem.deadline[keep[i]!]!;
    eKind[2 * i + 1] = known[i] ? 1 : 2;
  }
  const sorted = new Int32Array(entryCount);
  for (let e = 0; e < entryCount; e++) sorted[e] = e;
  sorted.sort((a, b) => eTime[a]! - eTime[b]! || eKind[a]! - eKind[b]! || a - b);

  // The list: positions 1..2m in sorted order, 0 is the head and tail sentinel.
  const next = new Int32Array(entryCount + 1);
  const prev = new Int32Array(entryCount + 1);
  const opAt = new Int32Array(entryCount + 1);
  const isCall = new Uint8Array(entryCount + 1);
  const callPos = new Int32Array(m);
  const retPos = new Int32Array(m);
  const rank = new Int32Array(m);
  let nFinite = 0;
  let retRank = 0;
  for (let p = 1; p <= entryCount; p++) {
    const e = sorted[p - 1]!;
    const op = e >> 1;
    opAt[p] = op;
    next[p] = p === entryCount ? 0 : p + 1;
    prev[p] = p - 1;
    if ((e & 1) === 0) {
      isCall[p] = 1;
      callPos[op] = p;
    } else {
      retPos[op] = p;
      rank[op] = retRank++;
      if (eTime[e] !== Infinity) nFinite++;
    }
  }
  next[0] = entryCount === 0 ? 0 : 1;
  prev[0] = entryCount;

  const words = new Uint32Array((m + 31) >> 5);
  const tailFrom = nFinite < m ? nFinite >> 5 : 0;
  const tailTo = nFinite < m ? words.length : 0;
  const zA = new Int32Array(m);
  const zB = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    zA[i] = fmix32(Math.imul(2 * i + 1, 0x9e3779b9));
    zB[i] = fmix32(Math.imul(2 * i + 2, 0x9e3779b9) ^ 0x5bd1e995);
  }

  const memo = new ConfigMemo(budget.memoryBytes);
  const couldBecomeLegal = problem.couldBecomeLegal;
  const localOf = new Int32Array(problem.count).fill(-1);
  for (let i = 0; i < m; i++) localOf[keep[i]!] = i;
  /** Whether a problem op is placed (ops left out up front count as placed: they are never available). */
  const isPlaced = (op: number): boolean => {
    const local = localOf[op]!;
    if (local < 0) return true;
    const r = rank[local]!;
    return (words[r >> 5]! & (1 << (r & 31))) !== 0;
  };
  const cacheFrom = new Int32Array(m).fill(-1);
  const cacheTo = new Int32Array(m);
  const globalOp = (op: number): number => keep[op]!;
  const stepCached = (state: number, op: number): number => {
    if (cacheFrom[op] === state) return cacheTo[op]!;
    const to = problem.step(state, globalOp(op));
    cacheFrom[op] = state;
    cacheTo[op] = to;
    return to;
  };

  // The search state and its undo stack.
  let state = problem.init;
  let hA = 0;
  let hB = 0;
  let maxFinite = -1;
  let firstRet = m === 0 ? 0 : firstReturnFrom(next[0]!);
  let depth = 0;
  const sOp = new Int32Array(m);
  const sKind = new Uint8Array(m);
  const sPrevState = new Int32Array(m);
  const sStateAfter = new Int32Array(m);
  const sPrevMaxFinite = new Int32Array(m);
  const sPrevFirstRet = new Int32Array(m);

  // The deepest dead end, copied lazily: only the part of the stack that changed since the last copy.
  const best = { ops: new Int32Array(m), kinds: new Uint8Array(m), states: new Int32Array(m), depth: -1, state: problem.init };
  let validPrefix = 0;
  let stuck: number[] = [];

  function firstReturnFrom(start: number): number {
    let e = start;
    while (e !== 0 && isCall[e]) e = next[e]!;
    return e;
  }
  function firstRetAfterPlacing(op: number): number {
    return retPos[op] === firstRet ? firstReturnFrom(next[firstRet]!) : firstRet;
  }
  function tryRemember(op: number, nextState: number, nextFirstRet: number): number {
    const r = rank[op]!;
    words[r >> 5]! |= 1 << (r & 31);
    const firstRank = nextFirstRet === 0 ? m : rank[opAt[nextFirstRet]!]!;
    const mf = r < nFinite && r > maxFinite ? r : maxFinite;
    const a1 = firstRank >> 5;
    const b1 = mf >= firstRank ? (mf >> 5) + 1 : a1;
    const mix = Math.imul(nextState + 1, 0x9e3779b1);
    const h1 = fmix32((hA ^ zA[r]!) ^ mix);
    const h2 = (hB ^ zB[r]!) ^ Math.imul(nextState + 1, 0x85ebca6b);
    const result = memo.insert(h1, h2, nextState, firstRank, words, a1, b1, tailFrom, tailTo);
    if (result !== ADDED) words[r >> 5]! &= ~(1 << (r & 31));
    return result;
  }
  function push(op: number, kind: number, nextState: number, nextFirstRet: number): void {
    const r = rank[op]!;
    sOp[depth] = op;
    sKind[depth] = kind;
    sPrevState[depth] = state;
    sStateAfter[depth] = nextState;
    sPrevMaxFinite[depth] = maxFinite;
    sPrevFirstRet[depth] = firstRet;
    depth++;
    hA ^= zA[r]!;
    hB ^= zB[r]!;
    if (r < nFinite && r > maxFinite) maxFinite = r;
    firstRet = nextFirstRet;
    state = nextState;
    definiteLeft -= known[op]!;
    // Unlink the call entry, then the return entry.
    const c = callPos[op]!;
    next[prev[c]!] = next[c]!;
    prev[next[c]!] = prev[c]!;
    const t = retPos[op]!;
    next[prev[t]!] = next[t]!;
    prev[next[t]!] = prev[t]!;
  }
  function pop(): number {
    depth--;
    if (depth < validPrefix) validPrefix = depth;
    const op = sOp[depth]!;
    const r = rank[op]!;
    const t = retPos[op]!;
    next[prev[t]!] = t;
    prev[next[t]!] = t;
    const c = callPos[op]!;
    next[prev[c]!] = c;
    prev[next[c]!] = c;
    words[r >> 5]! &= ~(1 << (r & 31));
    hA ^= zA[r]!;
    hB ^= zB[r]!;
    state = sPrevState[depth]!;
    maxFinite = sPrevMaxFinite[depth]!;
    firstRet = sPrevFirstRet[depth]!;
    definiteLeft += known[op]!;
    return op;
  }
  function recordDeadEnd(): void {
    if (depth <= best.depth) return;
    for (let i = validPrefix; i < depth; i++) {
      best.ops[i] = sOp[i]!;
      best.kinds[i] = sKind[i]!;
      best.states[i] = sStateAfter[i]!;
    }
    validPrefix = depth;
    best.depth = depth;
    best.state = state;
    stuck = [];
    if (firstRet !== 0 && known[opAt[firstRet]!]) stuck.push(globalOp(opAt[firstRet]!));
    for (let e = next[0]!; e !== firstRet; e = next[e]!) {
      if (opAt[e] !== opAt[firstRet]) stuck.push(globalOp(opAt[e]!));
    }
  }
  function pathOf(ops: Int32Array, kinds: Uint8Array, states: Int32Array, length: number): SearchPath {
    const path: SearchPath = { ops: [], statesAfter: [] };
    for (let i = 0; i < length; i++) {
      if (kinds[i] === DROP) continue;
      path.ops.push(globalOp(ops[i]!));
      path.statesAfter.push(states[i]!);
    }
    return path;
  }
  const finish = (outcome: SearchResult['outcome'], cause?: SearchResult['cause']): SearchResult => {
    if (outcome === 'ok') {
      return { outcome, path: pathOf(sOp, sKind, sStateAfter, depth), state, stuck: [], explored: memo.size };
    }
    if (outcome === 'unknown') recordDeadEnd();
    const result: SearchResult = {
      outcome,
      path: pathOf(best.ops, best.kinds, best.states, Math.max(best.depth, 0)),
      state: best.state,
      stuck,
      explored: memo.size,
    };
    if (cause) result.cause = cause;
    return result;
  };

  /**
   * The candidate (a call entry before the first return) with the earliest return after position
   * `after`, or firstRet when none is left. Trying candidates earliest-deadline-first finds the
   * real order far sooner than call order; the window is small (about one op per process).
   */
  function candidateAfter(after: number): number {
    let best = firstRet;
    let bestRet = 0x7fffffff;
    for (let e = next[0]!; e !== firstRet; e = next[e]!) {
      const r = retPos[opAt[e]!]!;
      if (r > after && r < bestRet) {
        bestRet = r;
        best = e;
      }
    }
    return best;
  }
  let entry = 0;
  let fresh = true;
  let iterations = 0;
  let done: SearchResult | undefined;
  const run = (limit: number): SearchResult | undefined => {
    if (done) return done;
    if (performance.now() > budget.deadlineAt) return (done = finish('unknown', 'timeout'));
    done = loop(iterations + limit);
    return done;
  };
  return { run };

  function loop(stopAt: number): SearchResult | undefined {
    for (;;) {
      if (++iterations > stopAt) return undefined;
      if ((iterations & 1023) === 0 && performance.now() > budget.deadlineAt) return finish('unknown', 'timeout');
      if (definiteLeft === 0) return finish('ok');
      let deadEnd = false;
      if (fresh) {
        fresh = false;
        let forced = -1;
        for (let e: number = next[0]!; e !== firstRet; e = next[e]!) {
          const op = opAt[e]!;
          if (!readOnly[op]) continue;
          if (stepCached(state, op) >= 0) {
            forced = op;
            break;
          }
          if (couldBecomeLegal && known[op] && !couldBecomeLegal(state, globalOp(op), isPlaced)) {
            deadEnd = true;
            break;
          }
        }
        if (forced >= 0 && !deadEnd) {
          const nfr = firstRetAfterPlacing(forced);
          const result = tryRemember(forced, state, nfr);
          if (result === FULL) return finish('unknown', 'memory');
          if (result === ADDED) {
            push(forced, FORCED, state, nfr);
            fresh = true;
            continue;
          }
          deadEnd = true;
        }
        entry = candidateAfter(-1);
      }
      if (!deadEnd && entry !== firstRet) {
        const op = opAt[entry]!;
        const nextState = stepCached(state, op);
        if (nextState >= 0) {
          const nfr = firstRetAfterPlacing(op);
          const result = tryRemember(op, nextState, nfr);
          if (result === FULL) return finish('unknown', 'memory');
          if (result === ADDED) {
            push(op, NORMAL, nextState, nfr);
            fresh = true;
            continue;
          }
        }
        entry = candidateAfter(retPos[opAt[entry]!]!);
        continue;
      }
      if (!deadEnd && firstRet !== 0 && !known[opAt[firstRet]!]) {
        // A crashed op's deadline: from here on it cannot matter, so drop it.
        const op = opAt[firstRet]!;
        const nfr = firstRetAfterPlacing(op);
        const result = tryRemember(op, state, nfr);
        if (result === FULL) return finish('unknown', 'memory');
        if (result === ADDED) {
          push(op, DROP, state, nfr);
          fresh = true;
          continue;
        }
      }
      // Dead end: undo to the last real choice and try the next candidate after it.
      recordDeadEnd();
      for (;;) {
        if (depth === 0) return finish('illegal');
        const kind = sKind[depth - 1]!;
        const op = pop();
        if (kind === NORMAL) {
          entry = candidateAfter(retPos[op]!);
          break;
        }
      }
    }
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
