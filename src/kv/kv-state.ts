// The replicated state machine: a map from key to JSON value, changed only by applying commands.
import type { Json, KvOp } from './protocol.js';

/** A command that goes through the log. Reads never do. */
export type KvCommand =
  | { op: 'write'; key: string; value: Json }
  | { op: 'cas'; key: string; from: Json; to: Json }
  | { op: 'set-add' | 'set-remove'; key: string; element: Json }
  | { op: 'counter-add'; key: string; delta: number };

export type KvCommandResult = { ok: true } | { ok: false; error: 'cas-mismatch' | 'wrong-type'; current: Json | null };

/** The command a client op makes (for the ops that change state). */
export function commandOf(op: Exclude<KvOp, { op: 'read' | 'status' }>): KvCommand {
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
  }
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
