// The Wing-Gong/Lowe search with just-in-time linearization: ops' call and return entries in one
// doubly-linked list ordered by time; the search places ("lifts") any op whose call comes before the
// first remaining return, backtracking when that return is reached with its op unplaced. Private to
// the checker: callers go through check-operations.ts.
//
// What makes it fast:
// - States are interned ints (state-table.ts); each op caches its last transition.
// - A configuration is (ops placed, state). Every op whose return precedes the first unplaced return
//   is placed, and no op called after it can be, so the memo key holds only the bits from there up
//   to the highest placed op: a few words instead of n/32 (config-memo.ts). Definite and crashed ops
//   have separate bit spaces, so a crashed op with a far deadline does not widen the key.
// - Candidates are tried in a goal-directed order: first those after which the blocking op (the one
//   whose return comes first) becomes legal, then the rest, earliest return first. Writes nobody
//   needs yet stay unplaced instead of being spent blindly. Each configuration lists its candidates
//   once, on a stack of lists.
// - A read-only op (one that never changes the state) that is legal now is placed at once with no
//   branch: moving it earlier in any legal order keeps the order legal. (A write of the current value
//   does not qualify: later it might not be a no-op.)
// - Crashed ops: dropped at their deadline (crash-deadlines.ts); where the model allows
//   (Model.crashedOpsDefer) placed only right before an op that observes them; of several crashed
//   ops with the same input, only the one with the earliest deadline is tried (they are
//   interchangeable, and the earliest to expire is the one to spend); one that changes nothing is
//   never placed.
// - A model may declare a state hopeless for a pending read (Model.couldBecomeLegal).
import { ADDED, ConfigMemo, firstSlots, FULL } from './config-memo.js';
import { TypedSlab } from './typed-slab.js';

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
  /**
   * When set, a crashed op marked in `defers` is placed only right before an op that observes it:
   * `observes(crashed, op)` tells whether `op` observes the crashed op's effect.
   */
  observes?: (crashed: number, op: number) => boolean;
  defers?: Uint8Array;
  /** Crashed ops with the same class behave identically (same input); -1 for none. */
  classOf?: Int32Array;
  /** False when a read-only op illegal in this state can never become legal from it (model pruning). */
  couldBecomeLegal?: (state: number, op: number, placed: (op: number) => boolean) => boolean;
}

/** When to give up: an absolute `performance.now()` time and the memo's byte budget. */
export interface SearchBudget {
  deadlineAt: number;
  memoryBytes: number;
  /** Return the linearization when ok (by default it is dropped: on big histories it is a lot of garbage). */
  keepPath?: boolean;
}

/** A sequence of placed ops (crashed ops dropped at their deadline left out) and the state after each. */
export interface SearchPath {
  ops: number[];
  statesAfter: number[];
}

export interface SearchResult {
  outcome: 'ok' | 'illegal' | 'unknown';
  cause?: 'timeout' | 'memory';
  /** illegal or unknown: the deepest partial linearization found; ok: the linearization if asked for (keepPath). */
  path: SearchPath;
  /** The state at the end of `path`. */
  state: number;
  /** illegal: the ops that could not be placed next, first the one whose return was reached. */
  stuck: number[];
  /** Configurations memoised. */
  explored: number;
}

/** A search that runs in slices, so many partitions can share the time and stop early together. */
export interface Search {
  /** Runs at most `iterations` more steps; the result when finished, undefined when paused. */
  run(iterations: number): SearchResult | undefined;
  /** While paused: the deepest dead end so far (path and stuck ops, the blocking op first). */
  deepest?(): { path: SearchPath; state: number; stuck: number[] };
}

const NORMAL = 0;
const FORCED = 1;
const DROP = 2;

