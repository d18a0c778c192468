// How a quorum mode versions a key's value: what a write stores, how replicas' states merge, and
// what a read returns. Two implementations: last-writer-wins by wall clock (lww.ts) and vector
// clocks with siblings (vclock.ts).
import type { Json } from '../protocol.js';
import type { Lattice } from '../replica-store.js';
import type { KvVersion } from '../version.js';

/** What a quorum read answers (see the client protocol). */
export interface ReadResult {
  value?: Json;
  siblings?: Json[];
  context?: string;
}

export interface Versioning<S> extends Lattice<S> {
  /** The reply to a read of `state` (null: the key is absent everywhere asked). */
  reply(state: S | null): ReadResult;
  /** The values a read-modify-write starts from: one (LWW) or every sibling (VC); none when absent. */
  values(state: S | null): Json[];
  /**
   * The state that writes `value`, superseding `basis`: the state a read-modify-write read, or, for
   * a client write, the context it sent (undefined: supersede nothing). Throws on a bad context.
   */
  write(value: Json, basis: { state: S | null } | { context: string | undefined }): S;
  /** How new a state is, as a totally ordered version (version.ts); undefined when absent or when versions are not totally ordered (vector clocks). */
  version(state: S | null): KvVersion | undefined;
}
