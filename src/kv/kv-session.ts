// A client session of the bundled store (session guarantees by version tokens): it asks every reply
// for its version, remembers the newest it saw, and sends it as `after` with every read, so a read
// through any node sees at least what the session wrote or read before, or fails `stale`. Raft and
// primary versions are log positions (one token for every key); quorum versions are per key.
import type { KvClient } from './client.js';
import type { KvOp, KvResponse } from './protocol.js';
import { newerVersion, type KvVersion, type VersionScope } from './version.js';

export class KvSession {
  /** The newest log position seen (scope "log"). */
  private newest: KvVersion | undefined;
  /** The newest version of each key seen (scope "key"). */
  private readonly byKey = new Map<string, KvVersion>();

  /** `scope` is the mode's (VERSION_SCOPE in version.ts). */
  constructor(readonly scope: VersionScope) {}

  /** The op as this session sends it: asking for the version, and a read `after` what the session saw. */
  stamp(op: KvOp): KvOp & { version: true } {
    if (op.op !== 'read') return { ...op, version: true };
    const after = this.versionFor(op.key);
    return after === undefined ? { ...op, version: true } : { ...op, after, version: true };
  }

  /** Remembers the version an ok reply to `op` carries. */
  observe(op: KvOp, response: KvResponse): void {
    if (!response.ok || !('version' in response) || response.version === undefined) return;
    if (this.scope === 'log') this.newest = newerVersion(this.newest, response.version);
    else if ('key' in op) this.byKey.set(op.key, newerVersion(this.byKey.get(op.key), response.version)!);
  }

  /** Sends `op` through `client` as part of this session (any node's client will do). */
  async request(client: KvClient, op: KvOp, timeoutMs: number): Promise<KvResponse> {
    const response = await client.request(this.stamp(op), timeoutMs);
    this.observe(op, response);
    return response;
  }

  /** The version a read of `key` must see at least; undefined when the session has seen none. */
  versionFor(key: string): KvVersion | undefined {
    return this.scope === 'log' ? this.newest : this.byKey.get(key);
  }
}
