// Newline-delimited JSON framing: splits a byte stream into lines without copying more than needed.

/** Feeds socket chunks in and calls `onLine` for every complete line (without the newline). */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number,
  ) {}

  /** Consumes a chunk; false when a line grew beyond maxLineBytes (the caller drops the connection). */
  push(chunk: Buffer): boolean {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      let line: string;
      if (this.parts.length > 0) {
        this.parts.push(piece);
        line = Buffer.concat(this.parts).toString('utf8');
        this.parts = [];
        this.partBytes = 0;
      } else {
        line = piece.toString('utf8');
      }
      start = nl + 1;
      if (line.length > 0) this.onLine(line);
    }
    if (start < chunk.length) {
      this.parts.push(chunk.subarray(start));
      this.partBytes += chunk.length - start;
      if (this.partBytes > this.maxLineBytes) return false;
    }
    return true;
  }
}

/** Serialises one message as a line. */
export function toLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
