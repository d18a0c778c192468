// The search configurations already explored, stored flat in one Int32Array arena so millions of
// entries cost no garbage. Lookups are exact, never probabilistic.
//
// A configuration is split in two: its core (state, position, definite ops placed, an extra tag)
// and the crashed ops it has placed. Crashed ops are optional, so a configuration that placed more
// of them can only do less: if one with the same core and a subset of its crashed ops already
// failed, it fails too. Each core keeps the list of crashed sets seen with it, and a new
// configuration is SEEN when any of them is a subset of its own.

/** What `insert` found: the configuration (or one that dominates it) was seen, is new, or did not fit the memory budget. */
export const SEEN = 0;
export const ADDED = 1;
export const FULL = 2;

const CORE_HEADER = 6; // h2, state, first, extra, word count, head of the crashed-set list
const SET_HEADER = 2; // next crashed set, word count

/** The first tables' slot count for about `expected` configurations (the arena gets four words a slot). */
export function firstSlots(expected: number): number {
  let size = 64;
  while (size < 2 * expected && size < 1 << 16) size *= 2;
  return size;
}

/** An exact set of configurations, with subsumption over crashed ops, under a byte budget. */
export class ConfigMemo {
  private slots: Int32Array;
  private slotHashes: Int32Array;
  private arena: Int32Array;
  private used = 0;
  private cores = 0;
  private count = 0;

  /**
   * `expected`: about how many configurations to size the first tables for (they grow as needed);
   * `allocate` makes those first tables (zeroed), e.g. from the search's slab.
   */
  constructor(
    private readonly budgetBytes: number,
    expected = 512,
    allocate: (length: number) => Int32Array = (length) => new Int32Array(length),
  ) {
    const size = firstSlots(expected);
    this.slots = allocate(size);
    this.slotHashes = allocate(size);
    this.arena = allocate(4 * size);
  }

  /** Configurations stored so far. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the tables and the arena. */
  get bytes(): number {
    return this.slots.byteLength + this.slotHashes.byteLength + this.arena.byteLength;
  }

  /**
   * Adds the configuration whose core is (state, first, extra, core[a1,b1)) and whose crashed set
   * is crashed[a2,b2) (word a2 holds bit 32*a2), h1/h2 two hashes of the core. Returns SEEN when the
   * core was seen with a subset of these crashed ops, else ADDED (or FULL).
   */
  insert(h1: number, h2: number, state: number, first: number, extra: number, core: Uint32Array, a1: number, b1: number, crashed: Uint32Array, a2: number, b2: number): number {
    let mask = this.slots.length - 1;
    let slot = h1 & mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      if (this.slotHashes[slot] === h1 && this.sameCore(at - 1, h2, state, first, extra, core, a1, b1)) {
        const headAt = at - 1 + CORE_HEADER + (b1 - a1) - 1;
        if (this.dominated(this.arena[headAt]!, crashed, a2, b2)) return SEEN;
        const set = this.addSet(crashed, a2, b2, 0);
        if (set < 0) return FULL;
        this.arena[set] = this.arena[headAt]!; // link in front
        this.arena[headAt] = set + 1;
        this.count++;
        return ADDED;
      }
      slot = (slot + 1) & mask;
    }
    const lenA = b1 - a1;
    if (!this.reserve(CORE_HEADER + lenA + SET_HEADER + (b2 - a2))) return FULL;
    if ((this.cores + 1) * 2 > this.slots.length) {
      if (!this.growSlots()) return FULL;
      mask = this.slots.length - 1;
      slot = h1 & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    }
    const arena = this.arena;
    const start = this.used;
    let p = start;
    arena[p++] = h2;
    arena[p++] = state;
    arena[p++] = first;
    arena[p++] = extra;
    arena[p++] = lenA;
    for (let i = a1; i < b1; i++) arena[p++] = core[i]!;
    const headAt = p++;
    this.used = p;
    const set = this.addSet(crashed, a2, b2, 0);
    arena[headAt] = set + 1;
    this.slots[slot] = start + 1;
    this.slotHashes[slot] = h1;
    this.cores++;
    this.count++;
    return ADDED;
  }

  private sameCore(at: number, h2: number, state: number, first: number, extra: number, core: Uint32Array, a1: number, b1: number): boolean {
    const arena = this.arena;
    if (arena[at] !== h2 || arena[at + 1] !== state || arena[at + 2] !== first || arena[at + 3] !== extra || arena[at + 4] !== b1 - a1) return false;
    let p = at + 5;
    for (let i = a1; i < b1; i++) if (arena[p++] !== (core[i]! | 0)) return false;
    return true;
  }

  /** True when some stored set in the list starting at `head` (offset+1, 0 = end) is a subset of crashed[a2,b2). */
  private dominated(head: number, crashed: Uint32Array, a2: number, b2: number): boolean {
    const arena = this.arena;
    const len = b2 - a2;
    // Looking further than the newest few sets costs more than the work it saves; stopping early
    // only means a dominated configuration is explored again, never a wrong verdict.
    let budget = 24;
    for (let at = head; at !== 0 && budget-- > 0; at = arena[at - 1]!) {
      const base = at - 1;
      const storedLen = arena[base + 1]!;
      if (storedLen > len) continue; // its highest word holds a set bit beyond ours
      let subset = true;
      for (let i = 0; i < storedLen; i++) {
        if ((arena[base + SET_HEADER + i]! & ~crashed[a2 + i]!) !== 0) {
          subset = false;
          break;
        }
      }
      if (subset) return true;
    }
    return false;
  }

  /** Appends a crashed set; returns its offset, or -1 when over budget. */
  private addSet(crashed: Uint32Array, a2: number, b2: number, next: number): number {
    if (!this.reserve(SET_HEADER + (b2 - a2))) return -1;
    const arena = this.arena;
    const start = this.used;
    let p = start;
    arena[p++] = next;
    arena[p++] = b2 - a2;
    for (let i = a2; i < b2; i++) arena[p++] = crashed[i]!;
    this.used = p;
    return start;
  }

  private reserve(need: number): boolean {
    if (this.used + need <= this.arena.length) return true;
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
