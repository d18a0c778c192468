// A map from values to small non-negative integers (ids), held in a plain array while the values are
// small non-negative integers (as list-append keys and values usually are) and in a Map otherwise.
// Array lookups are several times faster than Map lookups and take far less memory, which matters
// with millions of appends.

const DENSE_LIMIT = 1 << 22;

export class ValueTable {
  /** id + 1 by value, 0 for none; undefined once a value did not fit. */
  private dense: number[] | undefined = [];
  private map: Map<unknown, number> | undefined;
  size = 0;

  get(value: unknown): number | undefined {
    const dense = this.dense;
    if (dense) {
      if (typeof value !== 'number' || !(value >= 0 && value < dense.length) || !Number.isInteger(value)) return undefined;
      const id = dense[value]!;
      return id === 0 ? undefined : id - 1;
    }
    return this.map!.get(value);
  }

  has(value: unknown): boolean {
    return this.get(value) !== undefined;
  }

  delete(value: unknown): void {
    const dense = this.dense;
    if (!dense) {
      if (this.map!.delete(value)) this.size--;
    } else if (this.get(value) !== undefined) {
      dense[value as number] = 0;
      this.size--;
    }
  }

  set(value: unknown, id: number): void {
    const dense = this.dense;
    if (dense) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < DENSE_LIMIT && value <= 2 * dense.length + 1024) {
        while (dense.length <= value) dense.push(0);
        if (dense[value] === 0) this.size++;
        dense[value] = id + 1;
        return;
      }
      this.map = new Map();
      dense.forEach((v, i) => v !== 0 && this.map!.set(i, v - 1));
      this.dense = undefined;
    }
    if (!this.map!.has(value)) this.size++;
    this.map!.set(value, id);
  }
}
