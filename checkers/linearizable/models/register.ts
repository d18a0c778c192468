// The register models: `register` (read/write) and `cas-register` (read/write/cas). The state is
// the current value; null means absent (no write yet), which is also the default initial value.
import { ILLEGAL, UNKNOWN, type Model, type Operation, type OpView, type Unknown } from '../model.js';
import { canonicalValue, describeBadOp, showValue, type Canonical } from './canonical-value.js';

export type RegisterInput =
  | { f: 'read' }
  | { f: 'write'; value: Canonical }
  | { f: 'cas'; from: Canonical; to: Canonical };

/** A read's value; for a cas, true (it applied) or false (it found another value); null for a write. */
export type RegisterOutput = Canonical;

export interface RegisterOptions {
  /** The value before any write; null (absent) by default. */
  initial?: unknown;
  /**
   * Knossos' convention: a read that returned nil constrains nothing (dropped). Faultline's and
   * Porcupine's convention, the default, is that nil means the register was absent.
   */
  nilReadMatchesAny?: boolean;
}

type RegisterModel = Model<Canonical, RegisterInput, RegisterOutput>;

/** A read/write register. */
export function registerModel(options: RegisterOptions = {}): RegisterModel {
  return makeRegister('register', false, options);
}

/** A read/write/compare-and-set register; a cas that completed `fail` never happened and is dropped. */
export function casRegisterModel(options: RegisterOptions = {}): RegisterModel {
  return makeRegister('cas-register', true, options);
}

function makeRegister(name: string, allowCas: boolean, options: RegisterOptions): RegisterModel {
  const initial = canonicalValue(options.initial ?? null);
  const nilReadMatchesAny = options.nilReadMatchesAny ?? false;
  const expected = allowCas ? 'read | write | cas [from, to]' : 'read | write';
  const showState = (state: Canonical): string => (state === null ? 'absent' : showValue(state));
  return {
    name,
    init: () => initial,
    step(state, input, output) {
      switch (input.f) {
        case 'read':
          return output === UNKNOWN || output === state ? state : ILLEGAL;
        case 'write':
          return input.value;
        case 'cas':
          if (output === UNKNOWN) return state === input.from ? input.to : state;
          if (output === false) return state === input.from ? ILLEGAL : state;
          return state === input.from ? input.to : ILLEGAL;
      }
    },
    readOnly: (input) => input.f === 'read',
    couldBecomeLegal(operations) {
      // A read of v can still succeed only if an unplaced write or cas that produces v can come before it.
      const producers = new Map<Canonical, number[]>();
      operations.forEach(({ input }, i) => {
        const value = input.f === 'write' ? input.value : input.f === 'cas' ? input.to : undefined;
        if (value === undefined) return;
        const list = producers.get(value);
        if (list) list.push(i);
        else producers.set(value, [i]);
      });
      for (const list of producers.values()) list.sort((a, b) => operations[a]!.call - operations[b]!.call);
      return (_state, r, placed) => {
        const read = operations[r]!;
        if (read.input.f !== 'read') return true;
        const list = producers.get(read.output as Canonical);
        if (!list) return false;
        // The latest producers called before the read returned are the likeliest to be unplaced.
        for (let j = calledBefore(operations, list, read.return) - 1; j >= 0; j--) if (!placed(list[j]!)) return true;
        return false;
      };
    },
    fromOp(op: OpView) {
      const suffixOutput = (known: RegisterOutput): RegisterOutput | Unknown => (op.known ? known : UNKNOWN);
      switch (op.f) {
        case 'read': {
          if (!op.known) return undefined;
          if (op.result === null || op.result === undefined) {
            if (nilReadMatchesAny) return undefined;
          }
          return { input: { f: 'read' }, output: canonicalValue(op.result) };
        }
        case 'write':
          return { input: { f: 'write', value: canonicalValue(op.value) }, output: suffixOutput(null) };
        case 'cas': {
          if (!allowCas || !Array.isArray(op.value) || op.value.length !== 2) {
            throw new Error(describeBadOp(name, op.f, op.value, expected));
          }
          const from = canonicalValue(op.value[0]);
          const to = canonicalValue(op.value[1]);
          return { input: { f: 'cas', from, to }, output: suffixOutput(true) };
        }
        default:
          throw new Error(describeBadOp(name, op.f, op.value, expected));
      }
    },
    describeOperation(input, output) {
      const unknown = output === UNKNOWN ? ' (unknown)' : '';
      switch (input.f) {
        case 'read':
          return output === UNKNOWN ? 'read (unknown)' : `read -> ${showValue(output)}`;
        case 'write':
          return `write ${showValue(input.value)}${unknown}`;
        case 'cas':
          return `cas ${showValue(input.from)}->${showValue(input.to)}${output === false ? ' (failed)' : unknown}`;
      }
    },
    describeState: showState,
    explainIllegal(state, input, output) {
      switch (input.f) {
        case 'read':
          return `read returned ${showValue(output === UNKNOWN ? null : output)} but the register held ${showState(state)}`;
        case 'write':
          return `write ${showValue(input.value)} cannot be illegal`;
        case 'cas':
          return output === false
            ? `cas ${showValue(input.from)}->${showValue(input.to)} failed but the register held ${showState(state)}`
            : `cas ${showValue(input.from)}->${showValue(input.to)} succeeded but the register held ${showState(state)}`;
      }
    },
    crashedOpsDefer: true,
    suspectOps: shadowedReads,
    mustTakeEffectBy: (operations) => crashedWritersNeeded(operations, initial),
    reachableStates(operations) {
      const states = new Set<Canonical>([initial]);
      for (const { input } of operations) {
        if (input.f === 'write') states.add(input.value);
        else if (input.f === 'cas') states.add(input.to);
      }
      return [...states];
    },
    crashObservers: registerCrashObservers,
    redundantOps: unseenWrites,
  };
}

