// The history on disk: history.jsonl, one op per line, appended as ops happen.
//
// Lines are buffered and written with a synchronous write at least every `flushIntervalMs` (and
// whenever the buffer grows large), so a controller that crashes or is killed loses at most the
// last fraction of a second, and what is on disk is always whole lines that can be re-checked.
// The flush runs on a timer: during a run the worker pool lets timers run at least every 20 ms,
// even when every op completes at once, so the bound is about `flushIntervalMs` + 20 ms (220 ms),
// or 64 KiB of lines (`maxBufferedChars`), whichever comes first. The buffer is kept small on
// purpose: lines held for long outlive the young generation and cost a copy or two in every
// scavenge (at 100k ops/s, a 1 MiB buffer made garbage collection a quarter of bench:runner's
// time; 64 KiB is a write of about 300 ops, a few hundred small writes a second).
//
// A write that fails (no space left, an I/O error) never escapes from the timer: the writer cuts
// the file back to its last whole line, stops writing, and reports the failure once through
// `onError`, so the run can stop its workload, heal and tear down. Ops after the failure are
// counted as lost, never half-written.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { ioMessage } from './io-error.js';
import type { Op } from './op.js';

export interface HistoryWriterOptions {
  flushIntervalMs?: number;
  maxBufferedChars?: number;
  /** Called once, with a one-line message, when the history can no longer be written. */
  onError?(message: string, err: unknown): void;
}

export class HistoryWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Bytes of whole lines on disk. */
  private written = 0;
  /** Set once a write failed: nothing more is written. */
  private failure: string | undefined;
  /** Ops appended after the failure (or lost in the failed write). */
  private lostOps = 0;
  private readonly maxBufferedChars: number;

  constructor(readonly path: string, private readonly options: HistoryWriterOptions = {}) {
    this.fd = openSync(path, 'a');
    this.maxBufferedChars = options.maxBufferedChars ?? 1 << 16;
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /** The one-line reason the history stopped being written, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** Ops that could not be written because of the failure. */
  get lost(): number {
    return this.lostOps;
  }

  /** Queues one op; it reaches the file within the flush interval. */
  append(op: Op): void {
    if (this.closed) throw new Error(`history ${this.path} is closed; op ${op.index} (f=${op.f}) was not recorded`);
    if (this.failure !== undefined) {
      this.lostOps++;
      return;
    }
    // The newline is added by the join in flush: one string less per op.
    const line = JSON.stringify(op);
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= this.maxBufferedChars) this.flush();
  }

  /** Writes everything buffered so far; on failure keeps the file to whole lines and reports once. */
  flush(): void {
    if (this.buffer.length === 0 || this.closed || this.failure !== undefined) return;
    const lines = this.buffer;
    this.buffer = [];
    this.bufferedChars = 0;
    const chunk = Buffer.from(lines.join('\n') + '\n');
    let offset = 0;
    try {
      while (offset < chunk.length) offset += writeSync(this.fd, chunk, offset, chunk.length - offset);
      this.written += chunk.length;
    } catch (err) {
      // Keep only the whole lines of what reached the disk before the error.
      const wholeEnd = offset === 0 ? 0 : chunk.lastIndexOf(0x0a, offset - 1) + 1;
      let kept = 0;
      for (let i = 0; i < wholeEnd; i++) if (chunk[i] === 0x0a) kept++;
      try {
        ftruncateSync(this.fd, this.written + wholeEnd);
        this.written += wholeEnd;
      } catch {
        // Truncation failed too: the reader ignores a last line cut short.
      }
      this.lostOps += lines.length - kept;
      this.failure = `cannot write ${this.path}: ${ioMessage(err)}`;
      this.options.onError?.(this.failure, err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    clearInterval(this.timer);
    try {
      closeSync(this.fd);
    } catch {
      // closing after a failed write can fail the same way; the whole lines stay on disk
    }
    this.closed = true;
  }
}
