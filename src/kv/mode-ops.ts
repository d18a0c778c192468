// Which client ops each mode serves. The server answers any other op with `unsupported` (definite),
// and the adapter (src/db/bundled.ts) reads this table to know which clients a mode can serve. No
// mode code is imported here, so the table is cheap to load.
import type { KvOpName } from './protocol.js';

/** The replication modes, by the name --mode takes. */
export const MODE_NAMES = ['raft', 'primary', 'quorum', 'quorum-vc', 'crdt'] as const;

export type ModeName = (typeof MODE_NAMES)[number];

const register: KvOpName[] = ['read', 'write', 'cas'];
const set: KvOpName[] = ['set-add', 'set-remove'];

/**
 * Ops per mode (besides status). quorum modes have no cas: a leaderless store cannot compare and
 * set atomically without consensus, so it refuses rather than racing. Their set-add and (LWW only)
 * counter-add are read-modify-write at the coordinator: unsafe under concurrency by design, which is
 * what the set and counter checkers should catch in quorum and not in quorum-vc (siblings are
 * unioned). crdt has no registers. Only the modes with an order of all writes (raft's log, the
 * primary) have txns: a leaderless store cannot apply several keys atomically without one.
 */
export const MODE_OPS: Record<ModeName, readonly KvOpName[]> = {
  raft: [...register, ...set, 'counter-add', 'txn', 'member'],
  primary: [...register, ...set, 'counter-add', 'txn'],
  quorum: ['read', 'write', 'set-add', 'counter-add'],
  'quorum-vc': ['read', 'write', 'set-add'],
  crdt: ['read', ...set, 'counter-add'],
};

/** True when `mode` serves `op` (status is served by every mode). */
export function modeServes(mode: ModeName, op: KvOpName): boolean {
  return op === 'status' || MODE_OPS[mode].includes(op);
}

export function isModeName(name: string): name is ModeName {
  return (MODE_NAMES as readonly string[]).includes(name);
}
