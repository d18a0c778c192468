// Many small typed arrays carved out of few ArrayBuffers. Each ArrayBuffer of its own is memory
// outside the JS heap that V8 allocates, zeroes and tracks one by one; a search makes some forty
// of them, which on histories of a hundred ops cost more than the search itself.

// Buffers of finished searches, kept for the next ones (per thread: module state).
const spare: ArrayBuffer[] = [];
const SPARE_LIMIT = 8;

/**
 * A bump allocator of zeroed typed arrays; a request that does not fit starts a new buffer. Its
 * first buffer may be a spare one given back by `release`, zeroed again.
 */
export class TypedSlab {
  private buffer: ArrayBuffer;
  private readonly first: ArrayBuffer;
  private used = 0;
  /** Bytes of `buffer` that may be handed out (a spare one is zeroed only that far). */
  private limit: number;

  /** `bytes`: the expected total, so that usually one buffer serves every request. */
  constructor(private readonly bytes: number) {
    const want = Math.max(64, bytes);
    const found = spare.findIndex((b) => b.byteLength >= want && b.byteLength <= 4 * want);
    if (found >= 0) {
      this.buffer = spare.splice(found, 1)[0]!;
      new Uint8Array(this.buffer, 0, want).fill(0);
    } else this.buffer = new ArrayBuffer(want);
    this.first = this.buffer;
    this.limit = want;
  }

  /** Hands the first buffer to a later slab. Every array taken from this one must be dead by then. */
  release(): void {
    if (spare.length >= SPARE_LIMIT) spare.shift();
    spare.push(this.first);
  }

  f64(length: number): Float64Array {
    return new Float64Array(this.take(length * 8, 8), this.used - length * 8, length);
  }

  i32(length: number): Int32Array {
    return new Int32Array(this.take(length * 4, 4), this.used - length * 4, length);
  }

  u32(length: number): Uint32Array {
    return new Uint32Array(this.take(length * 4, 4), this.used - length * 4, length);
  }

  u8(length: number): Uint8Array {
    return new Uint8Array(this.take(length, 1), this.used - length, length);
  }

  /** Reserves `size` bytes aligned to `align` and returns the buffer they are in (`used` ends them). */
  private take(size: number, align: number): ArrayBuffer {
    let start = (this.used + align - 1) & ~(align - 1);
    if (start + size > this.limit) {
      this.buffer = new ArrayBuffer(Math.max(size, this.bytes >> 1, 64));
      this.limit = this.buffer.byteLength;
      start = 0;
    }
    this.used = start + size;
    return this.buffer;
  }
}
