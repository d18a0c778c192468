// Consistent hashing: every node owns `vnodes` points (tokens) on a 32-bit ring, and a key is stored
// on the first N distinct nodes met walking clockwise from the key's own point (its preference
// list). Every node computes the same ring from the same membership, with no coordination.
import { createHash } from 'node:crypto';

/** A 32-bit position on the ring for a string. */
export function ringPosition(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}

export class Ring {
  private readonly tokens: { at: number; node: string }[];
  private readonly cache = new Map<string, string[]>();

  constructor(
    readonly nodes: readonly string[],
    readonly vnodes: number,
  ) {
    if (nodes.length === 0) throw new Error('ring: expected at least one node');
    this.tokens = nodes
      .flatMap((node) => Array.from({ length: vnodes }, (_, i) => ({ at: ringPosition(`${node}#${i}`), node })))
      .sort((a, b) => a.at - b.at || (a.node < b.node ? -1 : 1));
  }

  /** The `n` distinct nodes that hold `key`, in ring order (the first is the key's primary owner). */
  preferenceList(key: string, n: number): string[] {
    if (n > this.nodes.length) throw new Error(`ring: ${n} replicas asked of ${this.nodes.length} nodes; expected at most ${this.nodes.length}`);
    const cacheKey = `${n}\u0000${key}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const at = ringPosition(key);
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tokens[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    const found: string[] = [];
    for (let i = 0; found.length < n && i < this.tokens.length; i++) {
      const node = this.tokens[(lo + i) % this.tokens.length]!.node;
      if (!found.includes(node)) found.push(node);
    }
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(cacheKey, found);
    return found;
  }
}