/**
 * An unknown write of v (or cas to v) matters only to ops that can see v afterwards: reads of v and
 * cas from v. A failed cas observes every other value, so with one present nothing is pruned.
 */
function registerCrashObservers(operations: readonly Operation<RegisterInput, RegisterOutput>[]): (readonly number[] | undefined)[] {
  const result: (readonly number[] | undefined)[] = new Array(operations.length).fill(undefined);
  const observersOf = new Map<Canonical, number[]>();
  const observe = (value: Canonical, index: number): void => {
    const list = observersOf.get(value);
    if (list) list.push(index);
    else observersOf.set(value, [index]);
  };
  for (let i = 0; i < operations.length; i++) {
    const { input, output } = operations[i]!;
    if (input.f === 'read' && output !== UNKNOWN) observe(output, i);
    else if (input.f === 'cas') {
      if (output === false) return result;
      observe(input.from, i);
    }
  }
  const none: readonly number[] = [];
  for (let i = 0; i < operations.length; i++) {
    const { input, output } = operations[i]!;
    if (output !== UNKNOWN) continue;
    if (input.f === 'write') result[i] = observersOf.get(input.value) ?? none;
    else if (input.f === 'cas') result[i] = input.from === input.to ? none : (observersOf.get(input.to) ?? none);
    else result[i] = none;
  }
  return result;
}

/**
 * Definite writes whose value no read or cas ever looks at, and whose interval contains another
 * definite write's: in any legal order such a write can sit right before that other write, so it
 * never matters. (The innermost write of a nest is kept: "contains" ranks by length, then index.)
 */
