// The seeded random module: every random choice in faultline flows from one seed, so a run replays.
//
// xoshiro128** seeded through splitmix32: fast, 128 bits of state, good statistical quality.
// `fork(label)` derives an independent stream, so adding a draw in one place does not shift others.

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A new array with the items in random order. */
  shuffle<T>(items: readonly T[]): T[];
  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number;
  /** An independent stream derived from this one's seed and a label. */
  fork(label: string): Random;
}

/** Creates a generator from a 32-bit seed. */
export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new Error(`random seed ${seed} is not an integer; expected a whole number`);
  let x = seed >>> 0;
  const splitmix = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const random: Random = {
    seed,
    next: () => nextU32() / 4294967296,
    int(n) {
      if (!(n > 0)) throw new Error(`random.int(${n}): expected a positive bound`);
      return Math.floor(random.next() * n);
    },
    between: (lo, hi) => lo + random.int(hi - lo + 1),
    chance: (p) => random.next() < p,
    pick(items) {
      if (items.length === 0) throw new Error('random.pick: expected a non-empty list');
      return items[random.int(items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    exponential: (mean) => -Math.log(1 - random.next()) * mean,
    fork: (label) => createRandom((seed ^ hashString(label)) | 0),
  };
  return random;
}

/** Picks a fresh seed for a run that was not given one (the only nondeterminism, recorded in test.json). */
export function freshSeed(): number {
  return (Date.now() ^ (process.hrtime()[1] << 7)) >>> 1;
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0;
}

/** FNV-1a of a string, for deriving labelled streams. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
