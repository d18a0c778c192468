// The last lines of a node's log, for errors that must show why a node would not start.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** Returns up to `lines` last lines of a file (reading at most its last 64 KiB), or a note if absent. */
export function tailLines(path: string, lines = 10): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  const size = statSync(path).size;
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const text = buffer.toString('utf8').trimEnd();
  return text === '' ? '(log is empty)' : text.split('\n').slice(-lines).join('\n');
}