function unseenWrites(operations: readonly Operation<RegisterInput, RegisterOutput>[]): number[] {
  const seen = new Set<Canonical>();
  const writes: number[] = [];
  operations.forEach(({ input, output }, i) => {
    if (input.f === 'read' && output !== UNKNOWN) seen.add(output);
    else if (input.f === 'cas') seen.add(input.from);
    else if (input.f === 'write' && output !== UNKNOWN) writes.push(i);
  });
  writes.sort((a, b) => operations[a]!.call - operations[b]!.call);
  const length = (i: number): number => operations[i]!.return - operations[i]!.call;
  const redundant: number[] = [];
  writes.forEach((w, k) => {
    const op = operations[w]!;
    if (op.input.f !== 'write' || seen.has(op.input.value)) return;
    for (let j = k + 1; j < writes.length && operations[writes[j]!]!.call <= op.return; j++) {
      const x = writes[j]!;
      if (operations[x]!.return <= op.return && (length(x) < length(w) || (length(x) === length(w) && x < w))) {
        redundant.push(w);
        return;
      }
    }
    // A write called at the same time but listed earlier can also be inside.
    for (let j = k - 1; j >= 0 && operations[writes[j]!]!.call === op.call; j--) {
      const x = writes[j]!;
      if (operations[x]!.return <= op.return && (length(x) < length(w) || (length(x) === length(w) && x < w))) {
        redundant.push(w);
        return;
      }
    }
  });
  return redundant;
}

/**
 * The definite reads of v that no op could have made v in time: every op that writes v (a cas's
 * `to`, crashed ones included, and the initial value) returned before the call of some definite write
 * of another value that itself returned before the read was called, so that write always comes
 * between. Earliest read first. One sweep over setters by return and reads by call: the latest-called
 * setter so far, and the latest-called one of another value than it, answer "latest setter not of v".
 */
export function shadowedReads(operations: readonly Operation<RegisterInput, RegisterOutput>[]): number[] {
  const values = new Array<Canonical>(operations.length); // what each write or cas makes the register hold
  const setters: number[] = [];
  const reads: number[] = [];
  const producers = new Map<Canonical, number[]>();
  operations.forEach(({ input, output }, i) => {
    if (input.f === 'read') {
      if (output !== UNKNOWN) reads.push(i);
      return;
    }
    const value = (values[i] = input.f === 'write' ? input.value : input.to);
    const list = producers.get(value);
    if (list) list.push(i);
    else producers.set(value, [i]);
    if (output !== UNKNOWN) setters.push(i); // definite: a write, or a cas that applied
  });
  // Per value, producers by call with the running maximum of their returns.
  const latestReturn = new Map<Canonical, { calls: number[]; maxReturn: number[] }>();
  for (const [value, list] of producers) {
    list.sort((a, b) => operations[a]!.call - operations[b]!.call);
    let max = -Infinity;
    latestReturn.set(value, { calls: list.map((i) => operations[i]!.call), maxReturn: list.map((i) => (max = Math.max(max, operations[i]!.return))) });
  }
  setters.sort((a, b) => operations[a]!.return - operations[b]!.return);
  reads.sort((a, b) => operations[a]!.call - operations[b]!.call);
  let best = -1; // the setter with the latest call so far
  let other = -1; // the latest-called setter of a value other than best's
  let next = 0;
  const shadowed: number[] = [];
  for (const r of reads) {
    const read = operations[r]!;
    for (; next < setters.length && operations[setters[next]!]!.return < read.call; next++) {
      const s = setters[next]!;
      if (best < 0 || operations[s]!.call > operations[best]!.call) {
        if (best >= 0 && values[best] !== values[s]) other = best;
        best = s;
      } else if (values[s] !== values[best] && (other < 0 || operations[s]!.call > operations[other]!.call)) other = s;
    }
    const v = read.output as Canonical;
    const between = best >= 0 && values[best] !== v ? best : other >= 0 && values[other] !== v ? other : -1;
    if (between < 0) continue;
    const wall = operations[between]!.call;
    // The latest return among the producers of v called before the read returned (the initial value: never).
    const p = latestReturn.get(v);
    let lo = 0;
    let hi = p ? p.calls.length : 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p!.calls[mid]! < read.return) lo = mid + 1;
      else hi = mid;
    }
    const latest = lo > 0 ? p!.maxReturn[lo - 1]! : -Infinity;
    if (latest < wall) shadowed.push(r);
  }
  return shadowed;
}


