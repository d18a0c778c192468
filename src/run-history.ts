// A run's history.jsonl read back: whole for the checkers, or as a stream of ops for the final
// generator, so the controller never holds the history while the workload runs.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { opFromJsonLine, readJsonlFile } from './formats/jsonl.js';
import type { History, Op } from './op.js';

/** Reads a run's history line by line; throws one line naming the file, the line, the field and what was expected. */
export function readStoredHistory(path: string): History {
  return readJsonlFile(path);
}

/** The ops of a history file, one line at a time, in 1 MiB chunks; a line cut short at the end is skipped. */
export function* streamStoredHistory(path: string): Generator<Op> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let lineNo = 0;
    let position = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const text = rest + decoder.write(chunk.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const op = opFromJsonLine({ text: line, lineNo: ++lineNo, terminated: true }, path, position);
        if (op !== undefined) {
          position++;
          yield op;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