/** Prepares a search of the problem's ops; nothing runs until `run`. */
export function createSearch(problem: SearchProblem, budget: SearchBudget): Search {
  // Crashed ops with a deadline before their call can never matter: leave them out.
  // Every array the search needs comes from one slab (see typed-slab.ts for why).
  const slab = new TypedSlab(250 * problem.count + 24 * firstSlots(2 * problem.count) + 1024); // the arrays below and the memo's first tables
  let m = 0;
  const keep = slab.i32(problem.count);
  for (let i = 0; i < problem.count; i++) if (problem.deadline[i]! >= problem.call[i]!) keep[m++] = i;
  const globalOp = (op: number): number => keep[op]!;
  const known = slab.u8(m);
  const readOnly = slab.u8(m);
  const defers = slab.u8(m);
  const classOf = slab.i32(m).fill(-1);
  let definiteLeft = 0;
  for (let i = 0; i < m; i++) {
    const g = keep[i]!;
    known[i] = problem.known[g]!;
    readOnly[i] = problem.readOnly[g]!;
    defers[i] = problem.observes && problem.defers ? problem.defers[g]! : 0;
    classOf[i] = problem.classOf ? problem.classOf[g]! : -1;
    definiteLeft += known[i]!;
  }

  // Entries sorted by time; at equal times calls first (closed intervals), then returns, then deadlines.
  const entryCount = 2 * m;
  const eTime = slab.f64(entryCount);
  const eKind = slab.u8(entryCount);
  for (let i = 0; i < m; i++) {
    eTime[2 * i] = problem.call[keep[i]!]!;
    eTime[2 * i + 1] = problem.deadline[keep[i]!]!;
    eKind[2 * i + 1] = known[i] ? 1 : 2;
  }
  const sorted = sortEntries(eTime, eKind, slab);

  // The list: positions 1..2m in sorted order, 0 is the head and tail sentinel. Definite ops are
  // ranked by return, crashed ops by deadline, each in its own bit space; defBefore[p] and
  // crBefore[p] count the returns and deadlines at positions before p (p = 2m+1 stands for "none").
  // Two lists share next/prev: the main one (head 0) holds definite calls, returns and crashed
  // deadlines; crashed calls have their own (head CRASHED), so scanning definite candidates never
  // wades through the crashed ops that stay open for long.
  const CRASHED = entryCount + 1;
  const next = slab.i32(entryCount + 2);
  const prev = slab.i32(entryCount + 2);
  const opAt = slab.i32(entryCount + 2);
  const isCall = slab.u8(entryCount + 2);
  const callPos = slab.i32(m);
  const retPos = slab.i32(m);
  const rank = slab.i32(m);
  const defBefore = slab.i32(entryCount + 2);
  const crBefore = slab.i32(entryCount + 2);
  let nDef = 0;
  let nCr = 0;
  next[CRASHED] = CRASHED;
  prev[CRASHED] = CRASHED;
  for (let p = 1; p <= entryCount; p++) {
    defBefore[p] = nDef;
    crBefore[p] = nCr;
    const e = sorted[p - 1]!;
    const op = e >> 1;
    opAt[p] = op;
    const head = (e & 1) === 0 && !known[op] ? CRASHED : 0;
    const tail = prev[head]!;
    next[tail] = p;
    prev[p] = tail;
    next[p] = head;
    prev[head] = p;
    if ((e & 1) === 0) {
      isCall[p] = 1;
      callPos[op] = p;
    } else {
      retPos[op] = p;
      rank[op] = known[op] ? nDef++ : nCr++;
    }
  }
  defBefore[entryCount + 1] = nDef;
  crBefore[entryCount + 1] = nCr;
  const defWords = slab.u32((nDef + 31) >> 5);
  const crWords = slab.u32((nCr + 31) >> 5);
  const zA = slab.i32(m);
  const zB = slab.i32(m);
  for (let i = 0; i < m; i++) {
    zA[i] = fmix32(Math.imul(2 * i + 1, 0x9e3779b9));
    zB[i] = fmix32(Math.imul(2 * i + 2, 0x9e3779b9) ^ 0x5bd1e995);
  }
  const bitsOf = (op: number): Uint32Array => (known[op] ? defWords : crWords);
  const setBit = (op: number): void => {
    const r = rank[op]!;
    bitsOf(op)[r >> 5]! |= 1 << (r & 31);
  };
  const clearBit = (op: number): void => {
    const r = rank[op]!;
    bitsOf(op)[r >> 5]! &= ~(1 << (r & 31));
  };

  const memo = new ConfigMemo(budget.memoryBytes, 2 * m, (length) => slab.i32(length));
  const couldBecomeLegal = problem.couldBecomeLegal;
  const localOf = slab.i32(problem.count).fill(-1);
  for (let i = 0; i < m; i++) localOf[keep[i]!] = i;
  /** Whether a problem op is placed (ops left out up front count as placed: they are never available). */
  const isPlaced = (op: number): boolean => {
    const local = localOf[op]!;
    if (local < 0) return true;
    const r = rank[local]!;
    return (bitsOf(local)[r >> 5]! & (1 << (r & 31))) !== 0;
  };
  const observes = problem.observes;
  const isObserver = (crashed: number, op: number): boolean => observes!(globalOp(crashed), globalOp(op));
  // Transitions seen, direct-mapped by (state, op): the blocking op is stepped from every candidate's
  // state, so one entry per op would thrash.
  let cacheSize = 64;
  while (cacheSize < 4 * m && cacheSize < 1 << 20) cacheSize *= 2;
  const cacheMask = cacheSize - 1;
  const cacheFrom = slab.i32(cacheSize).fill(-1);
  const cacheOp = slab.i32(cacheSize);
  const cacheTo = slab.i32(cacheSize);
  const stepCached = (state: number, op: number): number => {
    const slot = (Math.imul(state, 0x9e3779b1) + op) & cacheMask;
    if (cacheFrom[slot] === state && cacheOp[slot] === op) return cacheTo[slot]!;
    const to = problem.step(state, globalOp(op));
    cacheFrom[slot] = state;
    cacheOp[slot] = op;
    cacheTo[slot] = to;
    return to;
  };

  // The search state and its undo stack.
  let state = problem.init;
  let hA = 0;
  let hB = 0;
  let maxDef = -1;
  let maxCr = -1;
  let firstRet = m === 0 ? 0 : firstReturnFrom(next[0]!);
  // The crashed op just placed whose observer must come next (-1: none); part of the memo key, as a
  // configuration that awaits has a narrower future than the plain one.
  let awaiting = -1;
  let depth = 0;
  const sOp = slab.i32(m);
  const sKind = slab.u8(m);
  const sPrevState = slab.i32(m);
  const sStateAfter = slab.i32(m);
  const sPrevMaxDef = slab.i32(m);
  const sPrevMaxCr = slab.i32(m);
  const sPrevFirstRet = slab.i32(m);
  const sPrevAwaiting = slab.i32(m);
  // Each configuration's candidates, in the order to try them, live on a stack of lists: the
  // current one is cand[listStart, listEnd), the one being tried is at `cursor`.
  let cand = slab.i32(Math.max(16, 4 * m));
  const keys = slab.f64(m);
  let listStart = 0;
  let listEnd = 0;
  let cursor = 0;
  const sListStart = slab.i32(m);
  const sListEnd = slab.i32(m);
  const sCursor = slab.i32(m);
  // For the twin rule: per class, the earliest deadline among this configuration's candidates.
  let classCount = 0;
  for (let i = 0; i < m; i++) if (classOf[i]! >= classCount) classCount = classOf[i]! + 1;
  const classMin = slab.i32(classCount);
  const classStamp = slab.i32(classCount).fill(-1);
  let listStamp = 0;

  // The deepest dead end, copied lazily: only the part of the stack that changed since the last copy.
  const best = { ops: slab.i32(m), kinds: slab.u8(m), states: slab.i32(m), depth: -1, state: problem.init };
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
  /** Sets op's bit and memoises the resulting configuration (with the op it awaits); clears the bit again if it was SEEN or FULL. */
  function tryRemember(op: number, nextState: number, nextFirstRet: number, nextAwaiting: number): number {
    setBit(op);
    const r = rank[op]!;
    const first = nextFirstRet === 0 ? entryCount + 1 : nextFirstRet;
    const md = known[op] && r > maxDef ? r : maxDef;
    const mc = !known[op] && r > maxCr ? r : maxCr;
    const d0 = defBefore[first]!;
    const c0 = crBefore[first]!;
    const a1 = d0 >> 5;
    const b1 = md >= d0 ? (md >> 5) + 1 : a1;
    const a2 = c0 >> 5;
    const b2 = mc >= c0 ? (mc >> 5) + 1 : a2;
    // Crashed ops are not hashed: the memo keys on the core and compares crashed sets by inclusion.
    const zOpA = known[op] ? zA[op]! : 0;
    const zOpB = known[op] ? zB[op]! : 0;
    const h1 = fmix32(hA ^ zOpA ^ Math.imul(nextState + 1, 0x9e3779b1) ^ Math.imul(nextAwaiting + 1, 0x27d4eb2f) ^ Math.imul(first, 0x165667b1));
    const h2 = hB ^ zOpB ^ Math.imul(nextState + 1, 0x85ebca6b);
    const result = memo.insert(h1, h2, nextState, first, nextAwaiting + 1, defWords, a1, b1, crWords, a2, b2);
    if (result !== ADDED) clearBit(op);
    return result;
  }
  function push(op: number, kind: number, nextState: number, nextFirstRet: number, nextAwaiting: number): void {
    const r = rank[op]!;
    sOp[depth] = op;
    sKind[depth] = kind;
    sPrevState[depth] = state;
    sStateAfter[depth] = nextState;
    sPrevMaxDef[depth] = maxDef;
    sPrevMaxCr[depth] = maxCr;
    sPrevFirstRet[depth] = firstRet;
    sPrevAwaiting[depth] = awaiting;
    sListStart[depth] = listStart;
    sListEnd[depth] = listEnd;
    sCursor[depth] = cursor;
    depth++;
    if (known[op]) {
      hA ^= zA[op]!;
      hB ^= zB[op]!;
      if (r > maxDef) maxDef = r;
    } else if (r > maxCr) maxCr = r;
    firstRet = nextFirstRet;
    state = nextState;
    awaiting = nextAwaiting;
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
    const t = retPos[op]!;
    next[prev[t]!] = t;
    prev[next[t]!] = t;
    const c = callPos[op]!;
    next[prev[c]!] = c;
    prev[next[c]!] = c;
    clearBit(op);
    if (known[op]) {
      hA ^= zA[op]!;
      hB ^= zB[op]!;
    }
    state = sPrevState[depth]!;
    maxDef = sPrevMaxDef[depth]!;
    maxCr = sPrevMaxCr[depth]!;
    firstRet = sPrevFirstRet[depth]!;
    awaiting = sPrevAwaiting[depth]!;
    listStart = sListStart[depth]!;
    listEnd = sListEnd[depth]!;
    cursor = sCursor[depth]!;
    definiteLeft += known[op]!;
    return op;
  }
  /**
   * Lists this configuration's candidates in the order to try them: first those after which the
   * blocking op (the one whose return comes first) becomes legal, then the rest, each group
   * earliest return first. Left out: crashed ops that would change nothing, crashed ops with an
   * earlier-expiring twin, and, while a crashed op awaits its observer, every non-observer.
   */
  function listCandidates(): void {
    listStart = listEnd;
    let n = listStart;
    if (n + m > cand.length) {
      const grown = new Int32Array(Math.max(cand.length * 2, n + m));
      grown.set(cand.subarray(0, n));
      cand = grown;
    }
    const blocking = firstRet !== 0 && known[opAt[firstRet]!] && stepCached(state, opAt[firstRet]!) < 0 ? opAt[firstRet]! : -1;
    listStamp++;
    const limit = firstRet === 0 ? CRASHED : firstRet;
    if (classCount > 0) for (let e = next[CRASHED]!; e < limit; e = next[e]!) {
      const op = opAt[e]!;
      const cls = classOf[op]!;
      if (cls >= 0 && (classStamp[cls] !== listStamp || retPos[op]! < classMin[cls]!)) {
        classStamp[cls] = listStamp;
        classMin[cls] = retPos[op]!;
      }
    }
    for (let e = next[0]!; e !== firstRet; e = next[e]!) n = consider(opAt[e]!, blocking, n);
    for (let e = next[CRASHED]!; e < limit; e = next[e]!) n = consider(opAt[e]!, blocking, n);
    listEnd = n;
    cursor = listStart;
    // Insertion sort: lists are short, and this makes no garbage.
    for (let i = listStart + 1; i < listEnd; i++) {
      const op = cand[i]!;
      const key = keys[op]!;
      let j = i - 1;
      while (j >= listStart && keys[cand[j]!]! > key) {
        cand[j + 1] = cand[j]!;
        j--;
      }
      cand[j + 1] = op;
    }
  }
  /** Appends op to the candidate list at `n` with its sort key, unless it is left out; returns the new end. */
  function consider(op: number, blocking: number, n: number): number {
    if (awaiting >= 0 && !isObserver(awaiting, op)) return n;
    if (!known[op]) {
      const cls = classOf[op]!;
      if (cls >= 0 && classMin[cls] !== retPos[op]) return n;
    }
    const after = stepCached(state, op);
    if (after < 0 || (!known[op] && after === state)) return n;
    let key = retPos[op]!;
    if (blocking >= 0 && op !== blocking) {
      const helps = after !== state && (known[op] || !defers[op] || isObserver(op, blocking)) && stepCached(after, blocking) >= 0;
      if (!helps) key += entryCount + 2;
    }
    keys[op] = key;
    cand[n] = op;
    return n + 1;
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
    const blocking = firstRet === 0 ? -1 : opAt[firstRet]!;
    if (blocking >= 0 && known[blocking]) stuck.push(globalOp(blocking));
    for (let e = next[0]!; e !== firstRet; e = next[e]!) {
      if (opAt[e] !== blocking) stuck.push(globalOp(opAt[e]!));
    }
    for (let e = next[CRASHED]!; e < (firstRet === 0 ? CRASHED : firstRet); e = next[e]!) stuck.push(globalOp(opAt[e]!));
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
  /** The result; the slab goes back for the next search, so nothing may run after this. */
  function finish(outcome: SearchResult['outcome'], cause?: SearchResult['cause']): SearchResult {
    const result = conclude(outcome, cause);
    slab.release();
    return result;
  }
  function conclude(outcome: SearchResult['outcome'], cause?: SearchResult['cause']): SearchResult {
    if (outcome === 'ok') {
      const path = budget.keepPath ? pathOf(sOp, sKind, sStateAfter, depth) : { ops: [], statesAfter: [] };
      return { outcome, path, state, stuck: [], explored: memo.size };
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
  }

  let fresh = true;
  let iterations = 0;
  let done: SearchResult | undefined;
  return {
    run(limit: number): SearchResult | undefined {
      if (done) return done;
      if (performance.now() > budget.deadlineAt) return (done = finish('unknown', 'timeout'));
      done = loop(iterations + limit);
      return done;
    },
    deepest() {
      return { path: pathOf(best.ops, best.kinds, best.states, Math.max(best.depth, 0)), state: best.state, stuck: stuck.slice() };
    },
  };

  function loop(stopAt: number): SearchResult | undefined {
    for (;;) {
      if (++iterations > stopAt) return undefined;
      if ((iterations & 1023) === 0 && performance.now() > budget.deadlineAt) return finish('unknown', 'timeout');
      if (definiteLeft === 0) return finish('ok');
      let deadEnd = false;
      if (fresh) {
        // A new configuration: place a legal read-only op at once, or see that a pending one is hopeless.
        fresh = false;
        let forced = -1;
        for (let e = next[0]!; e !== firstRet; e = next[e]!) {
          const op = opAt[e]!;
          if (!readOnly[op]) continue;
          if (stepCached(state, op) >= 0) {
            if (awaiting >= 0 && !isObserver(awaiting, op)) continue;
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
          const result = tryRemember(forced, state, nfr, -1);
          if (result === FULL) return finish('unknown', 'memory');
          if (result === ADDED) {
            push(forced, FORCED, state, nfr, -1);
            fresh = true;
            continue;
          }
          deadEnd = true;
        }
        if (!deadEnd) listCandidates();
      }
      if (!deadEnd && cursor < listEnd) {
        const op = cand[cursor]!;
        const nextState = stepCached(state, op);
        const nextAwaiting = !known[op] && defers[op] ? op : -1;
        const nfr = firstRetAfterPlacing(op);
        const result = tryRemember(op, nextState, nfr, nextAwaiting);
        if (result === FULL) return finish('unknown', 'memory');
        if (result === ADDED) {
          push(op, NORMAL, nextState, nfr, nextAwaiting);
          fresh = true;
          continue;
        }
        cursor++;
        continue;
      }
      if (!deadEnd && firstRet !== 0 && !known[opAt[firstRet]!]) {
        // A crashed op's deadline: from here on it cannot matter, so drop it.
        const op = opAt[firstRet]!;
        const nfr = firstRetAfterPlacing(op);
        const result = tryRemember(op, state, nfr, awaiting);
        if (result === FULL) return finish('unknown', 'memory');
        if (result === ADDED) {
          push(op, DROP, state, nfr, awaiting);
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
          cursor++;
          break;
        }
      }
    }
  }
}

/**
 * Entry numbers ordered by (time, kind, number). When times are whole numbers (history positions)
 * each entry is packed into one float and sorted natively, many times faster than a comparator.
 */
function sortEntries(eTime: Float64Array, eKind: Uint8Array, slab: TypedSlab): Int32Array {
  const count = eTime.length;
  const sorted = slab.i32(count);
  let maxTime = 0;
  let packable = true;
  for (let e = 0; e < count && packable; e++) {
    const t = eTime[e]!;
    if (t === Infinity) continue;
    if (!Number.isInteger(t) || t < 0) packable = false;
    else if (t > maxTime) maxTime = t;
  }
  const infinity = maxTime + 1;
  const buckets = (infinity + 1) * 3;
  if (packable && buckets <= 16 * count + 64) {
    // Times are dense (history positions): a counting sort on (time, kind), stable in entry number.
    const start = slab.i32(buckets + 1);
    const bucketOf = (e: number): number => (eTime[e] === Infinity ? infinity : eTime[e]!) * 3 + eKind[e]!;
    for (let e = 0; e < count; e++) start[bucketOf(e) + 1]!++;
    for (let k = 0; k < buckets; k++) start[k + 1]! += start[k]!;
    for (let e = 0; e < count; e++) sorted[start[bucketOf(e)]!++] = e;
    return sorted;
  }
  if (packable && (infinity + 1) * 3 * (count + 1) < 2 ** 53) {
    const packed = slab.f64(count);
    for (let e = 0; e < count; e++) {
      const t = eTime[e] === Infinity ? infinity : eTime[e]!;
      packed[e] = (t * 3 + eKind[e]!) * count + e;
    }
    packed.sort();
    for (let i = 0; i < count; i++) sorted[i] = packed[i]! % count;
    return sorted;
  }
  for (let e = 0; e < count; e++) sorted[e] = e;
  sorted.sort((a, b) => eTime[a]! - eTime[b]! || eKind[a]! - eKind[b]! || a - b);
  return sorted;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
