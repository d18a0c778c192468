// The set of search configurations already explored: (ops placed, state) pairs, stored flat in one
// Int32Array arena so millions of entries cost no garbage. Lookups are exact, never probabilistic.

/** What `insert` found: the configuration was already there, is new, or did not fit the memory budget. */
export const SEEN = 0;
export const ADDED = 1;
export const FULL = 2;

const HEADER = 6; // h2, state, position of the first unplaced return, extra, word counts of the two ranges

/** An exact hash set of configurations with a byte budget. */
export class ConfigMemo {
  private slots = new Int32Array(1024);
  private slotHashes = new Int32Array(1024);
  private arena = new Int32Array(4096);
  private used = 0;
  private count = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Entries stored so far. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the tables and the arena. */
  get bytes(): number {
    return this.slots.byteLength + this.slotHashes.byteLength + this.arena.byteLength;
  }

  /**
   * Adds the configuration whose identity is (state, first, extra, wordsA[a1,b1), wordsB[a2,b2)),
   * with h1/h2 two hashes of it. Returns SEEN, ADDED or FULL.
   */
  insert(h1: number, h2: number, state: number, first: number, extra: number, wordsA: Uint32Array, a1: number, b1: number, wordsB: Uint32Array, a2: number, b2: number): number {
    const lenA = b1 - a1;
    const len = lenA + (b2 - a2);
    let mask = this.slots.length - 1;
    let slot = h1 & mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      if (this.slotHashes[slot] === h1 && this.matches(at - 1, h2, state, first, extra, wordsA, a1, b1, wordsB, a2, b2)) return SEEN;
      slot = (slot + 1) & mask;
    }
    if (this.used + HEADER + len > this.arena.length) {
      if (!this.growArena(HEADER + len)) return FULL;
    }
    if ((this.count + 1) * 2 > this.slots.length) {
      if (!this.growSlots()) return FULL;
      mask = this.slots.length - 1;
      slot = h1 & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    }
    const arena = this.arena;
    let p = this.used;
    arena[p++] = h2;
    arena[p++] = state;
    arena[p++] = first;
    arena[p++] = extra;
    arena[p++] = lenA;
    arena[p++] = b2 - a2;
    for (let i = a1; i < b1; i++) arena[p++] = wordsA[i]!;
    for (let i = a2; i < b2; i++) arena[p++] = wordsB[i]!;
    this.slots[slot] = this.used + 1;
    this.slotHashes[slot] = h1;
    this.used = p;
    this.count++;
    return ADDED;
  }

  private matches(at: number, h2: number, state: number, first: number, extra: number, wordsA: Uint32Array, a1: number, b1: number, wordsB: Uint32Array, a2: number, b2: number): boolean {
    const arena = this.arena;
    if (arena[at] !== h2 || arena[at + 1] !== state || arena[at + 2] !== first || arena[at + 3] !== extra || arena[at + 4] !== b1 - a1 || arena[at + 5] !== b2 - a2) return false;
    let p = at + HEADER;
    for (let i = a1; i < b1; i++) if (arena[p++] !== (wordsA[i]! | 0)) return false;
    for (let i = a2; i < b2; i++) if (arena[p++] !== (wordsB[i]! | 0)) return false;
    return true;
  }

  private growArena(need: number): boolean {
    let size = this.arena.length * 2;
    while (size < this.used + need) size *= 2;
    if (this.bytes - this.arena.byteLength + size * 4 > this.budgetBytes) return false;
    const arena = new Int32Array(size);
    arena.set(this.arena.subarray(0, this.used));
    this.arena = arena;
    return true;
  }

  private growSlots(): boolean {
    const size = this.slots.length * 2;
    if (this.arena.byteLength + size * 8 > this.budgetBytes) return false;
    const slots = new Int32Array(size);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.slots.length; i++) {
      const at = this.slots[i]!;
      if (at === 0) continue;
      const h1 = this.slotHashes[i]!;
      let slot = h1 & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = at;
      hashes[slot] = h1;
    }
    this.slots = slots;
    this.slotHashes = hashes;
    return true;
  }
}