/**
 * Crashed writes and cas ops that some definite op needs: a read of v (or a cas from v) whose only
 * possible writer of v is that crashed op must have it take effect before the read returned. The
 * possible writers of a read are those called before it returned that no definite write of another
 * value shadows (as in shadowedReads); a crashed op known to take effect by T counts as returning at
 * T, so what one read forces can shadow that op for a later read and force another: repeated until
 * nothing changes. Reads of the initial value are left out. Crashed op index -> time.
 */
export function crashedWritersNeeded(operations: readonly Operation<RegisterInput, RegisterOutput>[], initial: Canonical): Map<number, number> {
  const values = new Array<Canonical>(operations.length);
  const setters: number[] = []; // definite ops that changed the state
  const needs: number[] = []; // definite ops that need a value: reads, and cas ops (from)
  const definite = new Map<Canonical, number[]>();
  const crashed = new Map<Canonical, number[]>();
  let longest = 0;
  operations.forEach(({ input, output, call, return: ret }, i) => {
    if (output !== UNKNOWN) longest = Math.max(longest, ret - call);
    if (input.f === 'read') {
      if (output !== UNKNOWN && output !== initial) needs.push(i);
      return;
    }
    if (input.f === 'cas' && output === false) return;
    const value = (values[i] = input.f === 'write' ? input.value : input.to);
    const byValue = output === UNKNOWN ? crashed : definite;
    const list = byValue.get(value);
    if (list) list.push(i);
    else byValue.set(value, [i]);
    if (output === UNKNOWN) return;
    setters.push(i);
    if (input.f === 'cas' && input.from !== initial) needs.push(i);
  });
  for (const list of definite.values()) list.sort((a, b) => operations[a]!.call - operations[b]!.call);
  setters.sort((a, b) => operations[a]!.return - operations[b]!.return);
  needs.sort((a, b) => operations[a]!.call - operations[b]!.call);
  // The wall of each need: the latest call of a definite setter of another value that returned before it was called.
  const wall = new Float64Array(operations.length).fill(-Infinity);
  let best = -1;
  let other = -1;
  let next = 0;
  const neededValue = (i: number): Canonical => {
    const { input, output } = operations[i]!;
    return input.f === 'cas' ? input.from : (output as Canonical);
  };
  for (const e of needs) {
    for (; next < setters.length && operations[setters[next]!]!.return < operations[e]!.call; next++) {
      const s = setters[next]!;
      if (best < 0 || operations[s]!.call > operations[best]!.call) {
        if (best >= 0 && values[best] !== values[s]) other = best;
        best = s;
      } else if (values[s] !== values[best] && (other < 0 || operations[s]!.call > operations[other]!.call)) other = s;
    }
    const v = neededValue(e);
    const between = best >= 0 && values[best] !== v ? best : other >= 0 && values[other] !== v ? other : -1;
    if (between >= 0) wall[e] = operations[between]!.call;
  }
  const by = new Map<number, number>();
  for (let round = 0, changed = true; changed && round < 16; round++) {
    changed = false;
    for (const e of needs) {
      const need = operations[e]!;
      const v = neededValue(e);
      const w = wall[e]!;
      let count = 0;
      let only = -1;
      for (const c of crashed.get(v) ?? []) {
        if (c === e || operations[c]!.call >= need.return || (by.get(c) ?? Infinity) < w) continue;
        count++;
        only = c;
      }
      if (count !== 1) continue;
      // Definite writers of v, latest call first, until two possible ones or none can reach the wall.
      const list = definite.get(v) ?? [];
      for (let k = calledBefore(operations, list, need.return) - 1; k >= 0 && count === 1; k--) {
        const d = list[k]!;
        if (operations[d]!.call + longest < w) break;
        if (d !== e && operations[d]!.return >= w) count++;
      }
      if (count === 1 && need.return < (by.get(only) ?? Infinity)) {
        by.set(only, need.return);
        changed = true;
      }
    }
  }
  return by;
}

/** How many ops of `list` (sorted by call) were called before `time`. */
function calledBefore(operations: readonly Operation<RegisterInput, RegisterOutput>[], list: readonly number[], time: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (operations[list[mid]!]!.call < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
