// The replicated state machine: a map from key to JSON value, changed only by applying commands.
import { failure, type Json, type KvOp, type KvReply } from './protocol.js';
import type { TxnCompare, TxnMicroOp, TxnResult } from './txn.js';

/** A command that goes through the log. Reads never do. */
export type KvCommand =
  | { op: 'write'; key: string; value: Json }
  | { op: 'cas'; key: string; from: Json; to: Json }
  | { op: 'set-add' | 'set-remove'; key: string; element: Json }
  | { op: 'counter-add'; key: string; delta: number }
  | { op: 'txn'; ops: TxnMicroOp[]; if?: TxnCompare[] };

export type KvCommandResult =
  | { ok: true; results?: TxnResult[] }
  | { ok: false; error: 'cas-mismatch' | 'wrong-type' | 'txn-aborted'; current: Json | null; message?: string };

/** A txn as it goes through the log. */
export type TxnCommand = Extract<KvCommand, { op: 'txn' }>;

/** The command a client op makes (for the ops that change state). */
export function commandOf(op: Exclude<KvOp, { op: 'read' | 'status' | 'member' }>): KvCommand {
  switch (op.op) {
    case 'write':
      return { op: 'write', key: op.key, value: op.value };
    case 'cas':
      return { op: 'cas', key: op.key, from: op.from, to: op.to };
    case 'set-add':
    case 'set-remove':
      return { op: op.op, key: op.key, element: op.element };
    case 'counter-add':
      return { op: 'counter-add', key: op.key, delta: op.delta };
    case 'txn':
      return op.if ? { op: 'txn', ops: op.ops, if: op.if } : { op: 'txn', ops: op.ops };
  }
}

/** The reply to a client for a command's result; failures are definite (decided in log order). */
export function replyOf(result: KvCommandResult): KvReply {
  if (result.ok) return result.results ? { ok: true, results: result.results } : { ok: true };
  return failure(result.error, true, result.message ?? `current value is ${JSON.stringify(result.current)}`);
}

/** Serves an op that changes nothing (a read, or a txn of reads) from a replica's state; never changes it. */
export function serveRead(state: KvState, op: Extract<KvOp, { op: 'read' | 'txn' }>): KvReply {
  return op.op === 'read' ? { ok: true, value: state.read(op.key) } : replyOf(state.evaluate(commandOf(op) as TxnCommand));
}

/** The key/value map of one replica. */
export class KvState {
  private readonly data = new Map<string, Json>();

  /** The value at `key`, or null when absent. */
  read(key: string): Json | null {
    return this.data.get(key) ?? null;
  }

  /**
   * Applies a command; a cas whose `from` differs (by JSON equality, null = absent) changes nothing.
   * A set is a JSON array of distinct elements (in the order added), a counter a number; a set or
   * counter op on a key that holds something else is `wrong-type` and changes nothing.
   */
  apply(cmd: KvCommand): KvCommandResult {
    if (cmd.op === 'txn') return this.runTxn(cmd, true);
    const current = this.read(cmd.key);
    switch (cmd.op) {
      case 'write':
        this.data.set(cmd.key, cmd.value);
        return { ok: true };
      case 'cas':
        if (!jsonEqual(current, cmd.from)) return { ok: false, error: 'cas-mismatch', current };
        this.data.set(cmd.key, cmd.to);
        return { ok: true };
      case 'set-add':
      case 'set-remove': {
        if (current !== null && !Array.isArray(current)) return { ok: false, error: 'wrong-type', current };
        const elements = current ?? [];
        const present = elements.some((e) => jsonEqual(e, cmd.element));
        if (cmd.op === 'set-add' && !present) this.data.set(cmd.key, [...elements, cmd.element]);
        if (cmd.op === 'set-remove' && present) this.data.set(cmd.key, elements.filter((e) => !jsonEqual(e, cmd.element)));
        return { ok: true };
      }
      case 'counter-add':
        if (current !== null && typeof current !== 'number') return { ok: false, error: 'wrong-type', current };
        this.data.set(cmd.key, (current ?? 0) + cmd.delta);
        return { ok: true };
    }
  }

  /** What a txn would answer now, changing nothing (how a read-only txn is served). */
  evaluate(cmd: TxnCommand): KvCommandResult {
    return this.runTxn(cmd, false);
  }

  /**
   * A txn: if every compare holds, its micro-ops run in order on a staged copy of the keys they touch
   * (a read sees the txn's own earlier writes), and the copy replaces them only when all succeeded.
   * An append to a non-list or an add to a non-number is wrong-type and changes nothing.
   */
  private runTxn(cmd: TxnCommand, commit: boolean): KvCommandResult {
    for (const compare of cmd.if ?? []) {
      const current = this.read(compare[1]);
      if (!compareHolds(compare, current)) {
        return { ok: false, error: 'txn-aborted', current, message: `compare ${JSON.stringify(compare)} is false: ${JSON.stringify(compare[1])} holds ${JSON.stringify(current)}` };
      }
    }
    const staged = new Map<string, Json>();
    const results: TxnResult[] = [];
    for (let i = 0; i < cmd.ops.length; i++) {
      const [f, key, arg] = cmd.ops[i]!;
      const current = staged.has(key) ? staged.get(key)! : this.read(key);
      const wrongType = (expected: string): KvCommandResult => ({
        ok: false, error: 'wrong-type', current, message: `micro-op ${i} ${JSON.stringify(cmd.ops[i])}: ${JSON.stringify(key)} holds ${JSON.stringify(current)}; expected ${expected}`,
      });
      switch (f) {
        case 'r':
          results.push(['r', key, current]);
          continue;
        case 'w':
          staged.set(key, arg);
          break;
        case 'append':
          if (current !== null && !Array.isArray(current)) return wrongType('a list or nothing');
          staged.set(key, [...(current ?? []), arg]);
          break;
        case 'add':
          if (current !== null && typeof current !== 'number') return wrongType('a number or nothing');
          staged.set(key, (current ?? 0) + arg);
          break;
      }
      results.push([f, key, arg]);
    }
    if (commit) for (const [key, value] of staged) this.data.set(key, value);
    return { ok: true, results };
  }

  /** The whole map as [key, value] pairs (plain JSON, safe for any key). */
  snapshot(): [string, Json][] {
    return [...this.data.entries()];
  }

  /** Rebuilds a state from snapshot(); throws naming the problem when the data is not such pairs. */
  static restore(pairs: unknown): KvState {
    if (!Array.isArray(pairs)) throw new Error(`kv snapshot: expected an array of [key, value] pairs, got ${typeof pairs}`);
    const state = new KvState();
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new Error(`kv snapshot: bad pair ${JSON.stringify(pair)}; expected [string, json]`);
      }
      state.data.set(pair[0], pair[1] as Json);
    }
    return state;
  }

  get size(): number {
    return this.data.size;
  }
}

/** Deep JSON equality; object key order does not matter. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]!));
  }
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k]!, b[k]!));
}

/** True when a txn's compare holds for a key's current value (null when absent). */
export function compareHolds([cmp, , expected]: TxnCompare, current: Json | null): boolean {
  if (cmp === '=') return jsonEqual(current, expected);
  if (cmp === '!=') return !jsonEqual(current, expected);
  if (typeof current !== 'number' || typeof expected !== 'number') return false;
  return cmp === '<' ? current < expected : cmp === '<=' ? current <= expected : cmp === '>' ? current > expected : current >= expected;
}
