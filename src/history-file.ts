// The history on disk: history.jsonl, one op per line, appended as ops happen.
//
// Lines are buffered and written with a synchronous write at least every `flushIntervalMs` (and
// whenever the buffer grows large), so a controller that crashes or is killed loses at most the
// last fraction of a second, and what is on disk is always whole lines that can be re-checked.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Op } from './op.js';

export class HistoryWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(readonly path: string, flushIntervalMs = 200, private readonly maxBufferedChars = 1 << 20) {
    this.fd = openSync(path, 'a');
    this.timer = setInterval(() => this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** Queues one op; it reaches the file within the flush interval. */
  append(op: Op): void {
    if (this.closed) throw new Error(`history ${this.path} is closed; op ${op.index} (f=${op.f}) was not recorded`);
    const line = JSON.stringify(op) + '\n';
    this.buffer.push(line);
    this.bufferedChars += line.length;
    if (this.bufferedChars >= this.maxBufferedChars) this.flush();
  }

  /** Writes everything buffered so far. */
  flush(): void {
    if (this.buffer.length === 0 || this.closed) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bufferedChars = 0;
    writeSync(this.fd, chunk);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    clearInterval(this.timer);
    closeSync(this.fd);
    this.closed = true;
  }
}

