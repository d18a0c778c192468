// Versions: what a reply says about how new the state it saw or made is, and what a read sends back
// as `after` to ask for a state at least that new (session guarantees by version tokens).
//
// A version is a short array compared element by element (numbers numerically, strings by code
// unit; a proper prefix is older), so one rule serves every mode: raft [applied log index], primary
// [epoch of the last entry, its index] (Kafka's leader epochs, MongoDB's optime), quorum the key's
// last-writer-wins timestamp [wall-clock ms, sequence, coordinator]. raft and primary versions are
// log positions and cover every key; quorum versions are per key. quorum-vc and crdt have none.
import type { ModeName } from './mode-ops.js';
import type { KvReply } from './protocol.js';

export type KvVersion = (number | string)[];

/** What one version covers: the whole replicated log (every key), or one key's value. */
export type VersionScope = 'log' | 'key';

/** Each mode's version scope; null: the mode has no versions (a read with `after` is unsupported). */
export const VERSION_SCOPE: Record<ModeName, VersionScope | null> = {
  raft: 'log',
  primary: 'log',
  quorum: 'key',
  'quorum-vc': null,
  crdt: null,
};

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: KvVersion, b: KvVersion): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // A number sorts before a string where a malformed token mixes them.
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The newer of two versions (the first when equal); undefined counts as older than any. */
export function newerVersion(a: KvVersion | undefined, b: KvVersion | undefined): KvVersion | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareVersions(b, a) > 0 ? b : a;
}

/** True when `value` is a version: an array of finite numbers and strings, at most 8 long. */
export function isVersion(value: unknown): value is KvVersion {
  return Array.isArray(value) && value.length <= 8 && value.every((x) => (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string');
}

/** An ok reply with the version of the state it saw or made; failures pass unchanged. */
export function withVersion(reply: KvReply, version: KvVersion | undefined): KvReply {
  return reply.ok && version !== undefined ? { ...reply, version } : reply;
}
