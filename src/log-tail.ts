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

/**
 * The last error a node logged, in one line, for the first line of a start failure: a pino-style
 * JSON line at level 50 or more (its `err.message`, or `msg`), or else the last line that says
 * "error" or "fatal". Undefined when the log names none.
 */
export function lastLoggedError(path: string): string | undefined {
  const lines = tailLines(path, 50).split('\n').reverse();
  for (const line of lines) {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown } };
      if (typeof entry.level === 'number' && entry.level >= 50) {
        const message = typeof entry.err?.message === 'string' ? entry.err.message : typeof entry.msg === 'string' ? entry.msg : undefined;
        if (message !== undefined) return message.split('\n')[0]!.slice(0, 200);
      }
    } catch {
      if (/\b(error|fatal|panic)\b/i.test(line)) return line.trim().slice(0, 200);
    }
  }
  return undefined;
}
