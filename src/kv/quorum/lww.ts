// Last-writer-wins: a write carries its coordinator's wall-clock time (Date.now() plus any
// --clock-offset-ms, so libfaketime and clock faults reach it), and the replica keeps the value with
// the greatest timestamp. Ties within a millisecond break by a per-node sequence, then node id.
// A coordinator whose clock is behind writes values that are acknowledged and then silently lose to
// older writes: lost updates by design, which a checker should catch under clock skew.
import type { Json } from '../protocol.js';
import type { KvVersion } from '../version.js';
import type { ReadResult, Versioning } from './versioning.js';

/** [wall-clock ms, sequence, coordinator] */
export type LwwTimestamp = [number, number, string];

export interface LwwState {
  v: Json;
  ts: LwwTimestamp;
}

/** Orders timestamps: negative when a is older. */
export function compareTimestamps(a: LwwTimestamp, b: LwwTimestamp): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

export class LwwVersioning implements Versioning<LwwState> {
  private seq = 0;
  private lastMs = 0;

  constructor(
    private readonly self: string,
    private readonly wallNowMs: () => number,
  ) {}

  merge(a: LwwState, b: LwwState): LwwState {
    return compareTimestamps(a.ts, b.ts) >= 0 ? a : b;
  }

  reply(state: LwwState | null): ReadResult {
    return { value: state?.v ?? null };
  }

  values(state: LwwState | null): Json[] {
    return state === null ? [] : [state.v];
  }

  /** The timestamp: what decides which value wins is also what orders versions. */
  version(state: LwwState | null): KvVersion | undefined {
    return state === null ? undefined : [...state.ts];
  }

  write(value: Json): LwwState {
    const ms = this.wallNowMs();
    // The sequence only breaks ties within one millisecond of this node's clock.
    this.seq = ms === this.lastMs ? this.seq + 1 : 0;
    this.lastMs = ms;
    return { v: value, ts: [ms, this.seq, this.self] };
  }
}
