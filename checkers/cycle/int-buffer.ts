// A growable Int32Array: the cycle checker collects millions of edges and reads without allocating
// a JS object per item.

export class IntBuffer {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  /** The items as an array of exactly `length` (shares memory until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
